package io.github.microc.exporter.app;

import io.github.microc.exporter.core.config.ConfigLoader;
import io.github.microc.exporter.core.spi.ConfigError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags named after collectors, which picocli cannot declare because the collectors are
 * known only once the plugins are found:
 *
 * <pre>
 * --collector.cpu                  enables cpu
 * --no-collector.cpu               disables it
 * --collector.cpu=false            the same
 * --collector.filesystem.mount-points-exclude=^/snap/   sets one key of the collector
 * --collector.cpu.info             a key whose default is a boolean: true, as node_exporter's
 * --no-collector.cpu.info          boolean flags are; false
 * --collector.bcache.priorityStats       a camelCase key is the kebab-case one (priority-stats)
 * </pre>
 *
 * <p>Each becomes a configuration key set by the flag, so that a bad value is reported with
 * the flag as its origin. A list value is written as in HOCON: {@code [a, b]}.
 */
final class CollectorFlags {

  private static final Pattern FLAG =
      Pattern.compile("--(no-)?collector\\.([a-z][a-z0-9_]*)(?:\\.([A-Za-z0-9_.-]+))?(?:=(.*))?",
          Pattern.DOTALL);

  private CollectorFlags() {}

  /** A configuration key, its value, and the flag that set it. */
  record Setting(String path, Object value, String origin) {}

  /**
   * Turns the arguments picocli did not recognise into settings.
   *
   * @param collectors the names of the plugins found
   * @throws UsageError for any other argument, or a collector that does not exist
   */
  static List<Setting> parse(List<String> unmatched, Collection<String> collectors) {
    return parse(unmatched, collectors, path -> false);
  }

  /**
   * @param booleanKey whether a key (its full path) takes true or false, so that its flag may
   *     stand alone or with {@code --no-}
   */
  static List<Setting> parse(List<String> unmatched, Collection<String> collectors,
      Predicate<String> booleanKey) {
    Set<String> names = new TreeSet<>(collectors);
    List<Setting> settings = new ArrayList<>();
    for (int i = 0; i < unmatched.size(); i++) {
      String arg = unmatched.get(i);
      Matcher m = FLAG.matcher(arg);
      if (!m.matches()) {
        throw new UsageError(arg.startsWith("-")
            ? "unknown flag " + flagName(arg) + " (see --help)"
            : "unexpected argument \"" + arg + "\" (see --help)");
      }
      boolean negated = m.group(1) != null;
      String name = m.group(2);
      String key = m.group(3) == null ? null : kebab(m.group(3));
      String value = m.group(4);
      String flag = flagName(arg);
      if (!names.contains(name)) {
        throw new UsageError("unknown flag " + flag + ": there is no collector \"" + name
            + "\" (collectors: " + String.join(", ", names) + ")");
      }
      String block = "microc.collectors." + name;
      String origin = "flag " + flag;
      if (key == null) {
        settings.add(new Setting(block + ".enabled", enabled(flag, negated, value), origin));
        continue;
      }
      String path = block + "." + key;
      if (booleanKey.test(path)) {
        settings.add(new Setting(path, enabled(flag, negated, value), origin));
        continue;
      }
      if (negated) {
        throw new UsageError("unknown flag " + flag + ": --no- applies to a collector or a"
            + " true-or-false key, not to a key of another kind");
      }
      if (value == null) {
        if (i + 1 >= unmatched.size() || unmatched.get(i + 1).startsWith("--")) {
          throw new UsageError("flag " + flag + " needs a value: " + flag + "=VALUE");
        }
        value = unmatched.get(++i);
      }
      settings.add(new Setting(path, value(flag, value), origin));
    }
    return settings;
  }

  /** A camelCase key of node_exporter's ({@code priorityStats}) as Microc's ({@code priority-stats}). */
  private static String kebab(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static boolean enabled(String flag, boolean negated, String value) {
    if (value == null) {
      return !negated;
    }
    if (negated) {
      throw new UsageError("flag " + flag + " takes no value");
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new UsageError("flag " + flag + ": expected true or false, got \"" + value + "\"");
    };
  }

  /** A string, or a list when written as {@code [a, b]}, as environment variables are read. */
  private static Object value(String flag, String raw) {
    try {
      return ConfigLoader.value(raw, "flag " + flag).unwrapped();
    } catch (ConfigError e) {
      throw new UsageError(e.getMessage());
    }
  }

  private static String flagName(String arg) {
    int eq = arg.indexOf('=');
    return eq < 0 ? arg : arg.substring(0, eq);
  }
}
