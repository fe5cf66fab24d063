package io.github.microc.exporter.docker.cgroup;

import java.nio.file.Path;

/**
 * Where one container's cgroup lives: one directory per controller under cgroup v1, one
 * directory under cgroup v2 (then every field holds the same path). A controller that is not
 * mounted is null. {@code root} marks the root cgroup, which some files are missing from.
 */
public record CgroupPaths(int version, Path cpu, Path cpuacct, Path memory, Path blkio, Path pids,
    boolean root) {

  /** A container's cgroup. */
  public CgroupPaths(int version, Path cpu, Path cpuacct, Path memory, Path blkio, Path pids) {
    this(version, cpu, cpuacct, memory, blkio, pids, false);
  }

  /** A cgroup v2 directory. */
  public static CgroupPaths unified(Path dir) {
    return new CgroupPaths(2, dir, dir, dir, dir, dir);
  }

  /** The same directories, marked as the root cgroup. */
  CgroupPaths asRoot() {
    return new CgroupPaths(version, cpu, cpuacct, memory, blkio, pids, true);
  }
}
