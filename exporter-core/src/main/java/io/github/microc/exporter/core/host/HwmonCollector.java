package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hardware sensors (temperatures, fans, voltages, currents, power, alarms) from sysfs's
 * {@code class/hwmon}, as node_exporter 1.5's hwmon collector names them.
 *
 * <pre>
 * node_hwmon_chip_names{chip="platform_coretemp_0",chip_name="coretemp"} 1
 * node_hwmon_sensor_label{chip="platform_coretemp_0",label="Package id 0",sensor="temp1"} 1
 * node_hwmon_temp_celsius{chip="platform_coretemp_0",sensor="temp1"} 45
 * node_hwmon_temp_crit_celsius{chip="platform_coretemp_0",sensor="temp1"} 100
 * node_hwmon_fan_rpm{chip="platform_nct6775_656",sensor="fan1"} 1200
 * node_hwmon_in_volts{chip="platform_nct6775_656",sensor="in1"} 12.096
 * </pre>
 *
 * <p>A chip is named after its device ({@code <bus type>_<device>}, the last two parts of the
 * path {@code device} links to), else its {@code name} file, else its directory; files named
 * {@code <type><n>_<property>} of the known sensor types, in the chip's directory and its
 * device's, are its sensors. Values are the first 128 bytes of each file without newlines, and
 * a value that is not a number as Go reads one is left out. Units as node_exporter converts
 * them: milli-degrees, millivolts and milliamperes to units, microwatts to watts, microjoules to
 * joules. A link in {@code class/hwmon} to nothing, when no chip follows it, fails the collection
 * while the chips are still exposed, as in node_exporter. A chip's files are listed when it
 * first appears and kept open after that; the {@code class/hwmon} directory is listed once a
 * scrape. Thread-safe.
 */
public final class HwmonCollector implements MultiCollector, AutoCloseable {

  private static final Pattern FILENAME = Pattern.compile("^([^0-9]+)([0-9]*)?(_(.+))?$");
  private static final Pattern INVALID = Pattern.compile("[^a-z0-9:_]");
  private static final Set<String> SENSOR_TYPES = Set.of("vrm", "beep_enable", "update_interval",
      "in", "cpu", "fan", "pwm", "temp", "curr", "power", "energy", "humidity", "intrusion");
  private static final String[] LABELS = {"chip", "sensor"};

  private final Path classHwmon;
  /** The chips found so far, by their entry in {@code class/hwmon}. */
  private final Map<String, Chip> chips = new HashMap<>();

  /** @param classHwmon sysfs's {@code class/hwmon} */
  HwmonCollector(Path classHwmon) {
    this.classHwmon = classHwmon;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    Set<String> entries = Sysfs.listClass(classHwmon);
    HostFiles.closeGone(chips, entries, Chip::close);
    Families families = new Families();
    // node_exporter 1.5 fails the collection when the last link it stat'ed or chip it read
    // (in the order of the names) was a link to nothing, and still exposes the chips.
    Path dangling = null;
    for (String entry : entries) {
      Chip chip = chips.get(entry);
      if (chip == null) {
        Path dir = classHwmon.resolve(entry);
        boolean link = Files.isSymbolicLink(dir);
        if (!Files.isDirectory(dir)) {
          // A file, or a link to nothing or to a file; looked at again next time.
          if (link) {
            dangling = Files.exists(dir) ? null : dir;
          }
          continue;
        }
        chip = Chip.discover(dir);
        chips.put(entry, chip);
      }
      chip.collect(families);
      dangling = null;
    }
    MetricSnapshots snapshots = families.snapshots();
    if (dangling != null) {
      throw new PartialCollectionException(snapshots.stream().toList(),
          new IllegalStateException("cannot stat " + dangling + ": it links to nothing"));
    }
    return snapshots;
  }

  @Override
  public synchronized void close() {
    chips.values().forEach(Chip::close);
    chips.clear();
  }

  /**
   * node_exporter's {@code cleanMetricName}: lower case, every character but {@code a-z},
   * {@code 0-9}, {@code :} and {@code _} made {@code _}, and {@code _} trimmed from both ends.
   */
  static String clean(String name) {
    String replaced = INVALID.matcher(name.toLowerCase(java.util.Locale.ROOT)).replaceAll("_");
    int start = 0;
    int end = replaced.length();
    while (start < end && replaced.charAt(start) == '_') {
      start++;
    }
    while (end > start && replaced.charAt(end - 1) == '_') {
      end--;
    }
    return replaced.substring(start, end);
  }

