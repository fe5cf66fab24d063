package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each CPU's frequency and its limits from sysfs's {@code devices/system/cpu/cpu<N>/cpufreq},
 * as node_exporter 1.5's cpufreq collector reads them, in hertz (sysfs gives kHz).
 *
 * <pre>
 * node_cpu_frequency_hertz{cpu="0"} 2.1e+09
 * node_cpu_frequency_max_hertz{cpu="0"} 3.6e+09
 * node_cpu_scaling_frequency_hertz{cpu="0"} 2.095321e+09
 * </pre>
 *
 * <p>A CPU without a {@code cpufreq} directory is left out; a frequency file that is missing
 * or forbidden (cpuinfo_cur_freq is readable by root only) has no series. As in node_exporter,
 * a frequency that is not an unsigned decimal, or a missing governor, driver, related-CPUs or
 * setspeed file, fails the collection. The CPU directory is listed once a scrape and each CPU's
 * files are kept open. Thread-safe.
 */
public final class CpufreqCollector implements MultiCollector, AutoCloseable {

  /** The frequency files, in the order of {@link #FAMILIES}. */
  private static final String[] FREQUENCIES = {"cpuinfo_cur_freq", "cpuinfo_max_freq",
      "cpuinfo_min_freq", "scaling_cur_freq", "scaling_max_freq", "scaling_min_freq"};
  private static final String[][] FAMILIES = {
      {"node_cpu_frequency_hertz", "Current cpu thread frequency in hertz."},
      {"node_cpu_frequency_max_hertz", "Maximum cpu thread frequency in hertz."},
      {"node_cpu_frequency_min_hertz", "Minimum cpu thread frequency in hertz."},
      {"node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz."},
      {"node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz."},
      {"node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz."}};
  /** Read and required by node_exporter, though it exposes none of them. */
  private static final String[] REQUIRED = {"cpuinfo_transition_latency",
      "scaling_available_governors", "scaling_driver", "scaling_governor", "related_cpus",
      "scaling_setspeed"};

  private final Path cpuDir;
  private final Map<String, Cpu> cpus = new TreeMap<>();

  /** @param cpuDir sysfs's {@code devices/system/cpu} */
  CpufreqCollector(Path cpuDir) {
    this.cpuDir = cpuDir;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(cpuDir, "cpu[0-9]*")) {
      list.forEach(p -> names.add(p.getFileName().toString().substring(3)));
    } catch (NoSuchFileException e) {
      // node_exporter globs: no directory, no CPUs, and no error.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + cpuDir, e);
    }
    HostFiles.closeGone(cpus, names, Cpu::close);
    MetricFamily[] families = new MetricFamily[FAMILIES.length];
    for (String name : names) {
      Cpu cpu = cpus.computeIfAbsent(name, n -> new Cpu(cpuDir.resolve("cpu" + n).resolve("cpufreq"), n));
      long[] khz = cpu.read();
      if (khz == null) {
        continue;
      }
      for (int i = 0; i < khz.length; i++) {
        if (khz[i] != PseudoFiles.NOT_A_NUMBER) {
          if (families[i] == null) {
            families[i] = MetricFamily.gauge(FAMILIES[i][0], FAMILIES[i][1], "cpu");
          }
          families[i].add(unsignedToDouble(khz[i]) * 1000.0, cpu.labels);
        }
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (MetricFamily family : families) {
      if (family != null) {
        snapshots.add(family.build());
      }
    }
    return new MetricSnapshots(snapshots);
  }

  /** An unsigned 64-bit value as the nearest double, as Go's float64(uint64) gives it. */
  static double unsignedToDouble(long value) {
    return value >= 0 ? value : ((value >>> 1) | (value & 1)) * 2.0;
  }

  @Override
  public synchronized void close() {
    cpus.values().forEach(Cpu::close);
    cpus.clear();
  }

  /** One CPU's cpufreq files, kept open. */
  private static final class Cpu {
    final Path dir;
    final Labels labels;
    final PseudoFile[] frequencies;
    final PseudoFile[] required;

    Cpu(Path dir, String name) {
      this.dir = dir;
      this.labels = Labels.of("cpu", name);
      this.frequencies = Arrays.stream(FREQUENCIES).map(f -> new PseudoFile(dir.resolve(f)))
          .toArray(PseudoFile[]::new);
      this.required = Arrays.stream(REQUIRED).map(f -> new PseudoFile(dir.resolve(f)))
          .toArray(PseudoFile[]::new);
    }

    /**
     * The frequencies in kHz, {@link PseudoFiles#NOT_A_NUMBER} where a file is missing or
     * forbidden; null for a CPU without cpufreq (offline, or no driver), also when it went
     * away since its files were opened (they then answer ENODEV).
     */
    long[] read() {
      if (!Files.isDirectory(dir)) {
        return null; // as node_exporter, one stat: a VM's CPUs have no cpufreq
      }
      try {
        long[] khz = new long[frequencies.length];
        for (int i = 0; i < frequencies.length; i++) {
          String text = optional(frequencies[i]);
          khz[i] = text == null ? PseudoFiles.NOT_A_NUMBER : unsigned(frequencies[i], text);
        }
        String latency = optional(required[0]);
        if (latency != null) {
          unsigned(required[0], latency);
        }
        for (int i = 1; i < required.length; i++) {
          required[i].read(StandardCharsets.UTF_8);
        }
        return khz;
      } catch (IOException | RuntimeException e) {
        if (!Files.isDirectory(dir)) {
          return null;
        }
        throw e instanceof IOException io ? new UncheckedIOException("cannot read " + io.getMessage(), io)
            : (RuntimeException) e;
      }
    }

    /** A file's text, or null when it is missing or forbidden. */
    private static String optional(PseudoFile file) throws IOException {
      try {
        return file.read(StandardCharsets.UTF_8);
      } catch (NoSuchFileException | AccessDeniedException e) {
        return null;
      }
    }

    private static long unsigned(PseudoFile file, String text) {
      long value = Sysfs.parseDecimal(text.strip(), true);
      if (value == PseudoFiles.NOT_A_NUMBER) {
        throw new IllegalStateException(file + ": not an unsigned decimal integer: \""
            + text.strip() + "\"");
      }
      return value;
    }

    void close() {
      Arrays.stream(frequencies).forEach(PseudoFile::close);
      Arrays.stream(required).forEach(PseudoFile::close);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "cpufreq";
    }

    @Override
    public String description() {
      return "CPU frequencies and their limits from /sys/devices/system/cpu/cpu*/cpufreq "
          + "(node_cpu_frequency_hertz, node_cpu_scaling_frequency_hertz, ...).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new CpufreqCollector(context.hostPaths().sys("devices", "system", "cpu"));
    }
  }
}
