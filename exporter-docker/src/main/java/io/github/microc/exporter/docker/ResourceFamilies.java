package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Faults;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Pressure;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Processes;
import io.github.microc.exporter.docker.fs.DiskUsageWalker.FsUsage;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The resource families of running containers and the root cgroup, set by set, under
 * cAdvisor's names, types, labels and HELP texts (see docs/metrics.md for where they differ
 * and why). A family whose set is off is not made; a value a source does not give is left out
 * rather than exposed as 0.
 */
final class ResourceFamilies {

  private static final double NANOS = 1e9;
  private static final double MICROS = 1e6;

  /**
   * cAdvisor's operations of {@code container_blkio_device_usage_total}, in the order their
   * series sort in (a family's snapshot sorts its samples, and finds them sorted).
   */
  static final List<String> OPERATIONS = List.of("Async", "Discard", "Read", "Sync", "Total", "Write");

  private final ContainerSettings settings;
  private final List<ContainerRow> live;
  private final String cached;

  /**
   * @param live the rows with stats
   * @param cached what the HELP texts of stats-API values add, or ""
   */
  ResourceFamilies(ContainerSettings settings, List<ContainerRow> live, String cached) {
    this.settings = settings;
    this.live = live;
    this.cached = cached;
  }

  /** Adds every family of the switched-on sets to {@code out}. */
  void addTo(List<MetricSnapshot> out) {
    start(out);
    if (settings.has(MetricSet.CPU) || settings.has(MetricSet.PERCPU)) {
      cpu(out);
    }
    spec(out);
    if (settings.has(MetricSet.MEMORY)) {
      memory(out);
    }
    out.add(family(MetricFamily.gauge("microc_container_pids",
        "Number of processes and threads in the container." + cached), s -> (double) s.pids()));
    if (settings.has(MetricSet.DISK_IO)) {
      diskIo(out);
    }
    if (settings.has(MetricSet.DISK)) {
      disk(out);
    }
    if (settings.has(MetricSet.NETWORK)) {
      network(out);
    }
    if (settings.has(MetricSet.PROCESS)) {
      processes(out);
    }
    if (settings.has(MetricSet.PRESSURE)) {
      pressure(out);
    }
  }

  private void start(List<MetricSnapshot> out) {
    MetricFamily startTime = MetricFamily.gauge("container_start_time_seconds",
        "Start time of the container since unix epoch in seconds.");
    MetricFamily lastSeen = MetricFamily.gauge("container_last_seen",
        "Last time a container was seen by the exporter");
    double now = Math.floor(System.currentTimeMillis() / 1000.0);
    for (ContainerRow r : live) {
      if (r.started() != null) {
        startTime.add(r.started().toEpochMilli() / 1000.0, r.labels().base);
      }
      lastSeen.add(now, r.labels().base);
    }
    out.add(startTime.build());
    out.add(lastSeen.build());
  }

  private void cpu(List<MetricSnapshot> out) {
    boolean cpu = settings.has(MetricSet.CPU);
    boolean perCpu = settings.has(MetricSet.PERCPU);
    MetricFamily usage = MetricFamily.counter("container_cpu_usage_seconds_total",
        "Cumulative cpu time consumed in seconds." + cached);
    // cpu="cpu00" sorts before the container's own labels: CPU by CPU, then row by row.
    int cpus = 0;
    for (ContainerRow r : live) {
      long[] each = r.stats().perCpuNanos();
      if (perCpu && each != null && each.length > 0) {
        cpus = Math.max(cpus, each.length);
      } else if (cpu) {
        addKnown(usage, nanos(r.stats().cpuUsageNanos()), r.labels().cpuTotal);
      }
    }
    for (int i = 0; i < cpus; i++) {
      for (ContainerRow r : live) {
        long[] each = r.stats().perCpuNanos();
        // As cAdvisor: per CPU where the kernel counts per CPU, the CPUs that ran it only.
        if (perCpu && each != null && i < each.length && each[i] > 0) {
          usage.add(each[i] / NANOS, r.labels().cpu(i));
        }
      }
    }
    out.add(usage.build());
    if (!cpu) {
      return;
    }
    out.add(family(MetricFamily.counter("container_cpu_user_seconds_total",
        "Cumulative user cpu time consumed in seconds." + cached), s -> nanos(s.cpuUserNanos())));
    out.add(family(MetricFamily.counter("container_cpu_system_seconds_total",
        "Cumulative system cpu time consumed in seconds." + cached), s -> nanos(s.cpuSystemNanos())));
    // Only for containers with a CFS quota, as cAdvisor: without one there is nothing to throttle.
    MetricFamily periods = MetricFamily.counter("container_cpu_cfs_periods_total",
        "Number of elapsed enforcement period intervals." + cached);
    MetricFamily throttled = MetricFamily.counter("container_cpu_cfs_throttled_periods_total",
        "Number of throttled period intervals." + cached);
    MetricFamily throttledTime = MetricFamily.counter("container_cpu_cfs_throttled_seconds_total",
        "Total time duration the container has been throttled." + cached);
    for (ContainerRow r : live) {
      if (r.cpuQuota() > 0) {
        ContainerStats s = r.stats();
        addKnown(periods, s.cfsPeriods(), r.labels().base);
        addKnown(throttled, s.cfsThrottledPeriods(), r.labels().base);
        addKnown(throttledTime, nanos(s.cfsThrottledNanos()), r.labels().base);
      }
    }
    out.add(periods.build());
    out.add(throttled.build());
    out.add(throttledTime.build());
  }

