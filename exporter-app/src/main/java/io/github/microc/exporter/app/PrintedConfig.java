package io.github.microc.exporter.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.github.microc.exporter.core.spi.Redaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The configuration as {@code --print-config} shows it: HOCON, each value under a comment that
 * says where it comes from, and no secret. A string under a key that names a secret
 * ({@code password}, {@code token}, {@code api-key}, {@code authorization}...) is shown as
 * {@value Redaction#MASK}; a URL anywhere is shown without its user information and with
 * sensitive query parameters masked ({@link Redaction#url}). The output is for reading and
 * for bug reports, not to be fed back: the file it came from still has the values.
 */
final class PrintedConfig {

  /** Words of a key (split at '-', '_' and '.') that say its value is a secret. */
  private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "secret",
      "token", "credential", "credentials", "authorization", "apikey", "passphrase");

  private PrintedConfig() {}

  static String render(Config config) {
    ConfigObject root = (ConfigObject) redact("", config.root());
    return root.render(ConfigRenderOptions.defaults()
        .setJson(false)
        .setOriginComments(true)
        .setComments(true)
        .setFormatted(true));
  }

  /** {@code value} as it may be shown, {@code key} being the name it is set under. */
  static ConfigValue redact(String key, ConfigValue value) {
    if (value instanceof ConfigObject object) {
      ConfigObject out = object;
      for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
        ConfigValue shown = redact(e.getKey(), e.getValue());
        if (shown != e.getValue()) {
          out = out.withValue(e.getKey(), shown);
        }
      }
      return out;
    }
    if (value instanceof ConfigList list) {
      List<ConfigValue> items = new ArrayList<>(list.size());
      boolean changed = false;
      for (ConfigValue item : list) {
        ConfigValue shown = redact(key, item);
        changed |= shown != item;
        items.add(shown);
      }
      return changed ? ConfigValueFactory.fromIterable(items).withOrigin(list.origin()) : list;
    }
    if (value.valueType() != ConfigValueType.STRING) {
      return value;
    }
    String text = (String) value.unwrapped();
    String shown = secretKey(key) && !text.isEmpty() ? Redaction.MASK : Redaction.url(text);
    return shown.equals(text) ? value
        : ConfigValueFactory.fromAnyRef(shown).withOrigin(value.origin());
  }

  /** Whether a value set under {@code key} is a secret: see {@link #SECRET_WORDS}, or a key ending in "key". */
  static boolean secretKey(String key) {
    String[] words = key.toLowerCase(Locale.ROOT).split("[-_.]");
    for (String word : words) {
      if (SECRET_WORDS.contains(word)) {
        return true;
      }
    }
    return words.length > 0 && words[words.length - 1].equals("key");
  }
}
