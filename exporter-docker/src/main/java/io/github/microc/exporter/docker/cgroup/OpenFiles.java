package io.github.microc.exporter.docker.cgroup;

import io.github.microc.exporter.core.spi.PseudoFile;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One running container's cgroup and procfs files, each a {@link PseudoFile}: kept open from
 * one scrape to the next and read again from offset 0. Closed when the container stops or its
 * main process changes, so that no descriptor keeps a dead container's network namespace
 * alive. Files are known by their name (relative to their directory), unique within one
 * container: a scrape looks them up without making a path. An optional file that is missing
 * (a controller feature the kernel or the cgroup lacks) is remembered as missing for this
 * process of the container, rather than failing to open on every scrape. Thread-safe.
 */
public final class OpenFiles implements AutoCloseable {

  private final Map<String, PseudoFile> files = new ConcurrentHashMap<>();
  private final Set<String> missing = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * The whole content of the file {@code name} in {@code dir}, as ISO-8859-1 (the files are
   * ASCII); {@code dir} is used only to open it the first time. A failed read closes the file,
   * so that the next read opens it again.
   */
  String read(Path dir, String name) throws IOException {
    PseudoFile file = files.get(name);
    if (file == null) {
      file = files.computeIfAbsent(name, n -> new PseudoFile(dir.resolve(n)));
      if (closed) {
        close();
        throw new ClosedChannelException();
      }
    }
    return file.read(StandardCharsets.ISO_8859_1);
  }

  /**
   * The same for a file that may be missing: null when it is, or when it cannot be read. A
   * file found missing once is not looked for again.
   */
  String readOptional(Path dir, String name) {
    if (missing.contains(name)) {
      return null;
    }
    try {
      return read(dir, name);
    } catch (NoSuchFileException e) {
      missing.add(name);
      PseudoFile file = files.remove(name);
      if (file != null) {
        file.close();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    closed = true;
    files.values().forEach(PseudoFile::close);
  }
}
