package io.github.microc.exporter.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.github.microc.exporter.core.spi.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds Microc's configuration from its layers, highest priority first: overrides (command
 * line flags), environment variables, the configuration file, and the {@code reference.conf}
 * of every jar.
 *
 * <p>Environment variables map to keys as Typesafe Config's {@code CONFIG_FORCE_} variables
 * do, under the prefix {@code MICROC_}: {@code _} is a dot, {@code __} a dash and {@code ___}
 * an underscore, so {@code MICROC_COLLECTORS_FILESYSTEM_MOUNT__POINTS__EXCLUDE} sets
 * {@code microc.collectors.filesystem.mount-points-exclude}. Only variables whose first part
 * names a top-level key of {@code microc} in the reference are read, so that
 * {@code MICROC_OPTS} and the like are left alone.
 */
public final class ConfigLoader {

  /** The prefix of environment variables that set configuration keys. */
  public static final String ENV_PREFIX = "MICROC_";

  private Path file;
  private Config base = ConfigFactory.empty();
  private Map<String, String> environment = Map.of();
  private final Map<String, ConfigValue> overrides = new LinkedHashMap<>();
  private final Set<ClassLoader> referenceLoaders = new LinkedHashSet<>();

  public ConfigLoader() {
    referenceLoaders.add(ConfigLoader.class.getClassLoader());
  }

  /** The configuration file (HOCON, JSON or properties); it must exist. */
  public ConfigLoader file(Path file) {
    this.file = file;
    return this;
  }

  /**
   * An application's configuration, used below the file: an embedding application passes
   * its own {@code ConfigFactory.load()} here.
   */
  public ConfigLoader base(Config base) {
    this.base = Objects.requireNonNull(base, "base");
    return this;
  }

  /** The process environment ({@code System.getenv()}) or a test's. */
  public ConfigLoader environment(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
    return this;
  }

  /**
   * A value above every other layer.
   *
   * @param path the full key, such as {@code microc.collectors.cpu.enabled}
   * @param origin where it came from, such as {@code flag --no-collector.cpu}
   */
  public ConfigLoader override(String path, Object value, String origin) {
    overrides.put(path, ConfigValueFactory.fromAnyRef(value, origin));
    return this;
  }

  /** Also read the {@code reference.conf} files this class loader sees (a plugin jar's). */
  public ConfigLoader referenceFrom(ClassLoader loader) {
    referenceLoaders.add(loader);
    return this;
  }

  /** Also read the {@code reference.conf} files of these class loaders. */
  public ConfigLoader referenceFrom(Collection<ClassLoader> loaders) {
    referenceLoaders.addAll(loaders);
    return this;
  }

  /**
   * Reads the layers. Syntax errors, a missing file and unresolvable substitutions are
   * reported as {@link ConfigError}; keys are checked later against the reference and the
   * plugins.
   */
  public Layers load() {
    Config reference = ConfigFactory.empty();
    for (ClassLoader loader : referenceLoaders) {
      reference = reference.withFallback(parseReference(loader));
    }
    Config fileLayer = ConfigFactory.empty();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigError(file + ": configuration file not found");
      }
      try {
        fileLayer = ConfigFactory.parseFile(file.toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigError(e.getMessage(), e);
      }
    }
    Config user = overrideLayer()
        .withFallback(environmentLayer(reference))
        .withFallback(fileLayer)
        .withFallback(base.hasPath("microc") ? base.withOnlyPath("microc") : ConfigFactory.empty());
    Config merged;
    try {
      merged = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new ConfigError(e.getMessage(), e);
    }
    return new Layers(user, reference, merged);
  }

  private static Config parseReference(ClassLoader loader) {
    try {
      return ConfigFactory.parseResourcesAnySyntax(loader, "reference.conf");
    } catch (ConfigException e) {
      throw new ConfigError("reference.conf: " + e.getMessage(), e);
    }
  }

  private Config overrideLayer() {
    Config layer = ConfigFactory.empty();
    for (Map.Entry<String, ConfigValue> entry : overrides.entrySet()) {
      layer = layer.withValue(entry.getKey(), entry.getValue());
    }
    return layer;
  }

  private Config environmentLayer(Config reference) {
    Set<String> roots = reference.hasPath("microc")
        ? reference.getConfig("microc").root().keySet()
        : Set.of();
    Config layer = ConfigFactory.empty();
    for (Map.Entry<String, String> entry : new TreeMap<>(environment).entrySet()) {
      String name = entry.getKey();
      if (!name.startsWith(ENV_PREFIX)) {
        continue;
      }
      String path = "microc." + envToPath(name.substring(ENV_PREFIX.length()));
      String root = path.substring("microc.".length()).split("\\.", 2)[0];
      if (!roots.contains(root)) {
        continue;
      }
      layer = layer.withValue(path, envValue(name, entry.getValue()));
    }
    return layer;
  }

  /** {@code COLLECTORS_HTTP___PROBE_MIN__INTERVAL} to {@code collectors.http_probe.min-interval}. */
  static String envToPath(String name) {
    return name.toLowerCase(Locale.ROOT)
        .replace("___", "\u0000")
        .replace("__", "-")
        .replace('_', '.')
        .replace('\u0000', '_');
  }

  private static ConfigValue envValue(String name, String raw) {
    return value(raw, "environment variable " + name);
  }

  /**
   * A value given as text outside a configuration file (an environment variable, a command-line
   * flag): a string, or a list when written as {@code [a, b]}.
   *
   * @param origin where it comes from, as errors and {@code --print-config} name it
   * @throws ConfigError naming {@code origin} when a list is not valid
   */
  public static ConfigValue value(String raw, String origin) {
    String trimmed = raw.trim();
    if (trimmed.startsWith("[")) {
      try {
        return ConfigFactory.parseString("v = " + trimmed,
                ConfigParseOptions.defaults().setOriginDescription(origin))
            .getValue("v");
      } catch (ConfigException e) {
        throw new ConfigError(origin + ": not a valid list: " + e.getMessage(), e);
      }
    }
    return ConfigValueFactory.fromAnyRef(raw, origin);
  }

  /**
   * The configuration as read.
   *
   * @param user what the file, the environment and the overrides set
   * @param reference the defaults from every {@code reference.conf}
   * @param merged both, resolved
   */
  public record Layers(Config user, Config reference, Config merged) {

    /** Problems found by {@link ConfigValidator}, joined into one error. */
    static ConfigError problems(List<String> problems) {
      List<String> lines = new ArrayList<>(problems);
      return new ConfigError(lines.size() == 1
          ? lines.get(0)
          : lines.size() + " configuration problems:\n  " + String.join("\n  ", lines));
    }
  }
}
