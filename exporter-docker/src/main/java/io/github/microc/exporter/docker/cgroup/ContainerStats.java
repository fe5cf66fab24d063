package io.github.microc.exporter.docker.cgroup;

import java.util.List;

/**
 * One container's resource counters at one instant, from cgroup files or from the Docker
 * stats API. A value that the source does not provide is {@link #UNKNOWN}.
 *
 * @param cpuUsageNanos total CPU time
 * @param cpuUserNanos CPU time in user mode
 * @param cpuSystemNanos CPU time in kernel mode
 * @param cfsPeriods elapsed CFS enforcement periods
 * @param cfsThrottledPeriods periods in which the container was throttled
 * @param cfsThrottledNanos total time the container was throttled
 * @param memoryUsage memory usage, page cache included
 * @param memoryWorkingSet usage minus inactive file pages, as cAdvisor and {@code docker stats}
 * @param memoryRss anonymous memory
 * @param memoryCache page cache
 * @param memorySwap swap in use
 * @param memoryFailcnt times the usage hit the limit
 * @param memoryLimit the limit, 0 when unlimited
 * @param oomKills OOM kills inside the container's cgroup, as the kernel counts them
 * @param pids current number of tasks
 * @param io bytes read and written per block device
 * @param network per-interface counters, loopback excluded; empty when unknown
 */
public record ContainerStats(
    long cpuUsageNanos,
    long cpuUserNanos,
    long cpuSystemNanos,
    long cfsPeriods,
    long cfsThrottledPeriods,
    long cfsThrottledNanos,
    long memoryUsage,
    long memoryWorkingSet,
    long memoryRss,
    long memoryCache,
    long memorySwap,
    long memoryFailcnt,
    long memoryLimit,
    long oomKills,
    long pids,
    List<BlockIo> io,
    List<NetInterface> network) {

  /** A value the source does not provide. */
  public static final long UNKNOWN = -1;

  public ContainerStats {
    io = List.copyOf(io);
    network = List.copyOf(network);
  }

  /**
   * Bytes read and written on one block device.
   *
   * @param device the device name ({@code sda}) or, when unknown, {@code major:minor}
   */
  public record BlockIo(String device, long readBytes, long writeBytes) {}

  /** One network interface's counters, as in {@code /proc/net/dev}. */
  public record NetInterface(String name, long rxBytes, long rxPackets, long rxErrors,
      long rxDropped, long txBytes, long txPackets, long txErrors, long txDropped) {}

  /** A mutable builder, so that readers can fill in what they find. */
  public static final class Builder {
    long cpuUsageNanos = UNKNOWN;
    long cpuUserNanos = UNKNOWN;
    long cpuSystemNanos = UNKNOWN;
    long cfsPeriods = UNKNOWN;
    long cfsThrottledPeriods = UNKNOWN;
    long cfsThrottledNanos = UNKNOWN;
    long memoryUsage = UNKNOWN;
    long memoryWorkingSet = UNKNOWN;
    long memoryRss = UNKNOWN;
    long memoryCache = UNKNOWN;
    long memorySwap = UNKNOWN;
    long memoryFailcnt = UNKNOWN;
    long memoryLimit = UNKNOWN;
    long oomKills = UNKNOWN;
    long pids = UNKNOWN;
    List<BlockIo> io = List.of();
    List<NetInterface> network = List.of();

    public Builder cpu(long usage, long user, long system) {
      cpuUsageNanos = usage;
      cpuUserNanos = user;
      cpuSystemNanos = system;
      return this;
    }

    public Builder cfs(long periods, long throttledPeriods, long throttledNanos) {
      cfsPeriods = periods;
      cfsThrottledPeriods = throttledPeriods;
      cfsThrottledNanos = throttledNanos;
      return this;
    }

    public Builder memory(long usage, long workingSet, long rss, long cache, long swap,
        long failcnt, long limit) {
      memoryUsage = usage;
      memoryWorkingSet = workingSet;
      memoryRss = rss;
      memoryCache = cache;
      memorySwap = swap;
      memoryFailcnt = failcnt;
      memoryLimit = limit;
      return this;
    }

    public Builder oomKills(long value) {
      oomKills = value;
      return this;
    }

    public Builder pids(long value) {
      pids = value;
      return this;
    }

    public Builder io(List<BlockIo> value) {
      io = value;
      return this;
    }

    public Builder network(List<NetInterface> value) {
      network = value;
      return this;
    }

    public ContainerStats build() {
      return new ContainerStats(cpuUsageNanos, cpuUserNanos, cpuSystemNanos, cfsPeriods,
          cfsThrottledPeriods, cfsThrottledNanos, memoryUsage, memoryWorkingSet, memoryRss,
          memoryCache, memorySwap, memoryFailcnt, memoryLimit, oomKills, pids, io, network);
    }
  }

  public static Builder builder() {
    return new Builder();
  }
}
