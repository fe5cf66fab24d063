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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Memory errors that the EDAC drivers counted, from sysfs's {@code devices/system/edac/mc},
 * as node_exporter 1.5's edac collector exposes them:
 *
 * <pre>
 * node_edac_correctable_errors_total{controller="0"} 3
 * node_edac_uncorrectable_errors_total{controller="0"} 0
 * node_edac_csrow_correctable_errors_total{controller="0",csrow="0"} 2
 * node_edac_csrow_correctable_errors_total{controller="0",csrow="unknown"} 1
 * </pre>
 *
 * <p>Per controller {@code mc<N>}: {@code ce_count}, {@code ue_count}, and the errors without
 * a known csrow ({@code ce_noinfo_count}, {@code ue_noinfo_count}) as csrow "unknown"; per
 * {@code csrow<N>} its {@code ce_count} and {@code ue_count}. As in node_exporter, a count that
 * cannot be read or is not an unsigned decimal fails the collection, and what was read before
 * it (controllers in name order) is still exposed. No EDAC driver: nothing, and no failure.
 * The controllers are listed once a scrape, a controller's csrows once, and the files kept
 * open. Thread-safe.
 */
public final class EdacCollector implements MultiCollector, AutoCloseable {

  private static final String[] CONTROLLER_FILES = {"ce_count", "ce_noinfo_count", "ue_count",
      "ue_noinfo_count"};
  private static final String[] CSROW_FILES = {"ce_count", "ue_count"};

  private final Path mcDir;
  private final Map<String, Controller> controllers = new TreeMap<>();

  /** @param mcDir sysfs's {@code devices/system/edac/mc} */
  EdacCollector(Path mcDir) {
    this.mcDir = mcDir;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.glob(mcDir, "mc[0-9]*");
    HostFiles.closeGone(controllers, names, Controller::close);
    MetricFamily ce = MetricFamily.counter("node_edac_correctable_errors_total",
        "Total correctable memory errors.", "controller");
    MetricFamily ue = MetricFamily.counter("node_edac_uncorrectable_errors_total",
        "Total uncorrectable memory errors.", "controller");
    MetricFamily csrowCe = MetricFamily.counter("node_edac_csrow_correctable_errors_total",
        "Total correctable memory errors for this csrow.", "controller", "csrow");
    MetricFamily csrowUe = MetricFamily.counter("node_edac_csrow_uncorrectable_errors_total",
        "Total uncorrectable memory errors for this csrow.", "controller", "csrow");
    try {
      for (String entry : names) {
        Controller c = controllers.computeIfAbsent(entry, e -> new Controller(mcDir.resolve(e)));
        String number = number(entry, "mc");
        ce.add(count(c.files[0], "ce_count", number), number);
        csrowCe.add(count(c.files[1], "ce_noinfo_count", number), number, "unknown");
        ue.add(count(c.files[2], "ue_count", number), number);
        csrowUe.add(count(c.files[3], "ue_noinfo_count", number), number, "unknown");
        for (Map.Entry<String, PseudoFile[]> csrow : c.csrows.entrySet()) {
          String row = number(csrow.getKey(), "csrow");
          csrowCe.add(count(csrow.getValue()[0], "ce_count", number + "/" + row), number, row);
          csrowUe.add(count(csrow.getValue()[1], "ue_count", number + "/" + row), number, row);
        }
      }
    } catch (RuntimeException e) {
      throw new PartialCollectionException(families(ce, ue, csrowCe, csrowUe), e);
    }
    return new MetricSnapshots(families(ce, ue, csrowCe, csrowUe));
  }

  private static List<MetricSnapshot> families(MetricFamily... families) {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (MetricFamily family : families) {
      if (!family.isEmpty()) {
        snapshots.add(family.build());
      }
    }
    return snapshots;
  }

  /** The digits after the prefix, as node_exporter's regex takes them ("mc0abc" is "0"). */
  static String number(String entry, String prefix) {
    int end = prefix.length();
    while (end < entry.length() && entry.charAt(end) >= '0' && entry.charAt(end) <= '9') {
      end++;
    }
    return entry.substring(prefix.length(), end);
  }

  private static long count(PseudoFile file, String name, String where) {
    String text = HostFiles.readTrimmedOrNull(file);
    long value = text == null ? PseudoFiles.NOT_A_NUMBER : Sysfs.parseDecimal(text, true);
    if (value == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalStateException("couldn't get " + name + " for controller " + where + ": "
          + (text == null ? "cannot read " + file : "not an unsigned integer: \"" + text + "\""));
    }
    return value;
  }

  @Override
  public synchronized void close() {
    controllers.values().forEach(Controller::close);
    controllers.clear();
  }

  /** A memory controller's files and its csrows', kept open; its csrows listed once. */
  private static final class Controller {
    final PseudoFile[] files;
    final Map<String, PseudoFile[]> csrows = new TreeMap<>();

    Controller(Path dir) {
      files = Arrays.stream(CONTROLLER_FILES).map(f -> new PseudoFile(dir.resolve(f)))
          .toArray(PseudoFile[]::new);
      for (String csrow : Sysfs.glob(dir, "csrow[0-9]*")) {
        csrows.put(csrow, Arrays.stream(CSROW_FILES)
            .map(f -> new PseudoFile(dir.resolve(csrow).resolve(f))).toArray(PseudoFile[]::new));
      }
    }

    void close() {
      Arrays.stream(files).forEach(PseudoFile::close);
      csrows.values().forEach(f -> Arrays.stream(f).forEach(PseudoFile::close));
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "edac";
    }

    @Override
    public String description() {
      return "Correctable and uncorrectable memory errors from /sys/devices/system/edac "
          + "(node_edac_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new EdacCollector(context.hostPaths().sys("devices", "system", "edac", "mc"));
    }
  }
}
