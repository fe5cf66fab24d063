package io.github.microc.exporter.docker.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/** What a directory walk needs to know of each file, its symbolic links not followed. */
interface FileStats {

  /**
   * @param directory whether it is a directory
   * @param links its hard links
   * @param inode its inode number
   * @param device its file system's device number
   * @param allocated the bytes it occupies on disk ({@code st_blocks} &times; 512)
   */
  record Stat(boolean directory, long links, long inode, long device, long allocated) {}

  Stat stat(String path) throws IOException;

  /** {@code statx(2)} where the C library has it, else {@link #attributes}. */
  static FileStats best() {
    return Statx.available() ? new Statx() : attributes();
  }

  /**
   * Java's own attributes, which have no block count: a file's size rounded up to 4 KiB
   * blocks stands for what it occupies, which sparse files and file systems that keep small
   * files inline make an overestimate.
   */
  static FileStats attributes() {
    return path -> {
      Map<String, Object> a = Files.readAttributes(Path.of(path), "unix:mode,nlink,ino,dev,size",
          LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      long size = (Long) a.get("size");
      boolean directory = (mode & 0170000) == 0040000;
      boolean regularOrDirectory = directory || (mode & 0170000) == 0100000;
      return new Stat(directory, ((Number) a.get("nlink")).longValue(), (Long) a.get("ino"),
          (Long) a.get("dev"), regularOrDirectory ? (size + 4095) / 4096 * 4096 : 0);
    };
  }
}
