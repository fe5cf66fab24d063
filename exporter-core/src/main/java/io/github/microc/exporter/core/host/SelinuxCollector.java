package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Whether SELinux is enabled, and its configured and current enforcement modes, as node_exporter
 * 1.5's selinux collector (through go-selinux) tells them:
 *
 * <pre>
 * node_selinux_enabled 1
 * node_selinux_config_mode 1
 * node_selinux_current_mode 0
 * </pre>
 *
 * <p>SELinux is enabled when {@code <sys>/fs/selinux} is a writable selinuxfs and the
 * exporter's own label ({@code <proc>/thread-self/attr/current}) is not {@code kernel}; that is
 * found out once, as go-selinux does. The modes are 1 enforcing, 0 permissive, -1 disabled: the
 * configured one from {@code SELINUX=} of {@code <rootfs>/etc/selinux/config}, the current one
 * from selinuxfs's {@code enforce}, both read on each scrape. When SELinux is off, only
 * {@code node_selinux_enabled 0}. Thread-safe.
 */
public final class SelinuxCollector implements MultiCollector, AutoCloseable {

  private final Path selinuxfs;
  private final Path label;
  private final Path config;
  private final Predicate<Path> isSelinuxfs;
  private final PseudoFile enforce;
  private volatile Boolean enabled;

  /**
   * @param selinuxfs where selinuxfs is mounted when SELinux is on ({@code <sys>/fs/selinux})
   * @param label the exporter's own SELinux label ({@code <proc>/thread-self/attr/current})
   * @param config the SELinux configuration ({@code <rootfs>/etc/selinux/config})
   * @param isSelinuxfs whether a path is a writable selinuxfs mount
   */
  SelinuxCollector(Path selinuxfs, Path label, Path config, Predicate<Path> isSelinuxfs) {
    this.selinuxfs = selinuxfs;
    this.label = label;
    this.config = config;
    this.isSelinuxfs = isSelinuxfs;
    this.enforce = new PseudoFile(selinuxfs.resolve("enforce"));
  }

  @Override
  public MetricSnapshots collect() {
    if (!enabled()) {
      return MetricSnapshots.of(MetricFamily.gauge("node_selinux_enabled",
          "SELinux is enabled, 1 is true, 0 is false", 0));
    }
    return MetricSnapshots.of(
        MetricFamily.gauge("node_selinux_enabled", "SELinux is enabled, 1 is true, 0 is false", 1),
        MetricFamily.gauge("node_selinux_config_mode", "Configured SELinux enforcement mode",
            configMode(readOrNull(config))),
        MetricFamily.gauge("node_selinux_current_mode", "Current SELinux enforcement mode",
            currentMode(readOrNull(enforce))));
  }

  private boolean enabled() {
    Boolean known = enabled;
    if (known == null) {
      String own = readOrNull(label);
      known = isSelinuxfs.test(selinuxfs) && !"kernel".equals(own == null ? "" : stripNul(own));
      enabled = known;
    }
    return known;
  }

  /**
   * go-selinux's configured mode: the first {@code SELINUX=} line (blanks around the line
   * stripped, {@code #} and {@code ;} comments skipped, quotes around the value trimmed) is
   * {@code enforcing} (1) or {@code permissive} (0); anything else, or no file, is -1.
   */
  static int configMode(String text) {
    if (text == null) {
      return -1;
    }
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (line.isEmpty() || line.charAt(0) == ';' || line.charAt(0) == '#') {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0 || !line.substring(0, eq).equals("SELINUX")) {
        continue;
      }
      String value = trimQuotes(line.substring(eq + 1));
      return value.equals("enforcing") ? 1 : value.equals("permissive") ? 0 : -1;
    }
    return -1;
  }

  /** go-selinux's current mode: the enforce file's integer as it is (no blanks), else -1. */
  static long currentMode(String text) {
    long value = text == null ? PseudoFiles.NOT_A_NUMBER : Sysfs.parseDecimal(text, false);
    return value == PseudoFiles.NOT_A_NUMBER ? -1 : value;
  }

  private static String trimQuotes(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && value.charAt(start) == '"') {
      start++;
    }
    while (end > start && value.charAt(end - 1) == '"') {
      end--;
    }
    return value.substring(start, end);
  }

  private static String stripNul(String label) {
    return label.endsWith("\0") ? label.substring(0, label.length() - 1) : label;
  }

  private static String readOrNull(Path file) {
    try {
      return HostFiles.read(file);
    } catch (IOException e) {
      return null;
    }
  }

  private static String readOrNull(PseudoFile file) {
    try {
      return file.read(StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** Whether {@code path} is a mount of selinuxfs that is not read-only, as go-selinux checks. */
  static boolean writableSelinuxfs(Path path) {
    try {
      FileStore store = Files.getFileStore(path);
      return store.type().equals("selinuxfs") && !store.isReadOnly();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    enforce.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "selinux";
    }

    @Override
    public String description() {
      return "Whether SELinux is enabled and its enforcement modes (node_selinux_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new SelinuxCollector(context.hostPaths().sys("fs", "selinux"),
          context.hostPaths().proc("thread-self", "attr", "current"),
          context.hostPaths().rootfs("/etc/selinux/config"), SelinuxCollector::writableSelinuxfs);
    }
  }
}
