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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * Power supplies (mains, batteries, USB ports) from sysfs's {@code class/power_supply}, as
 * node_exporter 1.5's powersupplyclass collector exposes them:
 *
 * <pre>
 * node_power_supply_online{power_supply="AC"} 1
 * node_power_supply_capacity{power_supply="BAT0"} 87
 * node_power_supply_energy_watthour{power_supply="BAT0"} 41.94
 * node_power_supply_info{power_supply="BAT0",status="Discharging",technology="Li-poly",type="Battery"} 1
 * </pre>
 *
 * <p>Micro-units (µA, µV, µWh, µAh, µW) become units, tenths of a degree degrees; the text
 * properties that are not empty are labels of {@code node_power_supply_info}. As in
 * node_exporter, a file the driver refuses ({@code EINVAL}, {@code EOPNOTSUPP}) is left out,
 * and a number that does not parse fails the collection; no {@code class/power_supply} is no
 * data. {@code ignored-supplies} leaves supplies out. The supplies are listed once a scrape,
 * a supply's files when it appears, and kept open. Thread-safe.
 */
public final class PowerSupplyClassCollector implements MultiCollector, AutoCloseable {

  private static final String HELP_INFO = "info of /sys/class/power_supply/<power_supply>.";
  /** Numeric files: name in node_exporter, and the divisor from sysfs's unit. */
  private static final Map<String, Object[]> NUMBERS = new LinkedHashMap<>();
  /** Text files and their label. */
  private static final Map<String, String> TEXTS = new LinkedHashMap<>();

  static {
    number(1, "authentic", "authentic", "calibrate", "calibrate", "capacity", "capacity",
        "capacity_alert_max", "capacity_alert_max", "capacity_alert_min", "capacity_alert_min",
        "cycle_count", "cyclecount", "online", "online", "present", "present",
        "time_to_empty_now", "time_to_empty_seconds", "time_to_full_now", "time_to_full_seconds");
    number(1e6, "current_boot", "current_boot", "current_max", "current_max",
        "current_now", "current_ampere", "energy_empty", "energy_empty",
        "energy_empty_design", "energy_empty_design", "energy_full", "energy_full",
        "energy_full_design", "energy_full_design", "energy_now", "energy_watthour",
        "voltage_boot", "voltage_boot", "voltage_max", "voltage_max",
        "voltage_max_design", "voltage_max_design", "voltage_min", "voltage_min",
        "voltage_min_design", "voltage_min_design", "voltage_now", "voltage_volt",
        "voltage_ocv", "voltage_ocv", "charge_control_limit", "charge_control_limit",
        "charge_control_limit_max", "charge_control_limit_max", "charge_counter", "charge_counter",
        "charge_empty", "charge_empty", "charge_empty_design", "charge_empty_design",
        "charge_full", "charge_full", "charge_full_design", "charge_full_design",
        "charge_now", "charge_ampere", "charge_term_current", "charge_term_current",
        "constant_charge_current", "constant_charge_current",
        "constant_charge_current_max", "constant_charge_current_max",
        "constant_charge_voltage", "constant_charge_voltage",
        "constant_charge_voltage_max", "constant_charge_voltage_max",
        "precharge_current", "precharge_current", "input_current_limit", "input_current_limit",
        "power_now", "power_watt");
    number(10, "temp", "temp_celsius", "temp_alert_max", "temp_alert_max_celsius",
        "temp_alert_min", "temp_alert_min_celsius", "temp_ambient", "temp_ambient_celsius",
        "temp_ambient_max", "temp_ambient_max_celsius", "temp_ambient_min",
        "temp_ambient_min_celsius", "temp_max", "temp_max_celsius", "temp_min", "temp_min_celsius");
    // Read by node_exporter (so a bad number there fails it too) but not exposed.
    number(0, "charge_avg", "", "current_avg", "", "energy_avg", "", "power_avg", "",
        "time_to_empty_avg", "", "time_to_full_avg", "", "voltage_avg", "");
    for (String text : new String[] {"capacity_level", "charge_type", "health", "manufacturer",
        "model_name", "serial_number", "status", "technology", "type", "usb_type", "scope"}) {
      TEXTS.put(text, text);
    }
  }

  private static void number(double divisor, String... fileAndName) {
    for (int i = 0; i < fileAndName.length; i += 2) {
      NUMBERS.put(fileAndName[i], new Object[] {fileAndName[i + 1], divisor});
    }
  }

  private final Path classPowerSupply;
  private final Pattern ignored;
  private final Map<String, Supply> supplies = new HashMap<>();

