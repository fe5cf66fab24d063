package io.github.microc.exporter.core.spi;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A procfs, sysfs or cgroupfs file kept open from one scrape to the next and read again from
 * offset 0. Such files are seq_files, which the kernel generates afresh on every read from
 * the start, so a scrape costs {@code pread}s from offset 0 until one returns nothing (two for
 * a file of less than a page) instead of an open, reads and a close (and the path lookup of the
 * open). Opened on the first read; a failed read closes it, so that
 * the next read opens it again (a device that went away and came back). Close it when done:
 * an open file of a process's procfs directory keeps, for instance, its network namespace
 * alive. Thread-safe.
 */
public final class PseudoFile implements AutoCloseable {

  private final Path path;
  private volatile FileChannel channel;
  private boolean closed; // guarded by this

  public PseudoFile(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  /**
   * The file's whole content as it is now.
   *
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws IOException when it cannot be read otherwise, or after {@link #close()}
   */
  public String read(Charset charset) throws IOException {
    FileChannel open = channel;
    if (open == null) {
      open = open();
    }
    try {
      return PseudoFiles.read(open, charset);
    } catch (IOException e) {
      forget(open);
      throw e;
    }
  }

  private synchronized FileChannel open() throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (channel == null) {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    }
    return channel;
  }

  private synchronized void forget(FileChannel failed) {
    if (channel == failed) {
      channel = null;
    }
    closeQuietly(failed);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (channel != null) {
      closeQuietly(channel);
      channel = null;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing to do about a failed close of a pseudo-file.
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
