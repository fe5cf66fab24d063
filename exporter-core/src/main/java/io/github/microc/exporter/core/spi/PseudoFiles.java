package io.github.microc.exporter.core.spi;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the small files of procfs, sysfs and cgroupfs the way collectors need on every
 * scrape, and finds lines and numbers in their text without making a string for each.
 * {@link #read} opens, reads until end of file and closes; {@link PseudoFile} keeps a file
 * open and reads it again from the start. No stat first (such a file reports a size of 0
 * whatever it holds) and one reusable buffer per thread, so a read allocates only the string
 * it returns. Thread-safe.
 */
public final class PseudoFiles {

  /** What {@link #number} returns for text that is not a number. */
  public static final long NOT_A_NUMBER = Long.MIN_VALUE;

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[16 * 1024]);
  private static final ThreadLocal<ByteBuffer> DIRECT =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(16 * 1024));

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

  /**
   * An open file's whole content, read with {@code pread} from offset 0 until a read returns
   * nothing: for a seq_file the kernel generates the content afresh.
   */
  static String read(FileChannel channel, Charset charset) throws IOException {
    ByteBuffer buffer = DIRECT.get();
    buffer.clear();
    long position = 0;
    int n;
    // Until the end: a seq_file that iterates over records (/proc/net/dev, /proc/cpuinfo,
    // mountinfo) hands out at most a page a read, so a short read is not the end.
    while ((n = channel.read(buffer, position)) > 0) {
      position += n;
      if (buffer.hasRemaining()) {
        continue;
      }
      ByteBuffer bigger = ByteBuffer.allocateDirect(buffer.capacity() * 2);
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
      DIRECT.set(buffer);
    }
    buffer.flip();
    int length = buffer.remaining();
    byte[] bytes = BUFFER.get();
    if (bytes.length < length) {
      bytes = new byte[buffer.capacity()];
      BUFFER.set(bytes);
    }
    buffer.get(bytes, 0, length);
    return new String(bytes, 0, length, charset);
  }

  /** Where the line from {@code start} ends: its newline, or the end of the text. */
  public static int lineEnd(String text, int start) {
    int end = text.indexOf('\n', start);
    return end < 0 ? text.length() : end;
  }

  /** The first index from {@code at} (before {@code end}) that is not a space or a tab. */
  public static int skipBlanks(String text, int at, int end) {
    while (at < end && isBlank(text.charAt(at))) {
      at++;
    }
    return at;
  }

  /** The first index from {@code at} (before {@code end}) that is a space or a tab. */
  public static int fieldEnd(String text, int at, int end) {
    while (at < end && !isBlank(text.charAt(at))) {
      at++;
    }
    return at;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * The decimal integer from {@code from} to {@code end}, blanks around it allowed, without
   * making a string; {@link #NOT_A_NUMBER} for anything else.
   */
  public static long number(String text, int from, int end) {
    from = skipBlanks(text, from, end);
    while (end > from && (isBlank(text.charAt(end - 1)) || text.charAt(end - 1) == '\r')) {
      end--;
    }
    boolean negative = from < end && text.charAt(from) == '-';
    int digits = negative ? from + 1 : from;
    if (digits == end || end - digits > 18) {
      // Empty, or long enough to overflow the loop below: the library's parser decides.
      try {
        return digits == end ? NOT_A_NUMBER : Long.parseLong(text.substring(from, end));
      } catch (NumberFormatException e) {
        return NOT_A_NUMBER;
      }
    }
    long value = 0;
    for (int i = digits; i < end; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return NOT_A_NUMBER;
      }
      value = value * 10 + (c - '0');
    }
    return negative ? -value : value;
  }
}
