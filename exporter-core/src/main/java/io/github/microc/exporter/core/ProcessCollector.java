package io.github.microc.exporter.core;

import static io.github.microc.exporter.core.SingleValue.counter;
import static io.github.microc.exporter.core.SingleValue.gauge;

import com.sun.management.UnixOperatingSystemMXBean;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The exporter's own {@code process_*} metrics: client_java's {@link ProcessMetrics}, with the
 * same names, help, units and values, but each read with one direct call instead of a
 * reflective lookup per scrape, and {@code /proc/self/status} read once instead of once per
 * line it needs. Where the platform's bean is not a {@link UnixOperatingSystemMXBean},
 * client_java's own is registered instead.
 *
 * <pre>
 * process_cpu_seconds_total 3.52
 * process_start_time_seconds 1.7637569981E9
 * process_open_fds 21.0
 * process_max_fds 1048576.0
 * process_virtual_memory_bytes 1.379905536E9
 * process_resident_memory_bytes 6.6834432E7
 * </pre>
 */
final class ProcessCollector implements MultiCollector {

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path FD_DIRECTORY = Path.of("/proc/self/fd");
  private static final MetricMetadata CPU =
      new MetricMetadata("process_cpu_seconds", "Total user and system CPU time spent in seconds.", Unit.SECONDS);
  private static final MetricMetadata START = new MetricMetadata("process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", Unit.SECONDS);
  private static final MetricMetadata OPEN_FDS =
      new MetricMetadata("process_open_fds", "Number of open file descriptors.");
  private static final MetricMetadata MAX_FDS =
      new MetricMetadata("process_max_fds", "Maximum number of open file descriptors.");
  private static final MetricMetadata VIRTUAL =
      new MetricMetadata("process_virtual_memory_bytes", "Virtual memory size in bytes.", Unit.BYTES);
  private static final MetricMetadata RESIDENT =
      new MetricMetadata("process_resident_memory_bytes", "Resident memory size in bytes.", Unit.BYTES);

  private final UnixOperatingSystemMXBean os;
  /** Kept open: one pread a scrape. */
  private final PseudoFile status = new PseudoFile(STATUS);
  private final double startTime;
  private final boolean linux;
  /** Whether {@code stat} of {@code /proc/self/fd} gives the count; false from the first time it does not. */
  private volatile boolean fdDirectorySize;

  ProcessCollector(UnixOperatingSystemMXBean os, long startTimeMillis, boolean linux) {
    this.os = os;
    this.startTime = Unit.millisToSeconds(startTimeMillis);
    this.linux = linux;
    this.fdDirectorySize = linux;
  }

  /** Registers this, or client_java's ProcessMetrics where the bean is not a Unix one. */
  static void register(PrometheusRegistry registry, PrometheusProperties config) {
    OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    if (bean instanceof UnixOperatingSystemMXBean unix) {
      registry.register(new ProcessCollector(unix, ManagementFactory.getRuntimeMXBean().getStartTime(),
          Files.isReadable(STATUS)));
    } else {
      ProcessMetrics.builder(config).register(registry);
    }
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> families = new ArrayList<>(6);
    long cpu = os.getProcessCpuTime();
    if (cpu >= 0) {
      families.add(counter(CPU, Unit.nanosToSeconds(cpu)));
    }
    families.add(gauge(START, startTime));
    families.add(gauge(OPEN_FDS, openFileDescriptors()));
    families.add(gauge(MAX_FDS, os.getMaxFileDescriptorCount()));
    if (linux) {
      try {
        long[] sizes = parseStatus(status.read(StandardCharsets.ISO_8859_1));
        if (sizes[0] >= 0) {
          families.add(gauge(VIRTUAL, Unit.kiloBytesToBytes(sizes[0])));
        }
        if (sizes[1] >= 0) {
          families.add(gauge(RESIDENT, Unit.kiloBytesToBytes(sizes[1])));
        }
      } catch (IOException e) {
        // As client_java: the two sizes are left out.
      }
    }
    return new MetricSnapshots(families);
  }

  /**
   * The number of open descriptors: on Linux 6.2 and later, the size the kernel gives
   * {@code /proc/self/fd} (one {@code stat}); before, the JDK's count of its entries, which
   * costs a directory listing, long when thousands are open (the containers collector keeps
   * a container's cgroup files open).
   */
  private long openFileDescriptors() {
    if (fdDirectorySize) {
      try {
        long size = Files.size(FD_DIRECTORY);
        if (size > 0) {
          return size;
        }
      } catch (IOException e) {
        // The count below.
      }
      fdDirectorySize = false;
    }
    return os.getOpenFileDescriptorCount();
  }

  /** {@code VmSize} and {@code VmRSS} in kB from {@code /proc/self/status}; -1 where missing. */
  static long[] parseStatus(String status) {
    return new long[] {field(status, "\nVmSize:"), field(status, "\nVmRSS:")};
  }

  private static long field(String status, String key) {
    int at = status.indexOf(key);
    if (at < 0) {
      return -1;
    }
    int n = status.length();
    int i = at + key.length();
    while (i < n && (status.charAt(i) == ' ' || status.charAt(i) == '\t')) {
      i++;
    }
    long value = 0;
    int start = i;
    for (; i < n && status.charAt(i) >= '0' && status.charAt(i) <= '9'; i++) {
      value = value * 10 + (status.charAt(i) - '0');
    }
    return i == start ? -1 : value;
  }
}
