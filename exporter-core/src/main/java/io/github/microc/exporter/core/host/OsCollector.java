package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import oshi.software.os.OperatingSystem;

/**
 * The operating system, from the host's {@code /etc/os-release} (or
 * {@code /usr/lib/os-release}) under the configured root file system, as node_exporter 1.5's
 * os collector.
 *
 * <pre>
 * node_os_info{build_id="",id="debian",id_like="",image_id="",image_version="",name="Debian GNU/Linux",pretty_name="Debian GNU/Linux 12 (bookworm)",variant="",variant_id="",version="12 (bookworm)",version_codename="bookworm",version_id="12"} 1
 * node_os_version{id="debian",id_like="",name="Debian GNU/Linux"} 12
 * </pre>
 *
 * <p>{@code node_os_version} is the leading {@code major.minor} of {@code VERSION_ID} and is
 * left out when there is none (a rolling release). Where there is no os-release (macOS,
 * Windows), OSHI's family, version and build number fill name, version, version_id and
 * build_id, as node_exporter does from macOS's {@code SystemVersion.plist}. As node_exporter
 * does, the file is parsed again only when its modification time changes. Thread-safe.
 */
public final class OsCollector implements MultiCollector {

  /** The labels of node_os_info with their os-release keys, in node_exporter's order. */
  private static final String[] LABELS = {"build_id", "id", "id_like", "image_id",
      "image_version", "name", "pretty_name", "variant", "variant_id", "version",
      "version_codename", "version_id"};
  private static final Pattern VERSION = Pattern.compile("^[0-9]+\\.?[0-9]*");
  private static final Pattern LINE = Pattern.compile("^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$");

  /** The families made from one os-release file as last modified. */
  private record Parsed(Path file, FileTime modified, MetricSnapshots snapshots) {}

  private final List<Path> files;
  private final OperatingSystem fallback;
  private volatile Parsed parsed;

  /**
   * Reads the first of {@code <rootfs>/etc/os-release} and {@code <rootfs>/usr/lib/os-release};
   * without either, asks {@code fallback} (may be null: then it is an error).
   */
  OsCollector(HostPaths paths, OperatingSystem fallback) {
    this.files = List.of(paths.rootfs("/etc/os-release"), paths.rootfs("/usr/lib/os-release"));
    this.fallback = fallback;
  }

  @Override
  public MetricSnapshots collect() {
    IOException last = null;
    for (Path file : files) {
      FileTime modified;
      try {
        modified = Files.getLastModifiedTime(file);
      } catch (NoSuchFileException e) {
        last = e;
        continue;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      Parsed known = parsed;
      if (known != null && known.file().equals(file) && known.modified().equals(modified)) {
        return known.snapshots();
      }
      try {
        MetricSnapshots snapshots = families(parseOsRelease(HostFiles.read(file)));
        parsed = new Parsed(file, modified, snapshots);
        return snapshots;
      } catch (NoSuchFileException e) {
        last = e;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    if (fallback != null) {
      return families(fromOshi(fallback));
    }
    throw new UncheckedIOException("no os-release file: " + files, last);
  }

  private static MetricSnapshots families(Map<String, String> release) {
    MetricFamily info = MetricFamily.info("node_os_info", "A metric with a constant '1' value "
        + "labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, "
        + "variant_id, version, version_codename, version_id.", LABELS);
    String[] values = new String[LABELS.length];
    for (int i = 0; i < LABELS.length; i++) {
      values[i] = release.getOrDefault(LABELS[i].toUpperCase(Locale.ROOT), "");
    }
    info.addInfo(values);
    double version = parseVersion(release.getOrDefault("VERSION_ID", ""));
    if (version <= 0) {
      return MetricSnapshots.of(info.build());
    }
    return MetricSnapshots.of(info.build(), MetricFamily.gauge("node_os_version",
            "Metric containing the major.minor part of the OS version.", "id", "id_like", "name")
        .add(version, release.getOrDefault("ID", ""), release.getOrDefault("ID_LIKE", ""),
            release.getOrDefault("NAME", ""))
        .build());
  }

  /** What node_exporter reads from macOS's SystemVersion.plist, as OSHI has it. */
  static Map<String, String> fromOshi(OperatingSystem os) {
    OperatingSystem.OSVersionInfo version = os.getVersionInfo();
    Map<String, String> values = new HashMap<>();
    values.put("NAME", os.getFamily());
    values.put("VERSION", version.getVersion());
    values.put("VERSION_ID", version.getVersion());
    values.put("BUILD_ID", version.getBuildNumber());
    values.values().removeIf(Objects::isNull);
    return values;
  }

  /** {@code VERSION_ID}'s leading {@code major.minor} as a number: 22.04 for "22.04.3"; 0 if none. */
  static double parseVersion(String versionId) {
    Matcher m = VERSION.matcher(versionId);
    return m.find() && !m.group().isEmpty() ? Double.parseDouble(m.group()) : 0;
  }

  /**
   * The assignments of an os-release file, in its shell-like syntax: {@code KEY=value},
   * {@code KEY="value"} with backslash escapes, {@code KEY='value'} taken literally; comments,
   * blank and malformed lines are skipped. A later assignment wins.
   */
  static Map<String, String> parseOsRelease(String text) {
    Map<String, String> values = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (line.strip().startsWith("#") || !m.matches()) {
        continue;
      }
      String value = unquote(m.group(2).strip());
      if (value != null) {
        values.put(m.group(1), value);
      }
    }
    return values;
  }

  /** A shell word: quoted or not; null when a quote is not closed. */
  private static String unquote(String raw) {
    StringBuilder out = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          out.append(c);
        }
      } else if (c == '\\' && i + 1 < raw.length()) {
        char next = raw.charAt(++i);
        if (quote == '"' && "\"\\$`".indexOf(next) < 0) {
          out.append(c); // inside double quotes only these are escapes
        }
        out.append(next);
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else {
          out.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '#' && (i == 0 || Character.isWhitespace(raw.charAt(i - 1)))) {
        break; // a comment after an unquoted value
      } else {
        out.append(c);
      }
    }
    return quote == 0 ? out.toString().strip() : null;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "os";
    }

    @Override
    public String description() {
      return "The operating system's name and version from os-release (node_os_info).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new OsCollector(context.hostPaths(),
          HostFiles.linux() ? null : context.system().getOperatingSystem());
    }
  }
}
