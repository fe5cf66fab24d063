package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine's firmware, board, chassis and product from sysfs's {@code class/dmi/id}, as
 * node_exporter 1.5's dmi collector exposes them:
 *
 * <pre>
 * node_dmi_info{bios_date="04/01/2014",bios_vendor="SeaBIOS",product_name="Standard PC (Q35 + ICH9, 2009)",system_vendor="QEMU"} 1
 * </pre>
 *
 * <p>Read once, at start-up, as node_exporter does: the values change with a firmware update,
 * which needs a reboot. A label is there when its file is; a file only root may read (the
 * serials, the product UUID) is left out for another user. Without DMI (most ARM machines,
 * containers without the host's sysfs) the collector has no data. Thread-safe.
 */
public final class DmiCollector implements MultiCollector {

  /** node_exporter's labels by sysfs file name. */
  private static final Map<String, String> LABELS = Map.ofEntries(
      Map.entry("bios_date", "bios_date"), Map.entry("bios_release", "bios_release"),
      Map.entry("bios_vendor", "bios_vendor"), Map.entry("bios_version", "bios_version"),
      Map.entry("board_asset_tag", "board_asset_tag"), Map.entry("board_name", "board_name"),
      Map.entry("board_serial", "board_serial"), Map.entry("board_vendor", "board_vendor"),
      Map.entry("board_version", "board_version"), Map.entry("chassis_asset_tag", "chassis_asset_tag"),
      Map.entry("chassis_serial", "chassis_serial"), Map.entry("chassis_vendor", "chassis_vendor"),
      Map.entry("chassis_version", "chassis_version"), Map.entry("product_family", "product_family"),
      Map.entry("product_name", "product_name"), Map.entry("product_serial", "product_serial"),
      Map.entry("product_sku", "product_sku"), Map.entry("product_uuid", "product_uuid"),
      Map.entry("product_version", "product_version"), Map.entry("sys_vendor", "system_vendor"));
  private static final String HELP = "A metric with a constant '1' value labeled by bios_date, "
      + "bios_release, bios_vendor, bios_version, board_asset_tag, board_name, board_serial, "
      + "board_vendor, board_version, chassis_asset_tag, chassis_serial, chassis_vendor, "
      + "chassis_version, product_family, product_name, product_serial, product_sku, "
      + "product_uuid, product_version, system_vendor if provided by DMI.";

  private final MetricSnapshots snapshots;
  private final String missing;

  /** @param labels the labels and their values; none for a machine without DMI */
  DmiCollector(Map<String, String> labels, String missing) {
    this.missing = missing;
    if (labels.isEmpty()) {
      this.snapshots = null;
    } else {
      MetricFamily info = MetricFamily.info("node_dmi_info", HELP, labels.keySet().toArray(new String[0]));
      info.addInfo(labels.values().toArray(new String[0]));
      this.snapshots = MetricSnapshots.of(info.build());
    }
  }

  @Override
  public MetricSnapshots collect() {
    if (snapshots == null) {
      throw new NoDataException(missing);
    }
    return snapshots;
  }

  /**
   * node_exporter's labels from a {@code class/dmi/id} directory: its regular files but
   * {@code modalias} and {@code uevent}, each value as {@link Sysfs#readLabel} reads it, the
   * ones root alone may read left out; empty when the directory does not exist.
   *
   * @throws IOException when a file cannot be read otherwise, as node_exporter then does not start
   */
  static Map<String, String> read(Path dmi) throws IOException {
    Map<String, String> labels = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dmi)) {
      for (Path file : files) {
        String label = LABELS.get(file.getFileName().toString());
        if (label == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try {
          labels.put(label, Sysfs.readLabel(file));
        } catch (AccessDeniedException | FileNotFoundException e) {
          // Only root may read the serials and the product UUID (a file that exists and cannot
          // be opened is reported as not found by FileInputStream).
        }
      }
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    return labels;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "dmi";
    }

    @Override
    public String description() {
      return "Firmware, board, chassis and product names from /sys/class/dmi/id (node_dmi_info).";
    }

    @Override
    public MultiCollector create(PluginContext context) throws IOException {
      Path dmi = context.hostPaths().sys("class", "dmi", "id");
      return new DmiCollector(read(dmi), "no DMI information under " + dmi);
    }
  }
}