  private void spec(List<MetricSnapshot> out) {
    MetricFamily quota = MetricFamily.gauge("container_spec_cpu_quota", "CPU quota of the container.");
    MetricFamily period = MetricFamily.gauge("container_spec_cpu_period", "CPU period of the container.");
    MetricFamily shares = MetricFamily.gauge("container_spec_cpu_shares", "CPU share of the container.");
    MetricFamily limit = MetricFamily.gauge("container_spec_memory_limit_bytes",
        "Memory limit for the container; 0: none.");
    MetricFamily reservation = MetricFamily.gauge("container_spec_memory_reservation_limit_bytes",
        "Memory reservation limit for the container.");
    MetricFamily swap = MetricFamily.gauge("container_spec_memory_swap_limit_bytes",
        "Memory swap limit for the container.");
    for (ContainerRow r : live) {
      Labels l = r.labels().base;
      if (r.cpuQuota() > 0) {
        quota.add(r.cpuQuota(), l);
      }
      addKnown(period, r.cpuPeriod(), l);
      addKnown(shares, r.cpuShares(), l);
      addKnown(limit, r.memoryLimit(), l);
      addKnown(reservation, r.memoryReservation(), l);
      addKnown(swap, r.memorySwapLimit(), l);
    }
    out.add(quota.build());
    out.add(period.build());
    out.add(shares.build());
    out.add(limit.build());
    out.add(reservation.build());
    out.add(swap.build());
  }

  private void memory(List<MetricSnapshot> out) {
    out.add(family(MetricFamily.gauge("container_memory_usage_bytes",
        "Current memory usage in bytes, including all memory regardless of when it was accessed."
            + cached), s -> (double) s.memoryUsage()));
    out.add(family(MetricFamily.gauge("container_memory_max_usage_bytes",
        "Maximum memory usage recorded in bytes" + cached), s -> (double) s.memoryMaxUsage()));
    out.add(family(MetricFamily.gauge("container_memory_working_set_bytes",
        "Current working set in bytes." + cached), s -> (double) s.memoryWorkingSet()));
    out.add(family(MetricFamily.gauge("container_memory_rss", "Size of RSS in bytes." + cached),
        s -> (double) s.memoryRss()));
    out.add(family(MetricFamily.gauge("container_memory_cache",
        "Number of bytes of page cache memory." + cached), s -> (double) s.memoryCache()));
    out.add(family(MetricFamily.gauge("container_memory_mapped_file",
        "Size of memory mapped files in bytes." + cached), s -> (double) s.memoryMappedFile()));
    out.add(family(MetricFamily.gauge("container_memory_kernel_usage",
        "Size of kernel memory allocated in bytes." + cached), s -> (double) s.memoryKernel()));
    out.add(family(MetricFamily.gauge("container_memory_swap", "Container swap usage in bytes." + cached),
        s -> (double) s.memorySwap()));
    out.add(family(MetricFamily.gauge("container_memory_failcnt",
        "Number of memory usage hits limits." + cached), s -> (double) s.memoryFailcnt()));
    MetricFamily failures = MetricFamily.counter("container_memory_failures_total",
        "Cumulative count of memory allocation failures." + cached);
    // failure_type sorts before the container's own labels and scope after them.
    for (int type = 0; type < 2; type++) {
      for (ContainerRow r : live) {
        Faults f = r.stats().failures();
        addKnown(failures, type == 0 ? f.pgfault() : f.pgmajfault(), r.labels().failure(type));
        addKnown(failures, type == 0 ? f.hierarchyPgfault() : f.hierarchyPgmajfault(),
            r.labels().failure(type + 2));
      }
    }
    out.add(failures.build());
  }

