package io.github.microc.exporter.docker;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The groups of container families that {@code microc.collectors.containers.metrics} switches
 * on and off, named and cut as cAdvisor's {@code --enable_metrics} kinds. A set that is off
 * costs nothing: its files are not read and its families are not exposed. The families every
 * container has whatever the sets ({@code container_start_time_seconds},
 * {@code container_last_seen}, {@code container_spec_*}, {@code container_health_state} and
 * Microc's {@code microc_container_*}) belong to none.
 */
public enum MetricSet {
  /** CPU time, user and system time, CFS periods and throttling. */
  CPU("cpu"),
  /** {@code container_cpu_usage_seconds_total} per CPU on cgroup v1 instead of {@code cpu="total"}. */
  PERCPU("percpu"),
  /** Usage, working set, RSS, cache, swap, peak, mapped files, kernel memory, failures. */
  MEMORY("memory"),
  /** Bytes and operations read and written per block device. */
  DISK_IO("diskIO"),
  /** The writable layer's usage and inodes, walked in the background. */
  DISK("disk"),
  /** Per-interface network counters. */
  NETWORK("network"),
  /** {@code container_oom_events_total}. */
  OOM_EVENT("oom_event"),
  /** Processes, threads, open files and sockets, the soft limit of open files. */
  PROCESS("process"),
  /** CPU, memory and I/O pressure stall times (cgroup v2). */
  PRESSURE("pressure");

  /** cAdvisor's other kinds, which Microc does not collect: a list copied from its flags fails with that said. */
  static final Set<String> CADVISOR_ONLY = Set.of("cpuLoad", "sched", "tcp", "udp", "advtcp",
      "hugetlb", "memory_numa", "referenced_memory", "cpu_topology", "cpuset", "resctrl",
      "accelerator", "app", "perf_event");

  private final String id;

  MetricSet(String id) {
    this.id = id;
  }

  /** The name in configuration, cAdvisor's. */
  public String id() {
    return id;
  }

  /** The set named {@code id} (as cAdvisor spells it), or null. */
  static MetricSet byId(String id) {
    for (MetricSet s : values()) {
      if (s.id.equals(id)) {
        return s;
      }
    }
    return null;
  }

  /** Every name, as a list for error messages. */
  static String known() {
    return EnumSet.allOf(MetricSet.class).stream().map(MetricSet::id).collect(Collectors.joining(", "));
  }

}
