package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TCP connections by state and the bytes in their queues, as node_exporter's
 * {@code node_tcp_connection_states}: from the kernel's socket dump over netlink (sock_diag), as
 * node_exporter 1.5 asks it, for IPv4 and, when {@code /proc/net/tcp6} exists (IPv6 on), IPv6.
 * Disabled by default, as in node_exporter: the kernel walks every socket on each scrape.
 *
 * <pre>
 * node_tcp_connection_states{state="established"} 2
 * node_tcp_connection_states{state="listen"} 3
 * node_tcp_connection_states{state="time_wait"} 33
 * node_tcp_connection_states{state="rx_queued_bytes"} 0
 * node_tcp_connection_states{state="tx_queued_bytes"} 8320
 * </pre>
 *
 * <p>A state appears once a socket is in it; {@code rx_queued_bytes} and {@code tx_queued_bytes}
 * always. Over netlink a listening socket's queues are its accept queue and its backlog limit,
 * so {@code tx_queued_bytes} includes the listeners' backlog limits, as node_exporter's does.
 * Where no netlink socket can be opened (a platform JNA cannot call, a sandbox that forbids
 * them), {@code /proc/net/tcp} and {@code tcp6} are read instead, where a listener's send queue
 * is 0. Netlink reports the process's own network namespace, whatever the host paths, as for
 * node_exporter. Thread-safe.
 */
public final class TcpstatCollector implements MultiCollector, AutoCloseable {

  /** The kernel's TCP states, 1 to 11, under node_exporter's names. */
  static final String[] STATES = {null, "established", "syn_sent", "syn_recv", "fin_wait1",
      "fin_wait2", "time_wait", "close", "close_wait", "last_ack", "listen", "closing"};
  private static final int RX = 12;
  private static final int TX = 13;

  private final PseudoFile tcp;
  private final PseudoFile tcp6;
  private final Path tcp6Path;
  private volatile boolean netlink;

  /**
   * Reads {@code net}'s {@code tcp} and {@code tcp6} (a Linux {@code /proc/net}), or asks the
   * kernel over netlink when {@code netlink}.
   */
  TcpstatCollector(Path net, boolean netlink) {
    this.tcp = new PseudoFile(net.resolve("tcp"));
    this.tcp6 = new PseudoFile(net.resolve("tcp6"));
    this.tcp6Path = net.resolve("tcp6");
    this.netlink = netlink;
  }

  @Override
  public MetricSnapshots collect() {
    long[] counts = new long[TX + 1];
    if (!netlink || !dump(counts)) {
      parseTcp(HostFiles.parse(tcp, t -> t), tcp.toString(), counts);
      String ipv6 = HostFiles.readIfExists(tcp6);
      if (ipv6 != null) {
        parseTcp(ipv6, tcp6.toString(), counts);
      }
    }
    MetricFamily states = MetricFamily.gauge("node_tcp_connection_states", "Number of connection states.",
        "state");
    for (int s = 1; s < STATES.length; s++) {
      if (counts[s] > 0) {
        states.add(counts[s], STATES[s]);
      }
    }
    states.add(counts[RX], "rx_queued_bytes");
    states.add(counts[TX], "tx_queued_bytes");
    return MetricSnapshots.of(states.build());
  }

  /**
   * The sockets over netlink; false, and the files from now on, when no netlink socket can be
   * opened.
   */
  private boolean dump(long[] counts) {
    try {
      SockDiag.dump(SockDiag.AF_INET, counts);
      if (Files.exists(tcp6Path)) {
        SockDiag.dump(SockDiag.AF_INET6, counts);
      }
      return true;
    } catch (SockDiag.NoSocketException e) {
      netlink = false;
      java.util.Arrays.fill(counts, 0);
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't get tcpstats: " + e.getMessage(), e);
    }
  }

  /**
   * Counts one socket: its state (index 1 to 11; others are not counted) and its receive and
   * send queues (summed at indexes 12 and 13).
   */
  static void count(int state, long rx, long tx, long[] counts) {
    if (state >= 1 && state < STATES.length) {
      counts[state]++;
    }
    counts[RX] += rx;
    counts[TX] += tx;
  }

  /**
   * Adds the sockets of one file to {@code counts}: by state (index 1 to 11), and the receive
   * and send queues summed (indexes 12 and 13). Each line after the header is
   * {@code "sl: local remote st tx_queue:rx_queue ..."} in hexadecimal.
   *
   * @throws IllegalArgumentException for a line with fewer than 10 fields, or a state or queue
   *     that is not hexadecimal, naming {@code file}
   */
  static void parseTcp(String text, String file, long[] counts) {
    SocketTable.forEachSocket(text, file, (state, tx, rx) -> count(state, rx, tx, counts));
  }


  @Override
  public void close() {
    tcp.close();
    tcp6.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "tcpstat";
    }

    @Override
    public String description() {
      return "TCP connections by state and queued bytes over netlink, as node_exporter (node_tcp_connection_states).";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new TcpstatCollector(context.hostPaths().proc("net"), SockDiag.available());
    }
  }
}
