package io.github.microc.exporter.core.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's socket dump over netlink ({@code NETLINK_SOCK_DIAG}, {@code SOCK_DIAG_BY_FAMILY}
 * with an {@code inet_diag_req_v2} for every TCP state), as node_exporter 1.5's tcpstat asks it:
 * each socket's state and its receive and send queues, summed. Through a JNA direct mapping of
 * {@code socket}, {@code sendto}, {@code recv} and {@code close}, on 64-bit Linux only
 * ({@link #available()}). It is the network namespace of this process, whatever the host paths,
 * as for node_exporter. Thread-safe: each dump has its own socket.
 */
final class SockDiag {

  private static final int AF_NETLINK = 16;
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_SOCK_DIAG = 4;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final short SOCK_DIAG_BY_FAMILY = 20;
  private static final short NLM_F_REQUEST = 0x1;
  private static final short NLM_F_DUMP = 0x300;
  private static final int NLMSG_ERROR = 2;
  private static final int NLMSG_DONE = 3;
  private static final int IPPROTO_TCP = 6;
  private static final int TCPF_ALL = 0xFFF;
  /** nlmsghdr (16 bytes) and inet_diag_req_v2 (56 bytes). */
  private static final int REQUEST_LENGTH = 72;
  private static final int HEADER = 16;
  /** Where inet_diag_msg's idiag_state, idiag_rqueue and idiag_wqueue are. */
  private static final int STATE = 1;
  private static final int RQUEUE = 56;
  private static final int WQUEUE = 60;

  private static final boolean AVAILABLE = register();

  private SockDiag() {}

  private static boolean register() {
    if (!Platform.isLinux() || !Platform.is64Bit()) {
      return false;
    }
    try {
      Native.register(SockDiag.class, Platform.C_LIBRARY_NAME);
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  private static native int socket(int domain, int type, int protocol) throws LastErrorException;

  private static native int setsockopt(int fd, int level, int name, long[] value, int length)
      throws LastErrorException;

  private static native long sendto(int fd, byte[] buf, long length, int flags, byte[] address,
      int addressLength) throws LastErrorException;

  private static native long recv(int fd, byte[] buf, long length, int flags) throws LastErrorException;

  private static native int close(int fd);

  static boolean available() {
    return AVAILABLE;
  }

  /** No netlink socket could be opened (a sandbox that forbids them, say). */
  static final class NoSocketException extends IOException {
    private static final long serialVersionUID = 1L;

    NoSocketException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Adds the TCP sockets of {@code family} ({@link #AF_INET} or {@link #AF_INET6}) to
   * {@code counts}, as {@link TcpstatCollector#count} describes.
   *
   * @throws NoSocketException when no netlink socket can be opened
   * @throws IOException when the kernel refuses the dump
   */
  static void dump(int family, long[] counts) throws IOException {
    int fd;
    try {
      fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    } catch (LastErrorException e) {
      throw new NoSocketException("netlink socket: errno " + e.getErrorCode(), e);
    }
    try {
      // A second at most for each read: the kernel answers at once, but a scrape never hangs.
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {1, 0}, 16);
      byte[] request = request(family);
      byte[] address = new byte[12];
      address[0] = (byte) AF_NETLINK; // sockaddr_nl: the kernel, pid 0, no groups
      sendto(fd, request, request.length, 0, address, address.length);
      byte[] buffer = new byte[64 * 1024];
      while (true) {
        long n = recv(fd, buffer, buffer.length, 0);
        if (parse(ByteBuffer.wrap(buffer, 0, (int) n).order(ByteOrder.nativeOrder()), counts)) {
          return;
        }
      }
    } catch (LastErrorException e) {
      throw new IOException("netlink sock_diag dump: errno " + e.getErrorCode(), e);
    } finally {
      close(fd);
    }
  }

  /** The dump request of every TCP socket of {@code family}. */
  static byte[] request(int family) {
    ByteBuffer b = ByteBuffer.allocate(REQUEST_LENGTH).order(ByteOrder.nativeOrder());
    b.putInt(REQUEST_LENGTH).putShort(SOCK_DIAG_BY_FAMILY).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
        .putInt(1).putInt(0);
    b.put((byte) family).put((byte) IPPROTO_TCP).put((byte) 0).put((byte) 0).putInt(TCPF_ALL);
    // inet_diag_sockid: ports, addresses, interface and cookie all 0 (every socket).
    return b.array();
  }

  /**
   * Adds the sockets of one read of netlink messages to {@code counts}.
   *
   * @return whether the dump is done ({@code NLMSG_DONE})
   * @throws IOException for an {@code NLMSG_ERROR} message, with its errno
   */
  static boolean parse(ByteBuffer messages, long[] counts) throws IOException {
    int at = messages.position();
    int end = messages.limit();
    while (at + HEADER <= end) {
      int length = messages.getInt(at);
      int type = messages.getShort(at + 4) & 0xFFFF;
      if (length < HEADER || at + length > end) {
        throw new IOException("netlink message of " + length + " bytes at " + at + " of " + end);
      }
      if (type == NLMSG_DONE) {
        return true;
      }
      if (type == NLMSG_ERROR) {
        throw new IOException("netlink sock_diag: errno " + -messages.getInt(at + HEADER));
      }
      if (length >= HEADER + WQUEUE + 4) {
        int payload = at + HEADER;
        TcpstatCollector.count(messages.get(payload + STATE) & 0xFF,
            messages.getInt(payload + RQUEUE) & 0xFFFFFFFFL, messages.getInt(payload + WQUEUE) & 0xFFFFFFFFL,
            counts);
      }
      at += (length + 3) & ~3;
    }
    return false;
  }
}
