package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
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
import java.util.TreeSet;

/**
 * Thermal zones' temperatures and cooling devices' throttle states from sysfs's
 * {@code class/thermal}, as node_exporter 1.5's thermal_zone collector reads them.
 *
 * <pre>
 * node_thermal_zone_temp{type="x86_pkg_temp",zone="0"} 45
 * node_cooling_device_cur_state{name="0",type="Processor"} 0
 * node_cooling_device_max_state{name="0",type="Processor"} 10
 * </pre>
 *
 * <p>As node_exporter, a zone without its {@code type}, {@code policy} or a decimal
 * {@code temp}, or with a {@code passive} that is not an unsigned integer, fails the whole
 * collection, and a zone whose driver answers {@code ENODATA} (a sensor that is off) is left
 * out; a cooling device without its {@code type} or decimal states fails the collection after
 * the zones, which are still exposed. The directory is listed once a scrape and each zone's and
 * device's files are kept open. Thread-safe.
 */
public final class ThermalZoneCollector implements MultiCollector, AutoCloseable {

  private static final String ZONE = "thermal_zone";
  private static final String COOLING = "cooling_device";
  private static final String[] ZONE_FILES = {"type", "policy", "temp", "mode", "passive"};
  private static final String[] COOLING_FILES = {"type", "max_state", "cur_state"};

  private final Path classThermal;
  private final Map<String, PseudoFile[]> zones = new TreeMap<>();
  private final Map<String, PseudoFile[]> coolingDevices = new TreeMap<>();

  /** @param classThermal sysfs's {@code class/thermal} */
  ThermalZoneCollector(Path classThermal) {
    this.classThermal = classThermal;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> entries = new TreeSet<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(classThermal)) {
      list.forEach(p -> entries.add(p.getFileName().toString()));
    } catch (NoSuchFileException e) {
      // node_exporter globs: no directory, no zones, and no error.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + classThermal, e);
    }
    keep(zones, entries, ZONE, ZONE_FILES);
    keep(coolingDevices, entries, COOLING, COOLING_FILES);

    MetricFamily temp = MetricFamily.gauge("node_thermal_zone_temp", "Zone temperature in Celsius",
        "zone", "type");
    for (Map.Entry<String, PseudoFile[]> zone : zones.entrySet()) {
      Zone parsed = readZone(zone.getValue());
      if (parsed != null) {
        temp.add(parsed.temp() / 1000.0, zone.getKey(), parsed.type());
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    if (!temp.isEmpty()) {
      snapshots.add(temp.build());
    }
    MetricFamily cur = MetricFamily.gauge("node_cooling_device_cur_state",
        "Current throttle state of the cooling device", "name", "type");
    MetricFamily max = MetricFamily.gauge("node_cooling_device_max_state",
        "Maximum throttle state of the cooling device", "name", "type");
    try {
      for (Map.Entry<String, PseudoFile[]> device : coolingDevices.entrySet()) {
        PseudoFile[] files = device.getValue();
        String type = Sysfs.value(required(files[0]));
        long maxState = decimal(files[1], Sysfs.value(required(files[1])), false);
        long curState = decimal(files[2], Sysfs.value(required(files[2])), false);
        cur.add(curState, device.getKey(), type);
        max.add(maxState, device.getKey(), type);
      }
    } catch (RuntimeException e) {
      throw new PartialCollectionException(snapshots, e);
    }
    if (!cur.isEmpty()) {
      snapshots.add(cur.build());
      snapshots.add(max.build());
    }
    return new MetricSnapshots(snapshots);
  }

  /** A zone's type and temperature; null for a zone whose driver has no data now. */
  private static Zone readZone(PseudoFile[] files) {
    try {
      String type = Sysfs.value(read(files[0]));
      read(files[1]); // the policy, required as node_exporter requires it
      long temp = decimal(files[2], read(files[2]).strip(), false);
      try {
        read(files[3]); // the mode: optional
      } catch (NoSuchFileException | AccessDeniedException e) {
        // node_exporter does without it
      }
      try {
        decimal(files[4], read(files[4]).strip(), true);
      } catch (NoSuchFileException | AccessDeniedException e) {
        // node_exporter does without it
      }
      return new Zone(type, temp);
    } catch (IOException e) {
      if (noData(e)) {
        return null;
      }
      throw new UncheckedIOException("cannot read " + e.getMessage(), e);
    }
  }

  /** The driver's "No data available" (ENODATA), which node_exporter takes as "no zone". */
  private static boolean noData(IOException e) {
    return e.getMessage() != null && e.getMessage().contains("No data available");
  }

  private static String read(PseudoFile file) throws IOException {
    try {
      return file.read(StandardCharsets.UTF_8);
    } catch (IOException e) {
      if (e instanceof NoSuchFileException || e instanceof AccessDeniedException) {
        throw e;
      }
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static String required(PseudoFile file) {
    try {
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** A decimal integer (Go's ParseInt or ParseUint, base 10), or an error naming the file. */
  private static long decimal(PseudoFile file, String text, boolean unsigned) {
    long value = Sysfs.parseDecimal(text, unsigned);
    if (value == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalStateException(file + ": not " + (unsigned ? "an unsigned" : "a")
          + " decimal integer: \"" + text + "\"");
    }
    return value;
  }

  /**
   * Keeps the files of the entries named {@code <prefix><digit>...}, as node_exporter's glob
   * {@code <prefix>[0-9]*} finds them, by the rest of the name; lets go of the others.
   */
  private void keep(Map<String, PseudoFile[]> devices, TreeSet<String> entries, String prefix,
      String[] files) {
    List<String> found = new ArrayList<>();
    for (String entry : entries.subSet(prefix, prefix + Character.MAX_VALUE)) {
      char first = entry.length() > prefix.length() ? entry.charAt(prefix.length()) : 0;
      if (first >= '0' && first <= '9') {
        found.add(entry.substring(prefix.length()));
      }
    }
    HostFiles.closeGone(devices, found, open -> Arrays.stream(open).forEach(PseudoFile::close));
    for (String name : found) {
      devices.computeIfAbsent(name, n -> {
        Path dir = classThermal.resolve(prefix + n);
        return Arrays.stream(files).map(f -> new PseudoFile(dir.resolve(f))).toArray(PseudoFile[]::new);
      });
    }
  }

  @Override
  public synchronized void close() {
    zones.values().forEach(f -> Arrays.stream(f).forEach(PseudoFile::close));
    coolingDevices.values().forEach(f -> Arrays.stream(f).forEach(PseudoFile::close));
    zones.clear();
    coolingDevices.clear();
  }

  private record Zone(String type, long temp) {}

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "thermal_zone";
    }

    @Override
    public String description() {
      return "Thermal zone temperatures and cooling device states from /sys/class/thermal "
          + "(node_thermal_zone_temp, node_cooling_device_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new ThermalZoneCollector(context.hostPaths().sys("class", "thermal"));
    }
  }
}
