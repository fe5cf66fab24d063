package io.github.microc.exporter.docker.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One running container's cgroup and procfs files, kept open from one scrape to the next and
 * read again from offset 0: these are seq_files, which the kernel generates afresh on every
 * read from the start, so a scrape costs one {@code pread} per file instead of an open, a
 * read and a close. Closed when the container stops or its main process changes, so that no
 * descriptor keeps a dead container's network namespace alive. Files are known by their name
 * (relative to their directory), unique within one container: a scrape looks them up
 * without making a path. Thread-safe.
 */
public final class OpenFiles implements AutoCloseable {

  private static final ThreadLocal<ByteBuffer> BUFFER =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(16 * 1024));
  private static final ThreadLocal<byte[]> BYTES = ThreadLocal.withInitial(() -> new byte[16 * 1024]);

  private final Map<String, FileChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * The whole content of the file {@code name} in {@code dir}, as ISO-8859-1 (the files are
   * ASCII); {@code dir} is used only to open it the first time. A failed read closes the file,
   * so that the next read opens it again.
   */
  String read(Path dir, String name) throws IOException {
    FileChannel channel = channels.get(name);
    if (channel == null) {
      channel = FileChannel.open(dir.resolve(name), StandardOpenOption.READ);
      FileChannel raced = channels.putIfAbsent(name, channel);
      if (raced != null) {
        channel.close();
        channel = raced;
      }
      if (closed) {
        close();
        throw new ClosedChannelException();
      }
    }
    ByteBuffer buffer = BUFFER.get();
    buffer.clear();
    long position = 0;
    int n;
    try {
      // A seq_file read fills the buffer as far as the content goes: a short read is the end.
      while ((n = channel.read(buffer, position)) > 0) {
        position += n;
        if (buffer.hasRemaining()) {
          break;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(buffer.capacity() * 2);
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
        BUFFER.set(buffer);
      }
    } catch (IOException e) {
      forget(name); // the next read opens it again
      throw e;
    }
    buffer.flip();
    int length = buffer.remaining();
    byte[] bytes = BYTES.get();
    if (bytes.length < length) {
      bytes = new byte[buffer.capacity()];
      BYTES.set(bytes);
    }
    buffer.get(bytes, 0, length);
    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
  }

  private void forget(String name) {
    FileChannel channel = channels.remove(name);
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Nothing to do about a failed close of a pseudo-file.
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (String name : channels.keySet()) {
      forget(name);
    }
  }
}
