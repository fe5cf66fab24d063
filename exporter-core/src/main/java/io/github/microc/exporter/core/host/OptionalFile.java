package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.PseudoFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A kernel file that a module may or may not provide ({@code /proc/mdstat},
 * {@code /proc/net/rpc/nfs}): kept open while it is there, and while it is not, looked for
 * with one {@code stat} a scrape rather than a failed open, whose exception costs more than the
 * collection. Thread-safe.
 */
final class OptionalFile implements AutoCloseable {

  private final PseudoFile file;
  private volatile boolean missing;

  OptionalFile(Path path) {
    this.file = new PseudoFile(path);
  }

  Path path() {
    return file.path();
  }

  /**
   * The file's content, or null when it does not exist.
   *
   * @throws IOException when it exists and cannot be read
   */
  String read() throws IOException {
    if (missing && !Files.exists(file.path())) {
      return null;
    }
    try {
      String text = file.read(StandardCharsets.UTF_8);
      missing = false;
      return text;
    } catch (NoSuchFileException e) {
      missing = true;
      return null;
    }
  }

  @Override
  public void close() {
    file.close();
  }
}
