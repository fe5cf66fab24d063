package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import java.util.TreeMap;

/**
 * The system clock, its time zone and, on Linux, the kernel's clock sources.
 *
 * <pre>
 * node_time_seconds 1.7952908323595164e+09
 * node_time_zone_offset_seconds{time_zone="UTC"} 0
 * node_time_clocksource_available_info{clocksource="tsc",device="0"} 1
 * node_time_clocksource_current_info{clocksource="tsc",device="0"} 1
 * </pre>
 *
 * Thread-safe.
 */
public final class TimeCollector implements MultiCollector, AutoCloseable {

  private final Clock clock;
  private final Path clocksources;
  /**
   * The clock-source devices by number, listed once (the kernel registers them at boot), each
   * with its available_clocksource and current_clocksource files, kept open.
   */
  private volatile TreeMap<String, PseudoFile[]> devices;

  /**
   * @param clock the clock to report, with the zone to report
   * @param clocksources sysfs's {@code devices/system/clocksource}, or null where there is none
   */
  TimeCollector(Clock clock, Path clocksources) {
    this.clock = clock;
    this.clocksources = clocksources;
  }

  @Override
  public MetricSnapshots collect() {
    Instant now = clock.instant();
    List<MetricSnapshot> snapshots = new ArrayList<>();
    snapshots.add(MetricFamily.gauge("node_time_seconds",
        "System time in seconds since epoch (1970).", now.getEpochSecond() + now.getNano() / 1e9));
    ZoneId zone = clock.getZone();
    boolean daylight = zone.getRules().isDaylightSavings(now);
    snapshots.add(MetricFamily.gauge("node_time_zone_offset_seconds",
            "System time zone offset in seconds.", "time_zone")
        .add(zone.getRules().getOffset(now).getTotalSeconds(), zoneAbbreviation(zone, daylight))
        .build());
    // Once listed, the devices are known to be there: no stat of the directory each scrape.
    if (clocksources != null && (devices != null || Files.isDirectory(clocksources))) {
      addClocksources(snapshots);
    }
    return new MetricSnapshots(snapshots);
  }

  private void addClocksources(List<MetricSnapshot> snapshots) {
    MetricFamily available = MetricFamily.info("node_time_clocksource_available_info",
        "Available clocksources read from '/sys/devices/system/clocksource'.", "clocksource",
        "device");
    MetricFamily current = MetricFamily.info("node_time_clocksource_current_info",
        "Current clocksource read from '/sys/devices/system/clocksource'.", "clocksource",
        "device");
    TreeMap<String, PseudoFile[]> devices = this.devices;
    if (devices == null) {
      devices = listDevices();
      if (devices == null) {
        return; // node_exporter also reports the time without them
      }
    }
    devices.forEach((device, files) -> {
      String all = HostFiles.readTrimmedOrNull(files[0]);
      if (all != null) {
        Arrays.stream(HostFiles.fields(all)).sorted()
            .forEach(source -> available.addInfo(source, device));
      }
      String chosen = HostFiles.readTrimmedOrNull(files[1]);
      if (chosen != null && !chosen.isEmpty()) {
        current.addInfo(chosen, device);
      }
    });
    if (!available.isEmpty()) {
      snapshots.add(available.build());
    }
    if (!current.isEmpty()) {
      snapshots.add(current.build());
    }
  }

  private synchronized TreeMap<String, PseudoFile[]> listDevices() {
    if (devices != null) {
      return devices;
    }
    TreeMap<String, PseudoFile[]> found = new TreeMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(clocksources, "clocksource*")) {
      for (Path d : dirs) {
        found.put(d.getFileName().toString().substring("clocksource".length()), new PseudoFile[] {
            new PseudoFile(d.resolve("available_clocksource")), new PseudoFile(d.resolve("current_clocksource"))});
      }
    } catch (IOException e) {
      return null;
    }
    devices = found;
    return found;
  }

  @Override
  public synchronized void close() {
    if (devices != null) {
      devices.values().forEach(files -> Arrays.stream(files).forEach(PseudoFile::close));
    }
  }

  /** The zone's abbreviation as Go's {@code time.Zone()} gives it: UTC, CET, CEST. */
  static String zoneAbbreviation(ZoneId zone, boolean daylight) {
    return TimeZone.getTimeZone(zone).getDisplayName(daylight, TimeZone.SHORT, Locale.ROOT);
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "time";
    }

    @Override
    public String description() {
      return "The system time, time zone offset and clock sources (node_time_seconds).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new TimeCollector(Clock.systemDefaultZone(), HostFiles.linux()
          ? context.hostPaths().sys("devices", "system", "clocksource") : null);
    }
  }
}
