package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The cpu collector's {@code info} families from {@code /proc/cpuinfo}, as node_exporter 1.5's
 * {@code --collector.cpu.info} exposes them (parsed as its amd64 build parses the file):
 *
 * <pre>
 * node_cpu_info{cachesize="491520 KB",core="0",cpu="0",family="6",microcode="0x1",model="167",model_name="Intel(R) Xeon(R) Processor",package="0",stepping="1",vendor="GenuineIntel"} 1
 * node_cpu_flag_info{flag="aes"} 1
 * node_cpu_bug_info{bug="spectre_v2"} 1
 * </pre>
 *
 * <p>Flags and bugs are those of the first processor that match {@code flags-include} and
 * {@code bugs-include}; without a pattern there are none. The file is parsed again only when
 * the list of online CPUs ({@code devices/system/cpu/online}) changes: what it exposes does not
 * change otherwise, and on a large host the kernel's work to make the file (each CPU's clock)
 * is not small. Thread-safe.
 */
final class ProcCpuinfo implements AutoCloseable {

  private static final String[] LABELS = {"package", "core", "cpu", "vendor", "family", "model",
      "model_name", "microcode", "stepping", "cachesize"};

  private final PseudoFile cpuinfo;
  private final PseudoFile online;
  private final Pattern flagsInclude;
  private final Pattern bugsInclude;
  private String lastOnline; // guarded by this
  private List<MetricSnapshot> last; // guarded by this

  /**
   * @param cpuinfo procfs's {@code cpuinfo}
   * @param online sysfs's {@code devices/system/cpu/online}
   * @param flagsInclude the flags to expose, or null for none
   * @param bugsInclude the bugs to expose, or null for none
   */
  ProcCpuinfo(Path cpuinfo, Path online, Pattern flagsInclude, Pattern bugsInclude) {
    this.cpuinfo = new PseudoFile(cpuinfo);
    this.online = new PseudoFile(online);
    this.flagsInclude = flagsInclude;
    this.bugsInclude = bugsInclude;
  }

  /** The families, parsed again when the online CPUs changed; fails when the file does. */
  synchronized List<MetricSnapshot> collect() {
    String cpus = HostFiles.readTrimmedOrNull(online);
    if (last != null && (cpus == null ? lastOnline == null : cpus.equals(lastOnline))) {
      return last;
    }
    String text;
    try {
      text = cpuinfo.read(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + cpuinfo, e);
    }
    last = families(parse(text));
    lastOnline = cpus;
    return last;
  }

  private List<MetricSnapshot> families(List<Processor> processors) {
    MetricFamily info = MetricFamily.info("node_cpu_info", "CPU information from /proc/cpuinfo.", LABELS);
    for (Processor p : processors) {
      info.addInfo(p.fields[Processor.PHYSICAL_ID], p.fields[Processor.CORE_ID],
          Long.toString(p.number), p.fields[Processor.VENDOR], p.fields[Processor.FAMILY],
          p.fields[Processor.MODEL], p.fields[Processor.MODEL_NAME], p.fields[Processor.MICROCODE],
          p.fields[Processor.STEPPING], p.fields[Processor.CACHE_SIZE]);
    }
    List<MetricSnapshot> families = new ArrayList<>();
    families.add(info.build());
    if (!processors.isEmpty()) {
      Processor first = processors.get(0);
      addMatching(families, first.flags, flagsInclude, "node_cpu_flag_info",
          "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.", "flag");
      addMatching(families, first.bugs, bugsInclude, "node_cpu_bug_info",
          "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.", "bug");
    }
    return List.copyOf(families);
  }

  private static void addMatching(List<MetricSnapshot> families, String[] values, Pattern include,
      String name, String help, String label) {
    if (include == null) {
      return;
    }
    MetricFamily family = MetricFamily.info(name, help, label);
    for (String value : values) {
      if (include.matcher(value).find()) {
        family.addInfo(value);
      }
    }
    if (!family.isEmpty()) {
      families.add(family.build());
    }
  }

  @Override
  public void close() {
    cpuinfo.close();
    online.close();
  }

