package io.github.microc.exporter.docker.fs;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * What a directory tree occupies, as {@code du -s} and cAdvisor's {@code GetDirUsage} count
 * it: the blocks of every file and directory (the tree's own included; see {@link FileStats}
 * for how they are counted), each inode once (a file with several hard links counts once),
 * the inodes themselves, and nothing on another file system (a mount inside the tree is not
 * entered). Not thread-safe.
 */
final class DirectoryUsage {

  /** How often the deadline is looked at, in entries. */
  private static final int CHECK_EVERY = 256;

  /**
   * @param bytes the bytes the tree occupies
   * @param inodes the inodes it uses
   * @param entries the entries looked at, for the cost of the walk
   */
  record Usage(long bytes, long inodes, long entries) {
    static final Usage NONE = new Usage(0, 0, 0);

    Usage plus(Usage other) {
      return new Usage(bytes + other.bytes, inodes + other.inodes, entries + other.entries);
    }
  }

  /** A walk that did not end by its deadline. */
  static final class TooLong extends Exception {
    final long entries;

    TooLong(long entries) {
      super(null, null, false, false);
      this.entries = entries;
    }
  }

  private final FileStats stats;

  DirectoryUsage(FileStats stats) {
    this.stats = stats;
  }

  /** A walk that counts blocks of the size of the file system holding {@code root}. */
  static DirectoryUsage at(Path root) throws IOException {
    return new DirectoryUsage(new FileStats(Files.getFileStore(root).getBlockSize()));
  }

  /**
   * Walks the tree at {@code root}; {@code deadline} is a {@link System#nanoTime()}.
   *
   * @throws IOException when {@code root} itself cannot be stat'ed (it is gone)
   * @throws TooLong when the walk is not over by the deadline
   */
  Usage walk(Path root, long deadline) throws IOException, TooLong {
    FileStats.Stat top = stats.stat(root);
    long bytes = top.allocated();
    long inodes = 1;
    long entries = 1;
    if (!top.directory()) {
      return new Usage(bytes, inodes, entries);
    }
    Set<Long> linked = new HashSet<>();
    Deque<Path> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Path dir = pending.pop();
      try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
        for (Path child : children) {
          if (++entries % CHECK_EVERY == 0 && System.nanoTime() - deadline > 0) {
            throw new TooLong(entries);
          }
          FileStats.Stat s;
          try {
            s = stats.stat(child);
          } catch (IOException e) {
            continue; // removed meanwhile
          }
          if (s.device() != top.device()) {
            continue;
          }
          if (s.directory()) {
            pending.push(child);
          } else if (s.links() > 1 && !linked.add(s.inode())) {
            continue;
          }
          bytes += s.allocated();
          inodes++;
        }
      } catch (IOException | DirectoryIteratorException e) {
        // A directory removed or unreadable meanwhile: what it held is not counted.
      }
    }
    return new Usage(bytes, inodes, entries);
  }
}
