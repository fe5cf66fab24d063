package io.github.microc.exporter.core.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the host's file systems are mounted. On a host these are {@code /proc}, {@code /sys}
 * and {@code /}; in a container that mounts the host's at {@code /host/proc},
 * {@code /host/sys} and {@code /host}, those.
 *
 * @param proc the host's procfs
 * @param sys the host's sysfs
 * @param rootfs the host's root file system
 * @param udevData udev's database of devices ({@code /run/udev/data} on the host); by
 *     default under {@code rootfs}
 */
public record HostPaths(Path proc, Path sys, Path rootfs, Path udevData) {

  /** The paths of a process that runs directly on the host. */
  public static final HostPaths DEFAULT = new HostPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/"));

  public HostPaths {
    Objects.requireNonNull(proc, "proc");
    Objects.requireNonNull(sys, "sys");
    Objects.requireNonNull(rootfs, "rootfs");
    Objects.requireNonNull(udevData, "udevData");
  }

  /** The paths with udev's database at {@code <rootfs>/run/udev/data}. */
  public HostPaths(Path proc, Path sys, Path rootfs) {
    this(proc, sys, rootfs, underRoot(rootfs, "/run/udev/data"));
  }

  /** A file under procfs: {@code proc("net", "dev")}. */
  public Path proc(String first, String... more) {
    return proc.resolve(Path.of(first, more));
  }

  /** A file under sysfs: {@code sys("fs", "cgroup")}. */
  public Path sys(String first, String... more) {
    return sys.resolve(Path.of(first, more));
  }

  /**
   * A host path as seen from this process: {@code rootfs("/var/lib")} is {@code /var/lib} on
   * the host and {@code /host/var/lib} in a container with the host's root at {@code /host}.
   */
  public Path rootfs(String hostPath) {
    return underRoot(rootfs, hostPath);
  }

  private static Path underRoot(Path rootfs, String hostPath) {
    String relative = hostPath.startsWith("/") ? hostPath.substring(1) : hostPath;
    return relative.isEmpty() ? rootfs : rootfs.resolve(relative);
  }
}