  /** One processor's block of {@code /proc/cpuinfo}. */
  static final class Processor {
    static final int VENDOR = 0;
    static final int FAMILY = 1;
    static final int MODEL = 2;
    static final int MODEL_NAME = 3;
    static final int STEPPING = 4;
    static final int MICROCODE = 5;
    static final int CACHE_SIZE = 6;
    static final int PHYSICAL_ID = 7;
    static final int CORE_ID = 8;

    long number;
    final String[] fields = new String[9];
    String[] flags = new String[0];
    String[] bugs = new String[0];

    Processor(long number) {
      this.number = number;
      Arrays.fill(fields, "");
    }
  }

  /**
   * The processors of an x86 {@code /proc/cpuinfo} as node_exporter's procfs library reads them:
   * the first line that is not blank must be a {@code processor} line; each {@code key: value}
   * line sets a field of the current processor (the value as it is, the key without blanks
   * around it); the numeric fields must be numbers (Go's base-0 unsigned integers, or floats for
   * {@code cpu MHz} and {@code bogomips}).
   *
   * @throws IllegalArgumentException naming the line that is not as expected
   */
  static List<Processor> parse(String text) {
    String[] lines = text.split("\n", -1);
    int at = 0;
    while (at < lines.length && lines[at].strip().isEmpty()) {
      at++;
    }
    String first = at < lines.length ? line(lines[at]) : "";
    if (!first.startsWith("processor") || !first.contains(":")) {
      throw new IllegalArgumentException("invalid cpuinfo file: \"" + first + "\"");
    }
    List<Processor> processors = new ArrayList<>();
    processors.add(new Processor(uint32(value(first), first)));
    for (at++; at < lines.length; at++) {
      String line = line(lines[at]);
      if (line.indexOf(':') < 0) {
        continue;
      }
      int split = line.indexOf(": ");
      String key = (split < 0 ? line : line.substring(0, split)).strip();
      String value = split < 0 ? null : line.substring(split + 2);
      Processor p = processors.get(processors.size() - 1);
      switch (key) {
        case "processor" -> processors.add(new Processor(uint32(value, line)));
        case "vendor", "vendor_id" -> p.fields[Processor.VENDOR] = need(value, line);
        case "cpu family" -> p.fields[Processor.FAMILY] = need(value, line);
        case "model" -> p.fields[Processor.MODEL] = need(value, line);
        case "model name" -> p.fields[Processor.MODEL_NAME] = need(value, line);
        case "stepping" -> p.fields[Processor.STEPPING] = need(value, line);
        case "microcode" -> p.fields[Processor.MICROCODE] = need(value, line);
        case "cache size" -> p.fields[Processor.CACHE_SIZE] = need(value, line);
        case "physical id" -> p.fields[Processor.PHYSICAL_ID] = need(value, line);
        case "core id" -> p.fields[Processor.CORE_ID] = need(value, line);
        case "flags" -> p.flags = HostFiles.fields(need(value, line));
        case "bugs" -> p.bugs = HostFiles.fields(need(value, line));
        case "siblings", "cpu cores", "cpuid level", "clflush size", "cache_alignment" -> uint32(value, line);
        case "cpu MHz", "bogomips" -> {
          if (Sysfs.parseFloat(need(value, line)) == null) {
            throw new IllegalArgumentException("cpuinfo: not a number: \"" + line + "\"");
          }
        }
        default -> {
          // a field node_exporter does not expose or check
        }
      }
    }
    return processors;
  }

  /** A line as Go's line scanner gives it: without a carriage return before its newline. */
  private static String line(String raw) {
    return raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
  }

  private static String value(String line) {
    int split = line.indexOf(": ");
    return split < 0 ? null : line.substring(split + 2);
  }

  private static String need(String value, String line) {
    if (value == null) {
      throw new IllegalArgumentException("cpuinfo: no value in \"" + line + "\"");
    }
    return value;
  }

  /** Go's {@code strconv.ParseUint(value, 0, 32)}. */
  private static long uint32(String value, String line) {
    long v = value == null || value.startsWith("+") || value.startsWith("-")
        ? PseudoFiles.NOT_A_NUMBER : Sysfs.parseInt(value);
    if (v == PseudoFiles.NOT_A_NUMBER || v < 0 || v > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("cpuinfo: not an unsigned 32-bit integer: \"" + line + "\"");
    }
    return v;
  }
}