  /**
   * A file name split as node_exporter splits it: {@code {type, sensor, property}}, such as
   * {@code {"temp", "temp1", "crit_alarm"}} for {@code temp1_crit_alarm} and
   * {@code {"beep_enable", "beep_enable0", ""}} for {@code beep_enable}; null for a file that
   * is not a sensor of a known type.
   */
  static String[] sensorFile(String filename) {
    Matcher m = FILENAME.matcher(filename);
    if (!m.matches() || !SENSOR_TYPES.contains(m.group(1))) {
      return null;
    }
    int number = 0;
    String id = m.group(2);
    if (id != null && !id.isEmpty()) {
      try {
        number = Integer.parseInt(id);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    String property = m.group(4) == null ? "" : m.group(4);
    return new String[] {m.group(1), m.group(1) + number, property};
  }

  /**
   * The chip's label: {@code <bus type>_<device>} from where {@code device} links to, else its
   * cleaned {@code name}, else its directory's name.
   */
  static String chipName(Path dir, String nameFile) {
    try {
      Path device = dir.resolve("device").toRealPath();
      String devName = clean(fileName(device));
      String devType = device.getParent() == null ? "" : clean(fileName(device.getParent()));
      if (!devType.isEmpty() && !devName.isEmpty()) {
        return devType + "_" + devName;
      }
      if (!devName.isEmpty()) {
        return devName;
      }
    } catch (IOException e) {
      // No device: the name file or the directory says.
    }
    if (nameFile != null && !clean(nameFile).isEmpty()) {
      return clean(nameFile);
    }
    try {
      return clean(fileName(dir.toRealPath()));
    } catch (IOException e) {
      return clean(fileName(dir));
    }
  }

  private static String fileName(Path path) {
    Path name = path.getFileName();
    return name == null ? "" : name.toString();
  }

  /** node_exporter's value of a sensor file: newlines trimmed from both ends, nothing else. */
  static String trimNewlines(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && text.charAt(start) == '\n') {
      start++;
    }
    while (end > start && text.charAt(end - 1) == '\n') {
      end--;
    }
    return text.substring(start, end);
  }

  /**
   * One sensor's values by property ({@code ""} for the file named after the sensor alone) as
   * node_exporter turns them into samples, added to {@code families}.
   */
  static void addSensor(Families families, String chip, String sensor, String type,
      Map<String, String> data) {
    String label = data.get("label");
    if (label != null) {
      families.get("node_hwmon_sensor_label", "Label for given chip and sensor", false,
          "chip", "sensor", "label").add(1, chip, sensor, label);
    }
    switch (type) {
      case "beep_enable" -> {
        families.get("node_hwmon_beep_enabled", "Hardware beep enabled", false, LABELS)
            .add("1".equals(data.get("")) ? 1 : 0, chip, sensor);
        return;
      }
      case "vrm" -> {
        Double value = Sysfs.parseFloat(data.get(""));
        if (value != null) {
          families.get("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", false,
              LABELS).add(value, chip, sensor);
        }
        return;
      }
      case "update_interval" -> {
        Double value = Sysfs.parseFloat(data.get(""));
        if (value != null) {
          families.get("node_hwmon_update_interval_seconds", "Hardware monitor update interval",
              false, LABELS).add(value * 0.001, chip, sensor);
        }
        return;
      }
      default -> {
        // the sensor's elements below
      }
    }
    String prefix = "node_hwmon_" + type;
    for (Map.Entry<String, String> e : data.entrySet()) {
      String element = e.getKey();
      if (element.equals("label")) {
        continue;
      }
      String name = prefix;
      if (element.equals("input")) {
        if (data.containsKey("")) {
          name = name + "_input";
        }
      } else if (!element.isEmpty()) {
        name = name + "_" + clean(element);
      }
      Double parsed = Sysfs.parseFloat(e.getValue());
      if (parsed == null) {
        continue;
      }
      double value = parsed;
      MetricFamily family;
      if (element.equals("fault") || element.equals("alarm")) {
        family = families.get(name, "Hardware sensor " + element + " status (" + type + ")", false, LABELS);
      } else if (element.equals("beep")) {
        family = families.get(name + "_enabled", "Hardware monitor sensor has beeping enabled", false, LABELS);
      } else if (type.equals("in") || type.equals("cpu")) {
        family = families.get(name + "_volts", "Hardware monitor for voltage (" + element + ")", false, LABELS);
        value = value * 0.001;
      } else if (type.equals("temp") && !element.equals("type")) {
        String shown = element.isEmpty() ? "input" : element;
        family = families.get(name + "_celsius", "Hardware monitor for temperature (" + shown + ")", false, LABELS);
        value = value * 0.001;
      } else if (type.equals("curr")) {
        family = families.get(name + "_amps", "Hardware monitor for current (" + element + ")", false, LABELS);
        value = value * 0.001;
      } else if (type.equals("energy")) {
        family = families.get(name + "_joule_total", "Hardware monitor for joules used so far (" + element + ")", true, LABELS);
        value = value / 1000000.0;
      } else if (type.equals("power") && element.equals("accuracy")) {
        family = families.get(name, "Hardware monitor power meter accuracy, as a ratio", false, LABELS);
        value = value / 1000000.0;
      } else if (type.equals("power") && (element.equals("average_interval")
          || element.equals("average_interval_min") || element.equals("average_interval_max"))) {
        family = families.get(name + "_seconds", "Hardware monitor power usage update interval (" + element + ")", false, LABELS);
        value = value * 0.001;
      } else if (type.equals("power")) {
        family = families.get(name + "_watt", "Hardware monitor for power usage in watts (" + element + ")", false, LABELS);
        value = value / 1000000.0;
      } else if (type.equals("humidity")) {
        family = families.get(name, "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (" + element + ")", false, LABELS);
        value = value / 1000000.0;
      } else if (type.equals("fan") && (element.equals("input") || element.equals("min")
          || element.equals("max") || element.equals("target"))) {
        family = families.get(name + "_rpm", "Hardware monitor for fan revolutions per minute (" + element + ")", false, LABELS);
      } else {
        family = families.get(name, "Hardware monitor " + type + " element " + element, false, LABELS);
      }
      if (family != null) {
        family.add(value, chip, sensor);
      }
    }
  }

  /** The families of one scrape, by name; the first HELP given to a name is kept. */
  static final class Families {
    private final Map<String, MetricFamily> byName = new TreeMap<>();

    /**
     * The family named {@code name}; null for a name client_java refuses (a gauge named
     * {@code ..._info} or {@code ..._total} after a driver's file), whose samples are left out.
     */
    MetricFamily get(String name, String help, boolean counter, String... labels) {
      MetricFamily family = byName.get(name);
      if (family == null && (counter || PrometheusNaming.isValidMetricName(name))) {
        family = counter ? MetricFamily.counter(name, help, labels)
            : MetricFamily.gauge(name, help, labels);
        byName.put(name, family);
      }
      return family;
    }

    MetricSnapshots snapshots() {
      List<MetricSnapshot> snapshots = new ArrayList<>(byName.size());
      byName.values().forEach(f -> snapshots.add(f.build()));
      return new MetricSnapshots(snapshots);
    }
  }

  /** One chip: its label, its human-readable name, and its sensor files kept open. */
  private static final class Chip {
    final String label;
    final String humanName;
    /** Each file's {type, sensor, property}, in the order node_exporter reads them. */
    final List<String[]> keys;
    final List<PseudoFile> files;

    private Chip(String label, String humanName, List<String[]> keys, List<PseudoFile> files) {
      this.label = label;
      this.humanName = humanName;
      this.keys = keys;
      this.files = files;
    }

    static Chip discover(Path dir) {
      String name = null;
      try {
        name = HostFiles.read(dir.resolve("name"));
      } catch (IOException e) {
        // A chip without a name file.
      }
      String humanName = name == null || clean(name).isEmpty() ? null : clean(name);
      List<String[]> keys = new ArrayList<>();
      List<PseudoFile> files = new ArrayList<>();
      list(dir, keys, files);
      Path device = dir.resolve("device");
      if (Files.exists(device)) {
        list(device, keys, files);
      }
      return new Chip(chipName(dir, name), humanName, keys, files);
    }

    /** The sensor files of a directory, sorted by name as Go's ReadDir gives them. */
    private static void list(Path dir, List<String[]> keys, List<PseudoFile> files) {
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
        list.forEach(p -> names.add(p.getFileName().toString()));
      } catch (IOException e) {
        return;
      }
      names.sort(null);
      for (String file : names) {
        String[] key = sensorFile(file);
        if (key != null) {
          keys.add(key);
          files.add(new PseudoFile(dir.resolve(file)));
        }
      }
    }

    void collect(Families families) {
      if (humanName != null) {
        families.get("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
            false, "chip", "chip_name").add(1, label, humanName);
      }
      // Sensor by sensor, each with its properties; a later file (the device's) wins.
      Map<String, Map<String, String>> data = new LinkedHashMap<>();
      Map<String, String> types = new HashMap<>();
      for (int i = 0; i < files.size(); i++) {
        String raw = Sysfs.readRaw(files.get(i));
        if (raw == null) {
          continue;
        }
        String[] key = keys.get(i);
        data.computeIfAbsent(key[1], k -> new LinkedHashMap<>()).put(key[2], trimNewlines(raw));
        types.put(key[1], key[0]);
      }
      data.forEach((sensor, values) -> addSensor(families, label, sensor, types.get(sensor), values));
    }

    void close() {
      files.forEach(PseudoFile::close);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "hwmon";
    }

    @Override
    public String description() {
      return "Hardware sensors from /sys/class/hwmon: temperatures, fans, voltages, power "
          + "(node_hwmon_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new HwmonCollector(context.hostPaths().sys("class", "hwmon"));
    }
  }
}
