package io.github.microc.exporter.docker.cgroup;

/**
 * A cgroup's limits as cAdvisor reads them into its container spec: read when a container is
 * first seen and again when its metadata changes (a {@code docker update}), not on every
 * scrape. Sizes are 0 where there is no limit (the file says {@code max}, or more than
 * 2<sup>62</sup>, as cAdvisor's {@code specMemoryValue}); a file that is missing is
 * {@link ContainerStats#UNKNOWN}.
 *
 * @param memoryLimit {@code memory.limit_in_bytes} (v1), {@code memory.max} (v2)
 * @param memoryReservation {@code memory.soft_limit_in_bytes} (v1), {@code memory.min} (v2)
 * @param memorySwapLimit {@code memory.memsw.limit_in_bytes}, memory and swap together (v1);
 *     {@code memory.swap.max}, swap alone (v2)
 * @param cpuShares {@code cpu.shares} (v1)
 * @param cpuPeriod {@code cpu.cfs_period_us} (v1)
 * @param cpuQuota {@code cpu.cfs_quota_us} (v1), 0 when unlimited
 */
public record CgroupSpec(long memoryLimit, long memoryReservation, long memorySwapLimit,
    long cpuShares, long cpuPeriod, long cpuQuota) {

  /** Nothing known. */
  public static final CgroupSpec NONE = new CgroupSpec(ContainerStats.UNKNOWN,
      ContainerStats.UNKNOWN, ContainerStats.UNKNOWN, ContainerStats.UNKNOWN,
      ContainerStats.UNKNOWN, ContainerStats.UNKNOWN);

  /** Above this a memory limit means none: the kernel rounds "unlimited" down to a page. */
  static final long MAX_MEMORY = 1L << 62;

  /** A memory limit as cAdvisor exposes it: 0 for none. */
  static long memoryValue(long value) {
    return value == ContainerStats.UNKNOWN ? value : value > MAX_MEMORY || value < 0 ? 0 : value;
  }
}
