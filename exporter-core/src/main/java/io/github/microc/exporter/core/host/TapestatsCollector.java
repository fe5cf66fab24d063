package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * SCSI tape drives' I/O statistics from sysfs's {@code class/scsi_tape/st<N>/stats}, as
 * node_exporter 1.5's tapestats collector exposes them:
 *
 * <pre>
 * node_tape_reads_completed_total{device="st0"} 3
 * node_tape_read_bytes_total{device="st0"} 196608
 * node_tape_io_time_seconds_total{device="st0"} 1.5
 * </pre>
 *
 * <p>Only the {@code st<N>} devices (not the {@code nst<N>} and mode devices, which share their
 * statistics); times in nanoseconds become seconds; a statistics file that is missing counts 0,
 * as in node_exporter. No {@code class/scsi_tape}, or a drive without {@code stats}, is no
 * data; a statistics file that cannot be read fails the collection. {@code ignored-devices}
 * leaves drives out. The drives are listed once a scrape and their files kept open. Thread-safe.
 */
public final class TapestatsCollector implements MultiCollector, AutoCloseable {

  private static final Pattern DEVICE = Pattern.compile("^st[0-9]+$");
  /** Statistics file, family (after node_tape_), HELP, whether a counter, the multiplier. */
  private static final Object[][] STATS = {
      {"in_flight", "io_now", "The number of I/Os currently outstanding to this device.", false, 1.0},
      {"io_ns", "io_time_seconds_total", "The amount of time spent waiting for all I/O to complete (including read and write). This includes tape movement commands such as seeking between file or set marks and implicit tape movement such as when rewind on close tape devices are used.", true, 0.000000001},
      {"other_cnt", "io_others_total", "The number of I/Os issued to the tape drive other than read or write commands. The time taken to complete these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-write_time_seconds_total", true, 1.0},
      {"read_byte_cnt", "read_bytes_total", "The number of bytes read from the tape drive.", true, 1.0},
      {"read_cnt", "reads_completed_total", "The number of read requests issued to the tape drive.", true, 1.0},
      {"read_ns", "read_time_seconds_total", "The amount of time spent waiting for read requests to complete.", true, 0.000000001},
      {"resid_cnt", "residual_total", "The number of times during a read or write we found the residual amount to be non-zero. This should mean that a program is issuing a read larger thean the block size on tape. For write not all data made it to tape.", true, 1.0},
      {"write_byte_cnt", "written_bytes_total", "The number of bytes written to the tape drive.", true, 1.0},
      {"write_cnt", "writes_completed_total", "The number of write requests issued to the tape drive.", true, 1.0},
      {"write_ns", "write_time_seconds_total", "The amount of time spent waiting for write requests to complete.", true, 0.000000001}};

  private final Path classScsiTape;
  private final Pattern ignored;
  private final Map<String, PseudoFile[]> drives = new HashMap<>();

  /**
   * @param classScsiTape sysfs's {@code class/scsi_tape}
   * @param ignored drives to leave out (matched anywhere in the name unless anchored)
   */
  TapestatsCollector(Path classScsiTape, Pattern ignored) {
    this.classScsiTape = classScsiTape;
    this.ignored = ignored;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.listClass(classScsiTape);
    names.removeIf(name -> !DEVICE.matcher(name).matches());
    HostFiles.closeGone(drives, names, files -> {
      for (PseudoFile file : files) {
        if (file != null) {
          file.close();
        }
      }
    });
    // node_exporter reads every drive, ignored or not, before it exposes any.
    Map<String, long[]> values = new HashMap<>();
    for (String name : names) {
      PseudoFile[] files = drives.get(name);
      if (files == null) {
        files = discover(classScsiTape.resolve(name).resolve("stats"));
        drives.put(name, files);
      }
      values.put(name, read(files));
    }
    MetricFamily[] families = new MetricFamily[STATS.length];
    for (int i = 0; i < STATS.length; i++) {
      String name = "node_tape_" + STATS[i][1];
      families[i] = (boolean) STATS[i][3] ? MetricFamily.counter(name, (String) STATS[i][2], "device")
          : MetricFamily.gauge(name, (String) STATS[i][2], "device");
    }
    for (String name : names) {
      if (ignored.matcher(name).find()) {
        continue;
      }
      long[] v = values.get(name);
      Labels labels = Labels.of("device", name);
      for (int i = 0; i < STATS.length; i++) {
        double multiplier = (double) STATS[i][4];
        double value = CpufreqCollector.unsignedToDouble(v[i]);
        families[i].add(multiplier == 1.0 ? value : value * multiplier, labels);
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (MetricFamily family : families) {
      if (!family.isEmpty()) {
        snapshots.add(family.build());
      }
    }
    return new MetricSnapshots(snapshots);
  }

  /** The drive's statistics files that are there; its stats directory missing is no data. */
  private static PseudoFile[] discover(Path stats) {
    if (!Files.isDirectory(stats)) {
      throw new NoDataException("no " + stats);
    }
    PseudoFile[] files = new PseudoFile[STATS.length];
    for (int i = 0; i < STATS.length; i++) {
      Path file = stats.resolve((String) STATS[i][0]);
      files[i] = Files.exists(file) ? new PseudoFile(file) : null;
    }
    return files;
  }

  private static long[] read(PseudoFile[] files) {
    long[] values = new long[files.length];
    for (int i = 0; i < files.length; i++) {
      if (files[i] == null) {
        continue; // 0, node_exporter's default
      }
      String text;
      try {
        text = Sysfs.value(files[i].read(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException("failed to read file " + files[i], e);
      }
      Long value = Sysfs.parseUint64(text);
      if (value == null) {
        // node_exporter 1.5 crashes on this (a nil pointer); failing the collection is kinder.
        throw new IllegalStateException(files[i] + ": not an unsigned integer: \"" + text + "\"");
      }
      values[i] = value;
    }
    return values;
  }

  @Override
  public synchronized void close() {
    drives.values().forEach(files -> {
      for (PseudoFile file : files) {
        if (file != null) {
          file.close();
        }
      }
    });
    drives.clear();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "tapestats";
    }

    @Override
    public String description() {
      return "SCSI tape drives' I/O statistics from /sys/class/scsi_tape (node_tape_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new TapestatsCollector(context.hostPaths().sys("class", "scsi_tape"),
          context.config().getRegex("ignored-devices"));
    }
  }
}
