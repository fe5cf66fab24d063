package io.github.microc.exporter.core.spi;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the small files of procfs, sysfs and cgroupfs the way collectors need on every
 * scrape: open, read until end of file, close. No stat first (such a file reports a size of
 * 0 whatever it holds) and one reusable buffer per thread, so a read allocates only the
 * string it returns. Thread-safe.
 */
public final class PseudoFiles {

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[16 * 1024]);

  private PseudoFiles() {}

  /**
   * A file's whole content.
   *
   * @throws NoSuchFileException when the file does not exist
   * @throws IOException when it cannot be read otherwise (the message says why)
   */
  public static String read(Path file, Charset charset) throws IOException {
    byte[] buffer = BUFFER.get();
    int length = 0;
    try (FileInputStream in = new FileInputStream(file.toString())) {
      int n;
      // At most 8 KiB a call: FileInputStream reads that much through a stack buffer and
      // allocates native memory for a larger read.
      while ((n = in.read(buffer, length, Math.min(8192, buffer.length - length))) > 0) {
        length += n;
        if (length == buffer.length) {
          buffer = Arrays.copyOf(buffer, buffer.length * 2);
          BUFFER.set(buffer);
        }
      }
    } catch (FileNotFoundException e) {
      // FileInputStream says "not found" for a missing file and a forbidden one alike.
      if (Files.exists(file)) {
        throw e;
      }
      NoSuchFileException missing = new NoSuchFileException(file.toString());
      missing.initCause(e);
      throw missing;
    }
    return new String(buffer, 0, length, charset);
  }
}
