package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Energy counters of Intel's RAPL zones (package, core, uncore, dram, psys) from sysfs's
 * {@code class/powercap}, as node_exporter 1.5's rapl collector exposes them:
 *
 * <pre>
 * node_rapl_package_joules_total{index="0",path="/sys/class/powercap/intel-rapl:0"} 243.768211
 * node_rapl_core_joules_total{index="0",path="/sys/class/powercap/intel-rapl:0:0"} 118.237894
 * </pre>
 *
 * <p>A zone is an entry with a {@code name}; {@code package-1} is zone "package" index 1, and
 * a name without an index is numbered by how often it was seen before (in name order). With
 * {@code enable-zone-label}, one family {@code node_rapl_joules_total} with the zone as
 * {@code rapl_zone}. As in node_exporter: no {@code class/powercap}, a zone without
 * {@code max_energy_range_uj}, or an {@code energy_uj} only root may read (Linux 5.10 on) is no
 * data; an {@code energy_uj} that cannot be read otherwise fails the collection; in both cases
 * the zones read before it are still exposed. A zone's name and range are read when it appears,
 * its {@code energy_uj} is kept open. Thread-safe.
 */
public final class RaplCollector implements MultiCollector, AutoCloseable {

  private static final Pattern INVALID = Pattern.compile("_*[^0-9A-Za-z_]+_*");
  /** A zone whose name has no index suffix. */
  private static final int NO_INDEX = Integer.MIN_VALUE;

  private final Path powercap;
  private final boolean zoneLabel;
  /** The entries with a name file, by entry; null where the entry has none. */
  private final Map<String, Zone> zones = new HashMap<>();

  /**
   * @param powercap sysfs's {@code class/powercap}
   * @param zoneLabel one family with a {@code rapl_zone} label instead of one family a zone
   */
  RaplCollector(Path powercap, boolean zoneLabel) {
    this.powercap = powercap;
    this.zoneLabel = zoneLabel;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> entries = new TreeSet<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(powercap)) {
      list.forEach(p -> entries.add(p.getFileName().toString()));
    } catch (NoSuchFileException | AccessDeniedException e) {
      throw new NoDataException("no " + powercap);
    } catch (IOException e) {
      throw new UncheckedIOException("unable to read " + powercap, e);
    }
    HostFiles.closeGone(zones, entries, zone -> {
      if (zone != null) {
        zone.energy.close();
      }
    });
    // The zones in name order, each with its index, as node_exporter numbers them.
    List<Zone> found = new ArrayList<>();
    Map<String, Integer> usages = new HashMap<>();
    for (String entry : entries) {
      Zone zone = zones.containsKey(entry) ? zones.get(entry) : discover(entry);
      if (zone == null) {
        continue;
      }
      int index = zone.index != NO_INDEX ? zone.index : usages.getOrDefault(zone.name, 0);
      usages.put(zone.name, index + 1);
      found.add(zone.at(index));
    }
    Map<String, MetricFamily> families = new LinkedHashMap<>();
    try {
      for (Zone zone : found) {
        double joules = CpufreqCollector.unsignedToDouble(zone.microjoules()) / 1000000.0;
        String index = Integer.toString(zone.index);
        if (zoneLabel) {
          families.computeIfAbsent("", n -> MetricFamily.counter("node_rapl_joules_total",
              "Current RAPL value in joules", "index", "path", "rapl_zone"))
              .add(joules, index, zone.path.toString(), zone.name);
        } else {
          String name = "node_rapl_" + sanitize(zone.name + "_joules_total");
          families.computeIfAbsent(name, n -> MetricFamily.counter(n,
              "Current RAPL " + zone.name + " value in joules", "index", "path"))
              .add(joules, index, zone.path.toString());
        }
      }
    } catch (RuntimeException e) {
      throw new PartialCollectionException(snapshots(families), e);
    }
    return new MetricSnapshots(snapshots(families));
  }

  private static List<MetricSnapshot> snapshots(Map<String, MetricFamily> families) {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    new TreeMap<>(families).values().forEach(f -> snapshots.add(f.build()));
    return snapshots;
  }

  /** The entry's zone from its name and range files; null (and remembered) without a name. */
  private Zone discover(String entry) {
    Path dir = powercap.resolve(entry);
    String name;
    try {
      name = HostFiles.read(dir.resolve("name")).strip();
    } catch (IOException e) {
      zones.put(entry, null); // not a zone (the control type directory, say)
      return null;
    }
    String range = HostFiles.readTrimmedOrNull(dir.resolve("max_energy_range_uj"));
    if (range == null) {
      throw new NoDataException("cannot read " + dir.resolve("max_energy_range_uj"));
    }
    if (Sysfs.parseDecimal(range, true) == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalStateException(dir.resolve("max_energy_range_uj") + ": not an unsigned integer: \""
          + range + "\"");
    }
    Zone zone = Zone.named(name, dir, new PseudoFile(dir.resolve("energy_uj")));
    zones.put(entry, zone);
    return zone;
  }

  /** node_exporter's SanitizeMetricName: each run of other characters, with its underscores, one {@code _}. */
  static String sanitize(String name) {
    return INVALID.matcher(name).replaceAll("_");
  }

  @Override
  public synchronized void close() {
    zones.values().forEach(z -> {
      if (z != null) {
        z.energy.close();
      }
    });
    zones.clear();
  }

  /**
   * A zone: its name without an index suffix, the index the suffix gave ({@link #NO_INDEX} when it had none),
   * its directory and its energy file.
   */
  record Zone(String name, int index, Path path, PseudoFile energy) {

    /** {@code package-1} is ("package", 1), as node_exporter's procfs library splits it. */
    static Zone named(String raw, Path path, PseudoFile energy) {
      String[] parts = raw.split("-", -1);
      if (parts.length == 2) {
        long index = Sysfs.parseDecimal(parts[1], false);
        if (index != PseudoFiles.NOT_A_NUMBER && index == (int) index && index != NO_INDEX) {
          return new Zone(parts[0], (int) index, path, energy);
        }
      }
      return new Zone(raw, NO_INDEX, path, energy);
    }

    Zone at(int index) {
      return new Zone(name, index, path, energy);
    }

    long microjoules() {
      String text;
      try {
        text = energy.read(StandardCharsets.UTF_8).strip();
      } catch (AccessDeniedException | FileNotFoundException e) {
        throw new NoDataException("cannot read " + energy + " (root only since Linux 5.10)");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + energy, e);
      }
      long value = Sysfs.parseDecimal(text, true);
      if (value == PseudoFiles.NOT_A_NUMBER && !text.equals("9223372036854775808")) {
        throw new IllegalStateException(energy + ": not an unsigned integer: \"" + text + "\"");
      }
      return value;
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "rapl";
    }

    @Override
    public String description() {
      return "Energy counters of Intel RAPL zones from /sys/class/powercap (node_rapl_*_joules_total).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new RaplCollector(context.hostPaths().sys("class", "powercap"),
          context.config().getBoolean("enable-zone-label"));
    }
  }
}
