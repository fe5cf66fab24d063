package io.github.microc.plugins.example;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The http_probe collector's settings, read once from {@code microc.collectors.http_probe}.
 * Every error names the full key, such as {@code microc.collectors.http_probe.targets[1].url},
 * and the file and line it came from.
 *
 * <p>A target's URL is never shown as it is written: labels, the log and the landing page get
 * it without user information and with the values of sensitive query parameters masked
 * ({@link Redaction#url}), the parameters named by {@code redact-query-parameters}.
 *
 * @param targets the endpoints to probe, in configuration order
 * @param concurrency how many probes run at once
 * @param budget how long one collection may take: the engine's timeout for the collector
 * @param redactQueryParameters a query parameter whose name contains one of these is masked
 */
public record HttpProbeSettings(List<Target> targets, int concurrency, Duration budget,
    List<String> redactQueryParameters) {

  /** A target's status when the configuration does not say. */
  public static final int DEFAULT_EXPECTED_STATUS = 200;
  /** A target's timeout when the configuration does not say. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  private static final Set<String> TARGET_KEYS = Set.of("name", "url", "expected-status", "timeout");

  public HttpProbeSettings {
    targets = List.copyOf(targets);
    redactQueryParameters = List.copyOf(redactQueryParameters);
  }

  /**
   * One endpoint.
   *
   * @param name the {@code target} label
   * @param url an http or https URL, as configured: to be requested, never shown
   * @param shownUrl the URL as it may be shown: no user information, sensitive values masked
   * @param expectedStatus the status that counts as up
   * @param timeout how long the probe waits for the response
   */
  public record Target(String name, URI url, String shownUrl, int expectedStatus,
      Duration timeout) {

    /** {@code text} (an error's message) with any part of the URL that is secret masked. */
    String scrub(String text) {
      String raw = url.toString();
      String out = text.replace(raw, shownUrl);
      String userInfo = url.getRawUserInfo();
      if (userInfo != null && !userInfo.isEmpty()) {
        out = out.replace(userInfo + "@", "").replace(userInfo, Redaction.MASK);
      }
      // Each masked parameter, wherever the text repeats it.
      int q = raw.indexOf('?');
      int s = shownUrl.indexOf('?');
      if (q >= 0 && s >= 0) {
        String[] rawParameters = raw.substring(q + 1).split("[&#]");
        String[] shownParameters = shownUrl.substring(s + 1).split("[&#]");
        for (int i = 0; i < Math.min(rawParameters.length, shownParameters.length); i++) {
          if (!rawParameters[i].equals(shownParameters[i])) {
            out = out.replace(rawParameters[i], shownParameters[i]);
          }
        }
      }
      return out;
    }
  }

  /** Reads and checks the block; the engine has already filled in its {@code timeout}. */
  public static HttpProbeSettings from(PluginConfig config) {
    int concurrency = config.getInt("concurrency");
    if (concurrency < 1) {
      throw config.error("concurrency", "must be at least 1, got " + concurrency);
    }
    Duration budget = config.getPositiveDuration("timeout");
    List<String> redact = config.getStringList("redact-query-parameters");
    if (config.raw().getValue("targets").valueType() != ConfigValueType.LIST) {
      throw config.error("targets", "must be a list of targets");
    }
    List<Target> targets = new ArrayList<>();
    Map<String, String> labels = new HashMap<>();
    List<? extends ConfigValue> values = config.raw().getList("targets");
    for (int i = 0; i < values.size(); i++) {
      String path = config.path() + ".targets[" + i + "]";
      Target target = target(path, values.get(i), redact);
      String previous = labels.putIfAbsent(target.name(), path);
      if (previous != null) {
        throw ConfigError.at(values.get(i).origin(), path,
            "target \"" + target.name() + "\" is already defined at " + previous
                + "; give one of them another name");
      }
      targets.add(target);
    }
    return new HttpProbeSettings(targets, concurrency, budget, redact);
  }

  private static Target target(String path, ConfigValue value, List<String> redact) {
    if (value.valueType() == ConfigValueType.STRING) {
      String url = (String) value.unwrapped();
      String shown = Redaction.url(url, redact);
      return new Target(shown, url(path, value, url, shown), shown, DEFAULT_EXPECTED_STATUS,
          DEFAULT_TIMEOUT);
    }
    if (!(value instanceof ConfigObject object)) {
      throw ConfigError.at(value.origin(), path, "must be a URL or an object with a url, got "
          + value.valueType().name().toLowerCase(Locale.ROOT));
    }
    for (Map.Entry<String, ConfigValue> key : object.entrySet()) {
      if (!TARGET_KEYS.contains(key.getKey())) {
        throw ConfigError.at(key.getValue().origin(), path + "." + key.getKey(),
            "unknown key (known: " + String.join(", ", new TreeSet<>(TARGET_KEYS)) + ")");
      }
    }
    PluginConfig block = new PluginConfig(path, object.toConfig());
    String url = block.getString("url");
    String shown = Redaction.url(url, redact);
    URI uri = url(path + ".url", block.raw().getValue("url"), url, shown);
    String name = block.hasPath("name") ? block.getString("name") : shown;
    if (name.isBlank()) {
      throw block.error("name", "must not be empty");
    }
    int status = block.hasPath("expected-status")
        ? block.getInt("expected-status")
        : DEFAULT_EXPECTED_STATUS;
    if (status < 100 || status > 599) {
      throw block.error("expected-status", "not an HTTP status (100 to 599): " + status);
    }
    Duration timeout = block.hasPath("timeout") ? block.getPositiveDuration("timeout") : DEFAULT_TIMEOUT;
    return new Target(name, uri, shown, status, timeout);
  }

  /** {@code url} checked; errors show it as {@code shown}, never as it is written. */
  private static URI url(String path, ConfigValue value, String url, String shown) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // Its message would repeat the whole URL.
      throw ConfigError.at(value.origin(), path, "not a valid URL: " + e.getReason() + ": \""
          + shown + "\"");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw ConfigError.at(value.origin(), path, "not an http or https URL: \"" + shown + "\"");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw ConfigError.at(value.origin(), path, "the URL has no host: \"" + shown + "\"");
    }
    return uri;
  }
}