  /**
   * @param classPowerSupply sysfs's {@code class/power_supply}
   * @param ignored supplies to leave out (matched anywhere in the name unless anchored)
   */
  PowerSupplyClassCollector(Path classPowerSupply, Pattern ignored) {
    this.classPowerSupply = classPowerSupply;
    this.ignored = ignored;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.listClass(classPowerSupply);
    HostFiles.closeGone(supplies, names, Supply::close);
    Map<String, MetricFamily> families = new TreeMap<>();
    MetricFamily info = MetricFamily.info("node_power_supply_info", HELP_INFO, "power_supply");
    // node_exporter reads every supply before it exposes any, so a failure exposes nothing.
    List<Map.Entry<String, Map<String, String>>> read = new ArrayList<>();
    for (String name : names) {
      Supply supply = supplies.get(name);
      if (supply == null) {
        supply = Supply.discover(classPowerSupply.resolve(name), name);
        supplies.put(name, supply);
      }
      Map<String, String> values = supply.read();
      if (!ignored.matcher(name).find()) {
        read.add(Map.entry(name, values));
      }
    }
    for (Map.Entry<String, Map<String, String>> entry : read) {
      String name = entry.getKey();
      Map<String, String> values = entry.getValue();
      Labels supplyLabel = supplies.get(name).labels;
      List<String> labelNames = new ArrayList<>(List.of("power_supply"));
      List<String> labelValues = new ArrayList<>(List.of(name));
      for (Map.Entry<String, String> value : values.entrySet()) {
        Object[] number = NUMBERS.get(value.getKey());
        if (number != null) {
          double divisor = (double) number[1];
          if (divisor != 0) {
            String metric = (String) number[0];
            families.computeIfAbsent(metric, m -> MetricFamily.gauge("node_power_supply_" + m,
                m + " value of /sys/class/power_supply/<power_supply>.", "power_supply"))
                .add(divisor == 1 ? parse(value) : parse(value) / divisor, supplyLabel);
          }
        } else if (!value.getValue().isEmpty()) {
          labelNames.add(TEXTS.get(value.getKey()));
          labelValues.add(value.getValue());
        }
      }
      info.add(1, Labels.of(labelNames.toArray(new String[0]), labelValues.toArray(new String[0])));
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.values().forEach(f -> snapshots.add(f.build()));
    if (!info.isEmpty()) {
      snapshots.add(info.build());
    }
    return new MetricSnapshots(snapshots);
  }

  private static double parse(Map.Entry<String, String> value) {
    return Sysfs.parseInt(value.getValue());
  }

  /**
   * A number as node_exporter's parser reads it (Go's base 0); one that does not parse fails
   * the collection, as there.
   */
  static long number(Path file, String text) {
    long value = Sysfs.parseInt(text);
    if (value == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalStateException(file + ": not an integer: \"" + text + "\"");
    }
    return value;
  }

  @Override
  public synchronized void close() {
    supplies.values().forEach(Supply::close);
    supplies.clear();
  }

  /** One supply's known files, kept open, and its label. */
  private static final class Supply {
    final Labels labels;
    final Map<String, PseudoFile> files;

    private Supply(String name, Map<String, PseudoFile> files) {
      this.labels = Labels.of("power_supply", name);
      this.files = files;
    }

    /** The supply's regular files that node_exporter reads, sorted by name as Go lists them. */
    static Supply discover(Path dir, String name) {
      Map<String, PseudoFile> files = new TreeMap<>();
      try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
        for (Path file : list) {
          String fileName = file.getFileName().toString();
          if ((NUMBERS.containsKey(fileName) || TEXTS.containsKey(fileName))
              && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            files.put(fileName, new PseudoFile(file));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir, e);
      }
      return new Supply(name, files);
    }

    /**
     * Each file's value (first 128 bytes, blanks stripped), checked as node_exporter checks it:
     * a number must parse; a file the driver refuses is left out; another error fails.
     */
    Map<String, String> read() {
      Map<String, String> values = new TreeMap<>();
      for (Map.Entry<String, PseudoFile> file : files.entrySet()) {
        String text;
        try {
          text = Sysfs.value(file.getValue().read(StandardCharsets.UTF_8));
        } catch (IOException e) {
          if (Sysfs.refused(e)) {
            continue;
          }
          throw new UncheckedIOException("failed to read file " + file.getValue(), e);
        }
        if (NUMBERS.containsKey(file.getKey())) {
          number(file.getValue().path(), text);
        }
        values.put(file.getKey(), text);
      }
      return values;
    }

    void close() {
      files.values().forEach(PseudoFile::close);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "powersupplyclass";
    }

    @Override
    public String description() {
      return "Mains, batteries and USB power from /sys/class/power_supply (node_power_supply_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new PowerSupplyClassCollector(context.hostPaths().sys("class", "power_supply"),
          context.config().getRegex("ignored-supplies"));
    }
  }
}
