package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;

/**
 * Open file handles of the whole host, from {@code /proc/sys/fs/file-nr}.
 *
 * <pre>
 * node_filefd_allocated 741
 * node_filefd_maximum 2.466093e+06
 * </pre>
 *
 * Thread-safe.
 */
public final class FilefdCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile fileNr;

  /** Reads {@code fileNr}, a Linux {@code /proc/sys/fs/file-nr}. */
  FilefdCollector(Path fileNr) {
    this.fileNr = new PseudoFile(fileNr);
  }

  @Override
  public MetricSnapshots collect() {
    double[] values = HostFiles.parse(fileNr, FilefdCollector::parseFileNr);
    return MetricSnapshots.of(
        MetricFamily.gauge("node_filefd_allocated", "File descriptor statistics: allocated.", values[0]),
        MetricFamily.gauge("node_filefd_maximum", "File descriptor statistics: maximum.", values[1]));
  }

  @Override
  public void close() {
    fileNr.close();
  }

  /**
   * The allocated and maximum handles of {@code file-nr} ({@code "741\t0\t2466093"}: allocated,
   * allocated but unused (always 0 since Linux 2.6), maximum), its tab-separated fields read as
   * node_exporter reads them.
   *
   * @throws IllegalArgumentException when there are fewer than three fields or one is not a number
   */
  static double[] parseFileNr(String text) {
    String trimmed = text.strip();
    int first = trimmed.indexOf('\t');
    int second = first < 0 ? -1 : trimmed.indexOf('\t', first + 1);
    if (second < 0) {
      throw new IllegalArgumentException("unexpected number of file stats: \"" + trimmed + "\"");
    }
    int third = trimmed.indexOf('\t', second + 1);
    return new double[] {
        Numbers.parseFloat(trimmed, 0, first, "file-nr allocated"),
        Numbers.parseFloat(trimmed, second + 1, third < 0 ? trimmed.length() : third, "file-nr maximum")};
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "filefd";
    }

    @Override
    public String description() {
      return "Allocated and maximum file handles from /proc/sys/fs/file-nr (node_filefd_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new FilefdCollector(context.hostPaths().proc("sys", "fs", "file-nr"));
    }
  }
}
