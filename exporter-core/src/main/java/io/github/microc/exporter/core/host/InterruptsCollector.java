package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Interrupts serviced per CPU and interrupt, from {@code /proc/interrupts}. Disabled by default,
 * as in node_exporter: it is a series per interrupt and CPU.
 *
 * <pre>
 * node_interrupts_total{cpu="0",devices="1-edge virtio3-rx",info="PCI-MSIX-0000:00:04.0",type="41"} 2213
 * node_interrupts_total{cpu="0",devices="",info="Local timer interrupts",type="LOC"} 206107
 * </pre>
 *
 * <p>As node_exporter 1.5: {@code type} is the text before the line's colon; for a numbered
 * interrupt {@code info} is the first word after the per-CPU counts (the controller) and
 * {@code devices} the rest, for a named one ({@code LOC}, {@code NMI}) {@code info} is all of it;
 * a line with no word after its counts ({@code ERR}, {@code MIS}) is left out. Thread-safe.
 */
public final class InterruptsCollector implements MultiCollector, AutoCloseable {

  /** One interrupt: its counts per CPU, as text, and its labels. */
  record Interrupt(String info, String devices, String[] counts) {}

  private final PseudoFile interrupts;

  /** Reads {@code interrupts}, a Linux {@code /proc/interrupts}. */
  InterruptsCollector(Path interrupts) {
    this.interrupts = new PseudoFile(interrupts);
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Interrupt> all = HostFiles.parse(interrupts, InterruptsCollector::parseInterrupts);
    MetricFamily family = MetricFamily.counter("node_interrupts_total", "Interrupt details.", "cpu",
        "type", "info", "devices");
    all.forEach((type, interrupt) -> {
      String[] counts = interrupt.counts();
      for (int cpu = 0; cpu < counts.length; cpu++) {
        double value = Numbers.parseFloat(counts[cpu], 0, counts[cpu].length(),
            "interrupt " + type + " on cpu " + cpu);
        family.add(value, Integer.toString(cpu), type, interrupt.info(), interrupt.devices());
      }
    });
    return MetricSnapshots.of(family.build());
  }

  @Override
  public void close() {
    interrupts.close();
  }

  /**
   * The interrupts by type, in the file's order (a type listed twice takes the later line).
   *
   * @throws IllegalArgumentException when the file is empty
   */
  static Map<String, Interrupt> parseInterrupts(String text) {
    int headerEnd = PseudoFiles.lineEnd(text, 0);
    if (text.isEmpty()) {
      throw new IllegalArgumentException("interrupts empty");
    }
    int cpus = HostFiles.fields(text.substring(0, headerEnd)).length;
    Map<String, Interrupt> all = new LinkedHashMap<>();
    int length = text.length();
    for (int start = headerEnd + 1; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      String line = text.substring(start, end);
      start = end + 1;
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String[] parts = HostFiles.fields(line.substring(colon + 1));
      if (parts.length < cpus + 1) {
        continue;
      }
      String type = stripLeadingSpaces(line.substring(0, colon));
      String[] counts = Arrays.copyOf(parts, cpus);
      Interrupt interrupt = numbered(type)
          ? new Interrupt(parts[cpus], String.join(" ", Arrays.copyOfRange(parts, cpus + 1, parts.length)), counts)
          : new Interrupt(String.join(" ", Arrays.copyOfRange(parts, cpus, parts.length)), "", counts);
      all.remove(type);
      all.put(type, interrupt);
    }
    return all;
  }

  private static String stripLeadingSpaces(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) == ' ') {
      i++;
    }
    return text.substring(i);
  }

  /** Whether {@code type} is an interrupt number, as Go's {@code strconv.Atoi} takes one. */
  private static boolean numbered(String type) {
    try {
      Integer.parseInt(type.startsWith("+") ? type.substring(1) : type);
      return !type.startsWith("+-") && !type.startsWith("+") || type.length() > 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "interrupts";
    }

    @Override
    public String description() {
      return "Interrupts per CPU and interrupt from /proc/interrupts (node_interrupts_total).";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new InterruptsCollector(context.hostPaths().proc("interrupts"));
    }
  }
}