  private void diskIo(List<MetricSnapshot> out) {
    out.add(io(MetricFamily.counter("container_fs_reads_bytes_total",
        "Cumulative count of bytes read." + cached), BlockIo::readBytes));
    out.add(io(MetricFamily.counter("container_fs_reads_total",
        "Cumulative count of reads completed." + cached), BlockIo::reads));
    out.add(io(MetricFamily.counter("container_fs_writes_bytes_total",
        "Cumulative count of bytes written." + cached), BlockIo::writeBytes));
    out.add(io(MetricFamily.counter("container_fs_writes_total",
        "Cumulative count of writes completed." + cached), BlockIo::writes));
    MetricFamily usage = MetricFamily.counter("container_blkio_device_usage_total",
        "Blkio Device bytes usage." + cached);
    for (ContainerRow r : live) {
      for (BlockIo d : r.stats().io()) {
        Labels[] ops = r.labels().deviceOperations(d.device(), d.major(), d.minor(), OPERATIONS);
        long[] bytes = {d.asyncBytes(), d.discardBytes(), d.readBytes(), d.syncBytes(),
            d.totalBytes(), d.writeBytes()};
        for (int i = 0; i < bytes.length; i++) {
          addKnown(usage, bytes[i], ops[i]);
        }
      }
    }
    out.add(usage.build());
  }

  private void disk(List<MetricSnapshot> out) {
    String walked = " Walked in the background every " + ContainerCollector.format(settings.diskUsageInterval())
        + "; the root cgroup's are its file systems'.";
    // A counter, not cAdvisor's gauge: client_java gives the _total suffix to counters only.
    MetricFamily inodes = MetricFamily.counter("container_fs_inodes_total", "Number of Inodes" + walked);
    MetricFamily limit = MetricFamily.gauge("container_fs_limit_bytes",
        "Number of bytes that can be consumed by the container on this filesystem." + walked);
    MetricFamily usage = MetricFamily.gauge("container_fs_usage_bytes",
        "Number of bytes that are consumed by the container on this filesystem." + walked);
    for (ContainerRow r : live) {
      for (FsUsage u : r.disk()) {
        Labels l = r.labels().device(u.device());
        addKnown(inodes, u.inodes(), l);
        addKnown(limit, u.limitBytes(), l);
        addKnown(usage, u.usageBytes(), l);
      }
    }
    out.add(inodes.build());
    out.add(limit.build());
    out.add(usage.build());
  }

  private record Net(String suffix, String help, ToLongFunction<NetInterface> value) {}

  private static final List<Net> NETWORK = List.of(
      new Net("receive_bytes_total", "Cumulative count of bytes received", NetInterface::rxBytes),
      new Net("receive_packets_total", "Cumulative count of packets received", NetInterface::rxPackets),
      new Net("receive_errors_total", "Cumulative count of errors encountered while receiving",
          NetInterface::rxErrors),
      new Net("receive_packets_dropped_total", "Cumulative count of packets dropped while receiving",
          NetInterface::rxDropped),
      new Net("transmit_bytes_total", "Cumulative count of bytes transmitted", NetInterface::txBytes),
      new Net("transmit_packets_total", "Cumulative count of packets transmitted",
          NetInterface::txPackets),
      new Net("transmit_errors_total", "Cumulative count of errors encountered while transmitting",
          NetInterface::txErrors),
      new Net("transmit_packets_dropped_total",
          "Cumulative count of packets dropped while transmitting", NetInterface::txDropped));

