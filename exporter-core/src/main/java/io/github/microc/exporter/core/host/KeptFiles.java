package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.PseudoFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The sysfs attributes a collector reads by path, each kept open from one scrape to the next
 * ({@link PseudoFile}) and closed once a scrape no longer reads it (a device that went away).
 * For collectors that read many small files of a tree they walk on each scrape (btrfs,
 * bcache, xfs, zfs). Not thread-safe: one scrape at a time, between {@link #begin} and {@link #end}.
 */
final class KeptFiles implements AutoCloseable {

  private final Map<Path, PseudoFile> files = new HashMap<>();
  private final Set<Path> seen = new HashSet<>();

  void begin() {
    seen.clear();
  }

  /**
   * A file's whole content.
   *
   * @throws java.nio.file.NoSuchFileException when it does not exist
   * @throws IOException when it cannot be read otherwise
   */
  String read(Path path) throws IOException {
    seen.add(path);
    return files.computeIfAbsent(path, PseudoFile::new).read(StandardCharsets.UTF_8);
  }

  /** Closes the files the scrape did not read. */
  void end() {
    files.entrySet().removeIf(e -> {
      if (seen.contains(e.getKey())) {
        return false;
      }
      e.getValue().close();
      return true;
    });
  }

  @Override
  public void close() {
    files.values().forEach(PseudoFile::close);
    files.clear();
  }
}
