package io.github.microc.exporter.core.host;

import com.sun.jna.Platform;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/** What the host collectors share: reading small kernel files and filtering device names. */
final class HostFiles {

  private HostFiles() {}

  /** Whether the collectors read procfs and sysfs themselves, or ask OSHI. */
  static boolean linux() {
    return Platform.isLinux();
  }

  /**
   * A file's whole content. Kernel files report a size of 0, so this reads to the end; bytes
   * that are not UTF-8 (a mount point may contain any) are replaced rather than failing.
   */
  static String read(Path file) throws IOException {
    return PseudoFiles.read(file, StandardCharsets.UTF_8);
  }

  /**
   * A file kept open, read (one {@code pread}) and parsed: what the collectors do on each
   * scrape. A file that cannot be read fails the collection with its path.
   */
  static <T> T parse(PseudoFile file, Function<String, T> parser) {
    try {
      return parser.apply(file.read(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * A file kept open, read (one {@code pread}), or {@code null} when it does not exist (a source
   * a kernel may lack, such as {@code /proc/net/snmp6} without IPv6). Another failure to read it
   * fails the collection with its path.
   */
  static String readIfExists(PseudoFile file) {
    try {
      return file.read(StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * A file kept open that a source must have: missing is node_exporter's "no data", another
   * failure to read it fails the collection with its path.
   */
  static String readRequired(PseudoFile file) {
    try {
      return file.read(StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NoDataException("no " + file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Lets go of what a collector keeps for the devices (or files) a scrape no longer found: each
   * entry of {@code kept} whose key is not in {@code found} is closed and removed.
   */
  static <K, V> void closeGone(Map<K, V> kept, Collection<K> found, Consumer<? super V> close) {
    kept.entrySet().removeIf(e -> {
      if (found.contains(e.getKey())) {
        return false;
      }
      close.accept(e.getValue());
      return true;
    });
  }

  /** A file's content without surrounding whitespace, or {@code null} when it cannot be read. */
  static String readTrimmedOrNull(Path file) {
    try {
      return read(file).strip();
    } catch (IOException e) {
      return null;
    }
  }

  /** The same for a file kept open. */
  static String readTrimmedOrNull(PseudoFile file) {
    try {
      return file.read(StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return null;
    }
  }

  /** The whitespace-separated fields of a line, without empty ones. */
  static String[] fields(String line) {
    // By hand rather than with a regex: the collectors split every line of every file.
    List<String> fields = new ArrayList<>();
    int n = line.length();
    for (int i = 0; i < n; i++) {
      if (!Character.isWhitespace(line.charAt(i))) {
        int start = i;
        while (i < n && !Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        fields.add(line.substring(start, i));
      }
    }
    return fields.toArray(new String[0]);
  }

  /** A number, or {@code NaN} when the text is not one. */
  static double number(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /**
   * node_exporter's device filter: a device is ignored when it matches {@code exclude}, or when
   * {@code include} is set and it does not match. Like Go's {@code MatchString}, a pattern
   * matches anywhere in the name unless anchored.
   *
   * @param include may be null
   * @param exclude may be null
   */
  record DeviceFilter(Pattern include, Pattern exclude) {

    static final DeviceFilter NONE = new DeviceFilter(null, null);

    /** Reads two mutually exclusive regex keys; an empty string means not set. */
    static DeviceFilter from(PluginConfig config, String includeKey, String excludeKey) {
      Pattern include = optionalRegex(config, includeKey);
      Pattern exclude = optionalRegex(config, excludeKey);
      if (include != null && exclude != null) {
        throw config.error(includeKey, "cannot be set together with " + excludeKey
            + " (they are mutually exclusive); set one of them to \"\"");
      }
      return new DeviceFilter(include, exclude);
    }

    static Pattern optionalRegex(PluginConfig config, String key) {
      if (!config.hasPath(key) || config.getString(key).isEmpty()) {
        return null;
      }
      return config.getRegex(key);
    }

    boolean ignored(String device) {
      if (exclude != null && exclude.matcher(device).find()) {
        return true;
      }
      return include != null && !include.matcher(device).find();
    }
  }
}
