package io.github.microc.exporter.docker.watchdog;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps a copy of what is written to {@code System.err}, where slf4j-simple (the tests'
 * logging backend) writes: it looks {@code System.err} up on every line, so the copy sees the
 * real log lines.
 */
public final class LogCapture implements AutoCloseable {

  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
  private final PrintStream original;

  private LogCapture() {
    original = System.err;
  }

  public static LogCapture start() {
    LogCapture capture = new LogCapture();
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (capture.copy) {
          capture.copy.write(b);
        }
        capture.original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (capture.copy) {
          capture.copy.write(b, off, len);
        }
        capture.original.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8));
    return capture;
  }

  /** The lines written so far. */
  public List<String> lines() {
    synchronized (copy) {
      return Arrays.asList(copy.toString(StandardCharsets.UTF_8).split("\n"));
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
