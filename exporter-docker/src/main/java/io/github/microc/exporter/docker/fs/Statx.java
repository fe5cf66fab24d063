package io.github.microc.exporter.docker.fs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code statx(2)} through a JNA direct mapping, for the one field Java's file attributes
 * lack: the blocks a file occupies ({@code st_blocks}), which is what {@code du} and cAdvisor
 * add up. {@code struct statx} has the same layout on every architecture, so one mapping
 * fits all; {@link #available()} says whether the C library has the call (glibc 2.28+).
 *
 * <pre>
 * struct statx { __u32 stx_mask, stx_blksize; __u64 stx_attributes; __u32 stx_nlink, stx_uid,
 *   stx_gid; __u16 stx_mode, __spare0; __u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
 *   struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime; (16 bytes each)
 *   __u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor; ... }   (256 bytes)
 * </pre>
 *
 * Not thread-safe: one instance per walking thread, which reuses its buffer.
 */
final class Statx implements FileStats {

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  /** STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO | STATX_SIZE | STATX_BLOCKS. */
  private static final int MASK = 0x0001 | 0x0002 | 0x0004 | 0x0100 | 0x0200 | 0x0400;
  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;

  private static final boolean AVAILABLE = register();

  private final byte[] buffer = new byte[256];
  private final ByteBuffer fields = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());

  private static boolean register() {
    if (!Platform.isLinux()) {
      return false;
    }
    try {
      Native.register(Statx.class, Platform.C_LIBRARY_NAME);
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  private static native int statx(int dirfd, String path, int flags, int mask, byte[] buf)
      throws LastErrorException;

  static boolean available() {
    return AVAILABLE;
  }

  @Override
  public Stat stat(String path) throws IOException {
    try {
      statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, MASK, buffer);
    } catch (LastErrorException e) {
      throw new IOException("statx " + path + ": errno " + e.getErrorCode());
    }
    int mode = fields.getShort(28) & 0xffff;
    long device = ((long) fields.getInt(136) << 32) | (fields.getInt(140) & 0xffffffffL);
    return new Stat((mode & S_IFMT) == S_IFDIR, fields.getInt(16) & 0xffffffffL, fields.getLong(32),
        device, fields.getLong(48) * 512);
  }
}
