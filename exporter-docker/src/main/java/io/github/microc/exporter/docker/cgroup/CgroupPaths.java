package io.github.microc.exporter.docker.cgroup;

import java.nio.file.Path;

/**
 * Where one container's cgroup lives: one directory per controller under cgroup v1, one
 * directory under cgroup v2 (then every field holds the same path). A controller that is not
 * mounted is null.
 */
public record CgroupPaths(int version, Path cpu, Path cpuacct, Path memory, Path blkio, Path pids) {

  /** A cgroup v2 directory. */
  public static CgroupPaths unified(Path dir) {
    return new CgroupPaths(2, dir, dir, dir, dir, dir);
  }
}
