package io.github.microc.exporter.core.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code statvfs(3)} through a JNA direct mapping that fills a {@code long[]}: no proxy call
 * and no {@code Structure}, whose reflection cost more than the system call on every mount of
 * every scrape. Only where every field of {@code struct statvfs} is 64 bits wide (64-bit
 * Linux, glibc and musl); {@link #available()} says whether it is.
 *
 * <pre>
 * struct statvfs { unsigned long f_bsize, f_frsize; fsblkcnt_t f_blocks, f_bfree, f_bavail;
 *                  fsfilcnt_t f_files, f_ffree, f_favail; unsigned long f_fsid, f_flag,
 *                  f_namemax; int __f_spare[6]; };
 * </pre>
 */
final class Statvfs {

  private static final int BSIZE = 0;
  private static final int FRSIZE = 1;
  private static final int BLOCKS = 2;
  private static final int BFREE = 3;
  private static final int BAVAIL = 4;
  private static final int FILES = 5;
  private static final int FFREE = 6;
  /** 112 bytes on 64-bit Linux; a little more, in case a libc pads the tail. */
  private static final int WORDS = 32;

  private static final boolean AVAILABLE = register();

  private Statvfs() {}

  private static boolean register() {
    if (!Platform.isLinux() || !Platform.is64Bit()) {
      return false;
    }
    try {
      Native.register(Statvfs.class, Platform.C_LIBRARY_NAME);
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  private static native int statvfs(String path, long[] buf) throws LastErrorException;

  static boolean available() {
    return AVAILABLE;
  }

  /** Sizes in bytes (blocks times the fragment size, as POSIX defines them) and inodes. */
  static FilesystemCollector.FsStats stat(Path path) throws IOException {
    long[] buf = new long[WORDS];
    try {
      statvfs(path.toString(), buf);
    } catch (LastErrorException e) {
      throw new IOException("statvfs " + path + ": errno " + e.getErrorCode());
    }
    return FilesystemCollector.FsStats.of(buf[BSIZE], buf[FRSIZE], buf[BLOCKS], buf[BFREE],
        buf[BAVAIL], buf[FILES], buf[FFREE]);
  }
}
