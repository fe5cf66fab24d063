package io.github.microc.exporter.docker.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a directory walk needs to know of each file, its symbolic links not followed, from
 * Java's own file attributes. They have no block count ({@code st_blocks}): a regular file or
 * a directory stands for its size rounded up to whole blocks of its file system, which is
 * what {@code du} counts for every file but a sparse one (counted at its length here) and,
 * on file systems that keep tiny files or directories inline, those (a block here, none for
 * {@code du}); symbolic links, devices and overlay's whiteouts occupy nothing. Calling the C
 * library for {@code statx(2)} instead would load JNA into a process that may not otherwise
 * need it (its cost: docs/containers.md, "Disk usage of the writable layer").
 */
final class FileStats {

  /**
   * @param directory whether it is a directory
   * @param links its hard links
   * @param inode its inode number
   * @param device its file system's device number
   * @param allocated the bytes it is counted as occupying
   */
  record Stat(boolean directory, long links, long inode, long device, long allocated) {}

  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;

  private final long blockSize;

  /** @param blockSize the file system's block size: sizes are rounded up to it */
  FileStats(long blockSize) {
    this.blockSize = blockSize > 0 ? blockSize : 4096;
  }

  Stat stat(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, "unix:mode,nlink,ino,dev,size",
        LinkOption.NOFOLLOW_LINKS);
    int type = (Integer) a.get("mode") & S_IFMT;
    long size = (Long) a.get("size");
    boolean directory = type == S_IFDIR;
    long allocated = directory || type == S_IFREG ? (size + blockSize - 1) / blockSize * blockSize : 0;
    return new Stat(directory, ((Number) a.get("nlink")).longValue(), (Long) a.get("ino"),
        (Long) a.get("dev"), allocated);
  }
}
