package io.github.microc.exporter.core.spi;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A plugin's configuration block with typed getters whose errors name the full key and where
 * the value came from. Keys are relative to the block: {@code getRegex("mount-points-exclude")}
 * reads {@code microc.collectors.filesystem.mount-points-exclude}.
 *
 * <p>Read every value in {@link CollectorPlugin#create} into an immutable settings object; a
 * {@link ConfigError} thrown there stops the start-up with its message.
 */
public final class PluginConfig {

  private final String path;
  private final Config config;

  /**
   * @param path the block's full path, such as {@code microc.collectors.filesystem}
   * @param config the block's content
   */
  public PluginConfig(String path, Config config) {
    this.path = path;
    this.config = config;
  }

  /** The block's full path, such as {@code microc.collectors.filesystem}. */
  public String path() {
    return path;
  }

  /** The Typesafe Config block, for what the typed getters do not cover. */
  public Config raw() {
    return config;
  }

  public boolean hasPath(String key) {
    return config.hasPath(key);
  }

  public boolean getBoolean(String key) {
    return read(key, config::getBoolean);
  }

  public int getInt(String key) {
    return read(key, config::getInt);
  }

  public long getLong(String key) {
    return read(key, config::getLong);
  }

  public double getDouble(String key) {
    return read(key, config::getDouble);
  }

  public String getString(String key) {
    return read(key, config::getString);
  }

  public List<String> getStringList(String key) {
    return List.copyOf(read(key, config::getStringList));
  }

  public Duration getDuration(String key) {
    return read(key, config::getDuration);
  }

  /** A non-negative duration. */
  public Duration getNonNegativeDuration(String key) {
    Duration value = getDuration(key);
    if (value.isNegative()) {
      throw error(key, "must not be negative, got " + config.getValue(key).unwrapped());
    }
    return value;
  }

  /** A positive duration. */
  public Duration getPositiveDuration(String key) {
    Duration value = getDuration(key);
    if (value.isNegative() || value.isZero()) {
      throw error(key, "must be positive, got " + config.getValue(key).unwrapped());
    }
    return value;
  }

  /**
   * A regular expression. Like node_exporter's flags, callers match it anywhere in a value
   * ({@code find()}); anchor it with {@code ^...$} to match whole values.
   */
  public Pattern getRegex(String key) {
    String regex = getString(key);
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw error(key, "not a valid regex: " + e.getDescription() + " near index " + e.getIndex()
          + " in \"" + regex + "\"");
    }
  }

  /** One of the given values, compared without regard to case. */
  public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
    String value = getString(key);
    for (E constant : type.getEnumConstants()) {
      if (constant.name().replace('_', '-').equalsIgnoreCase(value)
          || constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      allowed.append(allowed.length() == 0 ? "" : ", ")
          .append(constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    throw error(key, "must be one of " + allowed + ", got \"" + value + "\"");
  }

  /** An error about the value at {@code key}, naming its origin and full path. */
  public ConfigError error(String key, String problem) {
    ConfigOrigin origin = config.hasPathOrNull(key) ? config.getValue(key).origin() : config.origin();
    return ConfigError.at(origin, fullPath(key), problem);
  }

  /** The origin of the value at {@code key}: file and line, variable or flag. */
  public ConfigOrigin origin(String key) {
    ConfigValue value = config.getValue(key);
    return value.origin();
  }

  private String fullPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private <T> T read(String key, Function<String, T> getter) {
    try {
      return getter.apply(key);
    } catch (ConfigException.Missing e) {
      throw ConfigError.at(config.origin(), fullPath(key), "missing");
    } catch (ConfigException.WrongType e) {
      throw error(key, "wrong type: " + describe(e));
    } catch (ConfigException.BadValue e) {
      throw error(key, "bad value: " + describe(e));
    }
  }

  /** Typesafe's message without its own origin prefix, which the error repeats. */
  private static String describe(ConfigException e) {
    String message = e.getMessage();
    int at = message.indexOf(" has type ");
    if (at >= 0) {
      return message.substring(at + 1);
    }
    at = message.lastIndexOf("': ");
    return at >= 0 ? message.substring(at + 3) : message;
  }
}
