package io.github.microc.exporter.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.github.microc.exporter.core.spi.ConfigError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what the user set against the reference: every key under {@code microc} must exist
 * in some {@code reference.conf} (or be one of the engine's per-collector keys), every
 * collector block must name a loaded plugin, and values must have the reference's type. An
 * empty object in a reference ({@code headers {}}) is a map: any key, each with a string.
 * All problems are reported together, each with its file and line.
 */
public final class ConfigValidator {

  /** Keys every collector block accepts, whether or not its plugin declares them. */
  public static final Set<String> COLLECTOR_KEYS = Set.of("enabled", "timeout", "min-interval",
      "max-series", "max-threads");

  private ConfigValidator() {}

  /**
   * @param layers the configuration as read
   * @param collectorNames the names of the loaded plugins
   * @throws ConfigError naming every problem
   */
  public static void validate(ConfigLoader.Layers layers, Set<String> collectorNames) {
    List<String> problems = new ArrayList<>();
    ConfigObject user = layers.user().root();
    ConfigObject reference = layers.reference().root();
    ConfigValue microc = user.get("microc");
    if (microc != null) {
      ConfigValue microcReference = reference.get("microc");
      if (!(microc instanceof ConfigObject userObject)) {
        problems.add(ConfigError.where(microc.origin()) + "microc: must be an object");
      } else if (microcReference instanceof ConfigObject referenceObject) {
        checkMicroc(userObject, referenceObject, collectorNames, problems);
      }
    }
    if (!problems.isEmpty()) {
      throw ConfigLoader.Layers.problems(problems);
    }
  }

  /**
   * The problems of a value read from a list, such as one of {@code microc.push.remote-write},
   * checked as a key would be against {@code reference}, each as {@code file:line: path: problem}.
   *
   * @param path the value's full path as errors name it, {@code microc.push.remote-write[0]}
   */
  public static List<String> check(String path, ConfigValue value, ConfigValue reference) {
    List<String> problems = new ArrayList<>();
    checkAgainst(path, value, reference, Set.of(), problems);
    return problems;
  }

  /** Several problems as one error, one problem a line. */
  public static ConfigError error(List<String> problems) {
    return ConfigLoader.Layers.problems(problems);
  }

  private static void checkMicroc(ConfigObject user, ConfigObject reference,
      Set<String> collectorNames, List<String> problems) {
    for (Map.Entry<String, ConfigValue> entry : user.entrySet()) {
      String key = entry.getKey();
      String path = "microc." + key;
      if (key.equals("collectors")) {
        checkCollectors(entry.getValue(), (ConfigObject) reference.get("collectors"),
            collectorNames, problems);
      } else {
        checkAgainst(path, entry.getValue(), reference.get(key), reference.keySet(), problems);
      }
    }
  }

  private static void checkCollectors(ConfigValue value, ConfigObject reference,
      Set<String> collectorNames, List<String> problems) {
    if (!(value instanceof ConfigObject collectors)) {
      problems.add(ConfigError.where(value.origin()) + "microc.collectors: must be an object");
      return;
    }
    for (Map.Entry<String, ConfigValue> entry : collectors.entrySet()) {
      String name = entry.getKey();
      String path = "microc.collectors." + name;
      if (!collectorNames.contains(name)) {
        problems.add(ConfigError.where(entry.getValue().origin()) + path + ": unknown collector"
            + suggestion(name, collectorNames) + " (collectors: "
            + String.join(", ", new TreeSet<>(collectorNames)) + ")");
        continue;
      }
      if (!(entry.getValue() instanceof ConfigObject block)) {
        problems.add(ConfigError.where(entry.getValue().origin()) + path + ": must be an object");
        continue;
      }
      ConfigObject declared = reference == null ? null
          : reference.get(name) instanceof ConfigObject o ? o : null;
      Set<String> known = new TreeSet<>(COLLECTOR_KEYS);
      if (declared != null) {
        known.addAll(declared.keySet());
      }
      for (Map.Entry<String, ConfigValue> key : block.entrySet()) {
        String keyPath = path + "." + key.getKey();
        ConfigValue expected = declared == null ? null : declared.get(key.getKey());
        if (expected == null && COLLECTOR_KEYS.contains(key.getKey())) {
          checkCollectorKey(keyPath, key.getKey(), key.getValue(), problems);
          continue;
        }
        checkAgainst(keyPath, key.getValue(), expected, known, problems);
      }
    }
  }

  private static void checkCollectorKey(String path, String key, ConfigValue value,
      List<String> problems) {
    ConfigValueType expected = switch (key) {
      case "enabled" -> ConfigValueType.BOOLEAN;
      case "max-series", "max-threads" -> ConfigValueType.NUMBER;
      default -> ConfigValueType.STRING;
    };
    if (!compatible(expected, value)) {
      problems.add(wrongType(path, value, expected));
    }
  }

  private static void checkAgainst(String path, ConfigValue value, ConfigValue reference,
      Set<String> siblings, List<String> problems) {
    if (reference == null) {
      String name = path.substring(path.lastIndexOf('.') + 1);
      problems.add(ConfigError.where(value.origin()) + path + ": unknown key"
          + suggestion(name, siblings) + " (known: " + String.join(", ", new TreeSet<>(siblings)) + ")");
      return;
    }
    if (reference.valueType() == ConfigValueType.OBJECT) {
      if (!(value instanceof ConfigObject object)) {
        problems.add(wrongType(path, value, ConfigValueType.OBJECT));
        return;
      }
      ConfigObject referenceObject = (ConfigObject) reference;
      if (referenceObject.isEmpty()) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
          if (!compatible(ConfigValueType.STRING, entry.getValue())) {
            problems.add(wrongType(path + "." + entry.getKey(), entry.getValue(),
                ConfigValueType.STRING));
          }
        }
        return;
      }
      for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
        checkAgainst(path + "." + entry.getKey(), entry.getValue(),
            referenceObject.get(entry.getKey()), referenceObject.keySet(), problems);
      }
      return;
    }
    if (!compatible(reference.valueType(), value)) {
      problems.add(wrongType(path, value, reference.valueType()));
    }
  }

  /** Whether a user value can be read as the reference's type, as Typesafe Config would. */
  private static boolean compatible(ConfigValueType expected, ConfigValue value) {
    ConfigValueType actual = value.valueType();
    if (expected == ConfigValueType.NULL || actual == expected) {
      return true;
    }
    Object raw = value.unwrapped();
    return switch (expected) {
      case STRING -> actual == ConfigValueType.NUMBER || actual == ConfigValueType.BOOLEAN;
      case BOOLEAN -> actual == ConfigValueType.STRING && isBoolean(raw.toString());
      case NUMBER -> actual == ConfigValueType.STRING && isNumber(raw.toString());
      case LIST -> false;
      case OBJECT -> false;
      default -> false;
    };
  }

  private static boolean isBoolean(String s) {
    return Set.of("true", "false", "yes", "no", "on", "off").contains(s.toLowerCase(Locale.ROOT));
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String wrongType(String path, ConfigValue value, ConfigValueType expected) {
    String shown = value instanceof ConfigObject || value instanceof ConfigList
        ? value.valueType().name().toLowerCase(Locale.ROOT)
        : value.valueType().name().toLowerCase(Locale.ROOT) + " " + value.render();
    return ConfigError.where(value.origin()) + path + ": expected "
        + expected.name().toLowerCase(Locale.ROOT) + ", got " + shown;
  }

  private static String suggestion(String name, Set<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, name.length() / 4)
        ? " (did you mean \"" + best + "\"?)"
        : "";
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