  private void network(List<MetricSnapshot> out) {
    for (Net n : NETWORK) {
      MetricFamily f = MetricFamily.counter("container_network_" + n.suffix(), n.help() + "." + cached);
      for (ContainerRow r : live) {
        for (NetInterface i : r.stats().network()) {
          addKnown(f, n.value().applyAsLong(i), r.labels().networkInterface(i.name()));
        }
      }
      out.add(f.build());
    }
  }

  private void processes(List<MetricSnapshot> out) {
    MetricFamily processes = MetricFamily.gauge("container_processes",
        "Number of processes running inside the container.");
    MetricFamily fds = MetricFamily.gauge("container_file_descriptors",
        "Number of open file descriptors for the container.");
    MetricFamily sockets = MetricFamily.gauge("container_sockets",
        "Number of open sockets for the container.");
    MetricFamily threadsMax = MetricFamily.gauge("container_threads_max",
        "Maximum number of threads allowed inside the container, infinity if value is zero");
    MetricFamily threads = MetricFamily.gauge("container_threads",
        "Number of threads running inside the container");
    MetricFamily ulimits = MetricFamily.gauge("container_ulimits_soft",
        "Soft ulimit values for the container root process. Unlimited if -1, except priority and nice");
    for (ContainerRow r : live) {
      Processes p = r.stats().processes();
      if (p == null) {
        continue;
      }
      Labels l = r.labels().base;
      processes.add(p.processes(), l);
      fds.add(p.fileDescriptors(), l);
      sockets.add(p.sockets(), l);
      threadsMax.add(p.threadsMax(), l);
      addKnown(threads, r.stats().pids(), l);
      if (p.openFilesSoftLimit() != ContainerStats.UNKNOWN) {
        ulimits.add(p.openFilesSoftLimit(), r.labels().openFiles());
      }
    }
    out.add(processes.build());
    out.add(fds.build());
    out.add(sockets.build());
    out.add(threadsMax.build());
    out.add(threads.build());
    out.add(ulimits.build());
  }

  private record Stall(String name, String help, ToLongFunction<Pressure> value) {}

  private static final List<Stall> PRESSURE = List.of(
      new Stall("cpu_stalled", "Total time duration no tasks in the container could make progress"
          + " due to CPU congestion.", Pressure::cpuFull),
      new Stall("cpu_waiting", "Total time duration tasks in the container have waited due to CPU"
          + " congestion.", Pressure::cpuSome),
      new Stall("memory_stalled", "Total time duration no tasks in the container could make"
          + " progress due to memory congestion.", Pressure::memoryFull),
      new Stall("memory_waiting", "Total time duration tasks in the container have waited due to"
          + " memory congestion.", Pressure::memorySome),
      new Stall("io_stalled", "Total time duration no tasks in the container could make progress"
          + " due to IO congestion.", Pressure::ioFull),
      new Stall("io_waiting", "Total time duration tasks in the container have waited due to IO"
          + " congestion.", Pressure::ioSome));

  private void pressure(List<MetricSnapshot> out) {
    for (Stall s : PRESSURE) {
      MetricFamily f = MetricFamily.counter("container_pressure_" + s.name() + "_seconds_total", s.help());
      for (ContainerRow r : live) {
        Pressure p = r.stats().pressure();
        if (p != null) {
          long micros = s.value().applyAsLong(p);
          addKnown(f, micros < 0 ? -1 : micros / MICROS, r.labels().base);
        }
      }
      out.add(f.build());
    }
  }

  private MetricSnapshot io(MetricFamily f, ToLongFunction<BlockIo> value) {
    for (ContainerRow r : live) {
      for (BlockIo d : r.stats().io()) {
        addKnown(f, value.applyAsLong(d), r.labels().device(d.device()));
      }
    }
    return f.build();
  }

  private MetricSnapshot family(MetricFamily f, ToDoubleFunction<ContainerStats> value) {
    for (ContainerRow r : live) {
      addKnown(f, value.applyAsDouble(r.stats()), r.labels().base);
    }
    return f.build();
  }

  /** Adds a sample unless {@code value} is negative, which stands for unknown. */
  static void addKnown(MetricFamily f, double value, Labels labels) {
    if (value >= 0) {
      f.add(value, labels);
    }
  }

  private static double nanos(long value) {
    return value < 0 ? -1 : value / NANOS;
  }
}
