package io.github.microc.exporter.docker;

import io.github.microc.exporter.docker.cgroup.CgroupSpec;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.fs.DiskUsageWalker.FsUsage;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.time.Instant;
import java.util.List;

/**
 * One exported container for one scrape, or the root cgroup: what its families are made of.
 *
 * @param info its metadata; null for the root cgroup
 * @param stats its counters; null when none could be read (it is not running)
 * @param labels its label sets
 * @param spec its limits as its cgroup files say; {@link CgroupSpec#NONE} where they were not read
 * @param disk its file-system usage from the last background walk
 * @param started when it started, null when unknown
 */
record ContainerRow(ContainerInfo info, ContainerStats stats, ContainerLabels labels,
    CgroupSpec spec, List<FsUsage> disk, Instant started) {

  long cpuQuota() {
    return info != null ? info.cpuQuota() : Math.max(spec.cpuQuota(), 0);
  }

  long cpuPeriod() {
    return info != null ? info.cpuPeriod() : spec.cpuPeriod();
  }

  long cpuShares() {
    return info != null ? info.cpuShares() : spec.cpuShares();
  }

  long memoryLimit() {
    return info != null ? info.memoryLimit() : spec.memoryLimit();
  }

  /** The cgroup's reservation where it was read, else inspect's {@code MemoryReservation}. */
  long memoryReservation() {
    if (spec != CgroupSpec.NONE) {
      return Math.max(spec.memoryReservation(), 0);
    }
    return info == null ? ContainerStats.UNKNOWN : info.detail().memoryReservation();
  }

  /**
   * The cgroup's swap limit where it was read (0 where the kernel does no swap accounting, as
   * cAdvisor), else what the daemon sets from inspect's {@code MemorySwap}: that value
   * (memory and swap together, as cgroup v1's {@code memory.memsw.limit_in_bytes}), twice
   * the memory limit when it is not given, 0 when unlimited.
   */
  long memorySwapLimit() {
    if (spec != CgroupSpec.NONE) {
      return Math.max(spec.memorySwapLimit(), 0);
    }
    if (info == null) {
      return ContainerStats.UNKNOWN;
    }
    long swap = info.detail().memorySwap();
    return swap > 0 ? swap : swap == 0 && info.memoryLimit() > 0 ? 2 * info.memoryLimit() : 0;
  }
}
