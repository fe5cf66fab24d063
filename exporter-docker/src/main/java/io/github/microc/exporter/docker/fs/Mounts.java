package io.github.microc.exporter.docker.fs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's mount table ({@code <proc>/1/mountinfo}): which file system holds a host path,
 * and which file systems the root cgroup reports, as cAdvisor finds them. Immutable.
 */
final class Mounts {

  /**
   * @param mountPoint where it is mounted, as the host sees it
   * @param fsType ext4, xfs, overlay...
   * @param source the mount source: {@code /dev/sda1} for a block device
   */
  record Mount(String mountPoint, String fsType, String source) {}

  /** The file system types of the root cgroup's file systems (cAdvisor's, but for tmpfs and overlay). */
  private static final Set<String> DISK_TYPES = Set.of("btrfs", "xfs", "zfs");

  private final List<Mount> mounts;
  private final List<Mount> byDepth;

  private Mounts(List<Mount> mounts) {
    this.mounts = List.copyOf(mounts);
    List<Mount> sorted = new ArrayList<>(mounts);
    // Longest mount point first; among equal ones the last mounted, which hides the others.
    java.util.Collections.reverse(sorted);
    sorted.sort(Comparator.comparingInt((Mount m) -> m.mountPoint().length()).reversed());
    this.byDepth = List.copyOf(sorted);
  }

  /** Parses {@code mountinfo}: {@code 36 35 98:0 /root /mnt opts - ext4 /dev/sda1 rw}. */
  static Mounts parse(String mountinfo) {
    List<Mount> out = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.split(" ");
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
        continue;
      }
      out.add(new Mount(unescape(f[4]), f[dash + 1], unescape(f[dash + 2])));
    }
    return new Mounts(out);
  }

  /** The mount that holds the host path {@code path}; null when none does. */
  Mount holding(String path) {
    for (Mount m : byDepth) {
      String point = m.mountPoint();
      if (path.equals(point) || point.equals("/")
          || path.startsWith(point) && path.charAt(point.length()) == '/') {
        return m;
      }
    }
    return null;
  }

  /**
   * The file systems on block devices (ext*, xfs, btrfs, zfs), one per device: its first
   * mount, as cAdvisor skips bind mounts of a device it has.
   */
  List<Mount> diskFilesystems() {
    Map<String, Mount> bySource = new LinkedHashMap<>();
    for (Mount m : mounts) {
      if ((m.fsType().startsWith("ext") || DISK_TYPES.contains(m.fsType()))
          && m.source().startsWith("/dev/")) {
        bySource.putIfAbsent(m.source(), m);
      }
    }
    return List.copyOf(bySource.values());
  }

  /** mountinfo's octal escapes ({@code \040} for a space). */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
