package io.github.microc.exporter.docker.cgroup;

import java.util.List;

/**
 * One container's resource counters at one instant, from cgroup files or from the Docker
 * stats API. A value that the source does not provide, or that a switched-off set did not
 * read, is {@link #UNKNOWN}.
 *
 * @param cpuUsageNanos total CPU time
 * @param cpuUserNanos CPU time in user mode
 * @param cpuSystemNanos CPU time in kernel mode
 * @param cfsPeriods elapsed CFS enforcement periods
 * @param cfsThrottledPeriods periods in which the container was throttled
 * @param cfsThrottledNanos total time the container was throttled
 * @param perCpuNanos CPU time per CPU (cgroup v1's {@code cpuacct.usage_percpu}); null when not read
 * @param memoryUsage memory usage, page cache included
 * @param memoryWorkingSet usage minus inactive file pages, as cAdvisor and {@code docker stats}
 * @param memoryRss anonymous memory
 * @param memoryCache page cache
 * @param memorySwap swap in use
 * @param memoryFailcnt times the usage hit the limit
 * @param memoryLimit the limit, 0 when unlimited
 * @param memoryMaxUsage the highest usage recorded
 * @param memoryMappedFile memory-mapped files
 * @param memoryKernel kernel memory charged to the container
 * @param failures page faults, the container's own and its hierarchy's
 * @param oomKills OOM kills inside the container's cgroup, as the kernel counts them
 * @param pids current number of tasks (processes and threads)
 * @param io bytes and operations per block device
 * @param network per-interface counters, loopback excluded; empty when unknown
 * @param pressure pressure stall times (cgroup v2); null when not read
 * @param processes process counts; null when not read
 */
public record ContainerStats(
    long cpuUsageNanos,
    long cpuUserNanos,
    long cpuSystemNanos,
    long cfsPeriods,
    long cfsThrottledPeriods,
    long cfsThrottledNanos,
    long[] perCpuNanos,
    long memoryUsage,
    long memoryWorkingSet,
    long memoryRss,
    long memoryCache,
    long memorySwap,
    long memoryFailcnt,
    long memoryLimit,
    long memoryMaxUsage,
    long memoryMappedFile,
    long memoryKernel,
    Faults failures,
    long oomKills,
    long pids,
    List<BlockIo> io,
    List<NetInterface> network,
    Pressure pressure,
    Processes processes) {

  /** A value the source does not provide. */
  public static final long UNKNOWN = -1;

  public ContainerStats {
    io = List.copyOf(io);
    network = List.copyOf(network);
  }

  /**
   * Bytes and operations on one block device. The byte counts by operation are those of
   * cgroup v1's {@code blkio.throttle.io_service_bytes_recursive} (cgroup v2's {@code io.stat}
   * has read and write only; the others are then {@link #UNKNOWN}).
   *
   * @param device the device's name ({@code /dev/sda}) or, when unknown, {@code major:minor}
   * @param major the device's major number
   * @param minor the device's minor number
   * @param reads read operations
   * @param writes write operations
   */
  public record BlockIo(String device, int major, int minor, long readBytes, long writeBytes,
      long syncBytes, long asyncBytes, long discardBytes, long totalBytes, long reads,
      long writes) {

    /** The same device under another name. */
    public BlockIo named(String name) {
      return new BlockIo(name, major, minor, readBytes, writeBytes, syncBytes, asyncBytes,
          discardBytes, totalBytes, reads, writes);
    }
  }

  /** One network interface's counters, as in {@code /proc/net/dev}. */
  public record NetInterface(String name, long rxBytes, long rxPackets, long rxErrors,
      long rxDropped, long txBytes, long txPackets, long txErrors, long txDropped) {}

  /**
   * Page faults from {@code memory.stat}: {@code pgfault}/{@code pgmajfault} for the cgroup
   * itself, {@code total_pgfault}/{@code total_pgmajfault} for its hierarchy (cgroup v2 has no
   * separate hierarchy counts: both are the same).
   */
  public record Faults(long pgfault, long pgmajfault, long hierarchyPgfault, long hierarchyPgmajfault) {
    static final Faults NONE = new Faults(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
  }

  /**
   * The totals of cgroup v2's {@code cpu.pressure}, {@code memory.pressure} and
   * {@code io.pressure} in microseconds: {@code some} (at least one task waited) and
   * {@code full} (no task could run).
   */
  public record Pressure(long cpuSome, long cpuFull, long memorySome, long memoryFull,
      long ioSome, long ioFull) {}

  /**
   * What cAdvisor's {@code process} kind counts.
   *
   * @param processes processes in the cgroup ({@code cgroup.procs})
   * @param threadsMax the {@code pids.max} limit, 0 when unlimited
   * @param fileDescriptors open file descriptors of all the processes
   * @param sockets those that are sockets
   * @param openFilesSoftLimit the main process's soft {@code RLIMIT_NOFILE}, -1 when unlimited
   */
  public record Processes(long processes, long threadsMax, long fileDescriptors, long sockets,
      long openFilesSoftLimit) {}

  /** A mutable builder, so that readers can fill in what they find. */
  public static final class Builder {
    long cpuUsageNanos = UNKNOWN;
    long cpuUserNanos = UNKNOWN;
    long cpuSystemNanos = UNKNOWN;
    long cfsPeriods = UNKNOWN;
    long cfsThrottledPeriods = UNKNOWN;
    long cfsThrottledNanos = UNKNOWN;
    long[] perCpuNanos;
    long memoryUsage = UNKNOWN;
    long memoryWorkingSet = UNKNOWN;
    long memoryRss = UNKNOWN;
    long memoryCache = UNKNOWN;
    long memorySwap = UNKNOWN;
    long memoryFailcnt = UNKNOWN;
    long memoryLimit = UNKNOWN;
    long memoryMaxUsage = UNKNOWN;
    long memoryMappedFile = UNKNOWN;
    long memoryKernel = UNKNOWN;
    Faults failures = Faults.NONE;
    long oomKills = UNKNOWN;
    long pids = UNKNOWN;
    List<BlockIo> io = List.of();
    List<NetInterface> network = List.of();
    Pressure pressure;
    Processes processes;

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

    public Builder perCpu(long[] nanos) {
      perCpuNanos = nanos;
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

    public Builder memoryDetail(long maxUsage, long mappedFile, long kernel) {
      memoryMaxUsage = maxUsage;
      memoryMappedFile = mappedFile;
      memoryKernel = kernel;
      return this;
    }

    public Builder failures(Faults value) {
      failures = value;
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

    public Builder pressure(Pressure value) {
      pressure = value;
      return this;
    }

    public Builder processes(Processes value) {
      processes = value;
      return this;
    }

    public ContainerStats build() {
      return new ContainerStats(cpuUsageNanos, cpuUserNanos, cpuSystemNanos, cfsPeriods,
          cfsThrottledPeriods, cfsThrottledNanos, perCpuNanos, memoryUsage, memoryWorkingSet,
          memoryRss, memoryCache, memorySwap, memoryFailcnt, memoryLimit, memoryMaxUsage,
          memoryMappedFile, memoryKernel, failures, oomKills, pids, io, network, pressure,
          processes);
    }
  }

  public static Builder builder() {
    return new Builder();
  }
}
