package io.github.microc.exporter.push;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.github.microc.exporter.core.config.ConfigValidator;
import io.github.microc.exporter.core.config.ExporterSettings;
import io.github.microc.exporter.core.engine.CollectionEngine;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.tls.PemFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code microc.push}: the remote-write endpoints, each read from its list entry over
 * {@code microc.push.remote-write-defaults}. Every problem of every entry is reported at once,
 * each as {@code file:line: microc.push.remote-write[0].key: problem}.
 *
 * @param endpoints in the order of the list
 */
public record PushSettings(List<EndpointSettings> endpoints) {

  static final String LIST = "microc.push.remote-write";
  static final String DEFAULTS = "microc.push.remote-write-defaults";
  static final String BUFFER_DIR = "microc.push.buffer-dir";
  /** The port of {@code instance} when Microc has no listener: its default one. */
  static final int DEFAULT_PORT = 10049;
  static final long MIN_BUFFER = 16 * 1024;

  /** Headers remote-write sets itself, or that the HTTP client owns; as Prometheus refuses them. */
  static final Set<String> RESERVED_HEADERS = Set.of("authorization", "host", "content-encoding",
      "content-length", "content-type", "user-agent", "connection", "keep-alive", "expect",
      "upgrade", "proxy-authenticate", "proxy-authorization", "www-authenticate",
      "accept-encoding", "transfer-encoding", "te", "trailer",
      "x-prometheus-remote-write-version");

  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern SENSITIVE_HEADER =
      Pattern.compile("(?i)key|token|secret|passw|cookie|auth|session|signature");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  public PushSettings {
    endpoints = List.copyOf(endpoints);
  }

  /** Whether any endpoint is configured. */
  public boolean enabled() {
    return !endpoints.isEmpty();
  }

  /**
   * Reads {@code microc.push} from Microc's merged configuration.
   *
   * @param exporter for the default {@code instance} label's port
   * @param engine to check the {@code collect} and {@code exclude} names
   * @throws ConfigError naming every problem
   */
  public static PushSettings from(Config merged, ExporterSettings exporter, CollectionEngine engine) {
    int port = exporter.listening() ? exporter.listen().port() : DEFAULT_PORT;
    return from(merged, hostName() + ":" + port, engine);
  }

  static PushSettings from(Config merged, String instance, CollectionEngine engine) {
    List<String> problems = new ArrayList<>();
    ConfigValue value = merged.getValue(LIST);
    ConfigObject template = merged.getObject(DEFAULTS);
    Path root = Path.of(merged.getString(BUFFER_DIR));
    if (!(value instanceof ConfigList list)) {
      throw ConfigError.at(value.origin(), LIST, "expected a list of endpoints, got "
          + value.valueType().name().toLowerCase(Locale.ROOT));
    }
    List<EndpointSettings> endpoints = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    Map<Path, String> dirs = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String path = LIST + "[" + i + "]";
      ConfigValue item = list.get(i);
      if (!(item instanceof ConfigObject entry)) {
        problems.add(ConfigError.where(item.origin()) + path + ": expected an object such as"
            + " { url = \"http://prometheus:9090/api/v1/write\" }, got "
            + item.valueType().name().toLowerCase(Locale.ROOT));
        continue;
      }
      List<String> keyProblems = ConfigValidator.check(path, entry, template);
      if (!keyProblems.isEmpty()) {
        problems.addAll(keyProblems);
        continue;
      }
      EndpointSettings endpoint = new Entry(path, entry, template, problems).read(instance, root, engine);
      if (endpoint == null) {
        continue;
      }
      String other = names.putIfAbsent(endpoint.name(), path);
      if (other != null) {
        problems.add(ConfigError.where(entry.origin()) + path + ".name: \"" + endpoint.name()
            + "\" is also the name of " + other + "; give each endpoint its own name");
        continue;
      }
      other = dirs.putIfAbsent(endpoint.buffer().dir().toAbsolutePath().normalize(), path);
      if (other != null) {
        problems.add(ConfigError.where(entry.origin()) + path + ".buffer.dir: "
            + endpoint.buffer().dir() + " is also the buffer of " + other);
        continue;
      }
      endpoints.add(endpoint);
    }
    if (!problems.isEmpty()) {
      throw ConfigValidator.error(problems);
    }
    return new PushSettings(endpoints);
  }

  /** One list entry over the defaults, read key by key, every problem kept. */
  private static final class Entry {
    private final String path;
    private final ConfigObject own;
    private final PluginConfig config;
    private final List<String> problems;
    private final int before;

    Entry(String path, ConfigObject own, ConfigObject template, List<String> problems) {
      this.path = path;
      this.own = own;
      this.config = new PluginConfig(path, own.toConfig().withFallback(template.toConfig()));
      this.problems = problems;
      this.before = problems.size();
    }

    /** The settings, or null when a problem was found. */
    EndpointSettings read(String instance, Path root, CollectionEngine engine) {
      URI url = url();
      String name = get(c -> c.getString("name"));
      if (url != null && name != null && name.isBlank()) {
        name = url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "")
            + (url.getRawPath() == null ? "" : url.getRawPath());
      }
      Duration interval = get(c -> c.getPositiveDuration("interval"));
      List<String> collect = get(c -> c.getStringList("collect"));
      List<String> exclude = get(c -> c.getStringList("exclude"));
      if (collect != null && exclude != null) {
        selection(engine, collect, exclude);
      }
      Map<String, String> labels = externalLabels(instance);
      Duration timeout = get(c -> c.getPositiveDuration("timeout"));
      Duration connectTimeout = get(c -> c.getPositiveDuration("connect-timeout"));
      Map<String, String> headers = headers();
      EndpointSettings.Credentials credentials = credentials();
      EndpointSettings.Tls tls = tls(url);
      Duration metadata = get(c -> c.getNonNegativeDuration("metadata-interval"));
      Duration minBackoff = get(c -> c.getPositiveDuration("min-backoff"));
      Duration maxBackoff = get(c -> c.getPositiveDuration("max-backoff"));
      if (minBackoff != null && maxBackoff != null && maxBackoff.compareTo(minBackoff) < 0) {
        problem("max-backoff", "must not be below min-backoff (" + minBackoff.toMillis() + "ms)");
      }
      EndpointSettings.Buffer buffer = name == null ? null : buffer(root, name, interval);
      if (problems.size() > before) {
        return null;
      }
      return new EndpointSettings(name, url, interval, collect, exclude, labels, timeout,
          connectTimeout, headers, credentials, tls, metadata, minBackoff, maxBackoff, buffer);
    }

    private URI url() {
      String text = get(c -> c.getString("url"));
      if (text == null) {
        return null;
      }
      if (text.isBlank()) {
        problems.add(ConfigError.where(own.origin()) + path + ".url: missing: the receiver's"
            + " remote-write URL, such as http://prometheus:9090/api/v1/write");
        return null;
      }
      URI url;
      try {
        url = new URI(text.strip());
      } catch (URISyntaxException e) {
        problem("url", "not a URL: " + e.getReason() + " at index " + e.getIndex());
        return null;
      }
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        problem("url", "must be an http or https URL");
        return null;
      }
      if (url.getRawUserInfo() != null) {
        problem("url", "holds a user name or password; put them in basic-auth, which keeps them"
            + " out of logs and labels");
        return null;
      }
      if (url.getHost() == null) {
        problem("url", "names no host");
        return null;
      }
      if (url.getRawFragment() != null) {
        problem("url", "must not have a #fragment");
        return null;
      }
      return url;
    }

    private void selection(CollectionEngine engine, List<String> collect, List<String> exclude) {
      if (!collect.isEmpty() && !exclude.isEmpty()) {
        problem("exclude", "set either collect or exclude, not both");
        return;
      }
      try {
        engine.select(collect.toArray(new String[0]), exclude.toArray(new String[0]));
      } catch (IllegalArgumentException e) {
        String key = collect.isEmpty() ? "exclude" : "collect";
        String message = e.getMessage();
        // The engine speaks of URL parameters; here they are keys.
        message = message.replaceFirst("^(collect|exclude)\\[]: ", "");
        problem(key, message);
      }
    }

    private Map<String, String> externalLabels(String instance) {
      Map<String, String> own = strings("external-labels");
      if (own == null) {
        return null;
      }
      Map<String, String> labels = new TreeMap<>();
      labels.put("job", "microc");
      labels.put("instance", instance);
      for (Map.Entry<String, String> label : own.entrySet()) {
        String key = "external-labels." + label.getKey();
        if (!LABEL_NAME.matcher(label.getKey()).matches() || label.getKey().startsWith("__")) {
          problem(key, "not a label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __");
        } else if (label.getValue().isEmpty()) {
          problem(key, "must not be empty (an empty value is no label)");
        } else {
          labels.put(label.getKey(), label.getValue());
        }
      }
      return labels;
    }

    private Map<String, String> headers() {
      Map<String, String> headers = strings("headers");
      if (headers == null) {
        return null;
      }
      for (Map.Entry<String, String> header : headers.entrySet()) {
        String key = "headers." + header.getKey();
        String lower = header.getKey().toLowerCase(Locale.ROOT);
        if (!HEADER_NAME.matcher(header.getKey()).matches()) {
          problem(key, "not a header name");
        } else if (RESERVED_HEADERS.contains(lower)) {
          problem(key, "set by remote-write itself" + (lower.equals("authorization")
              ? "; use basic-auth or bearer-token" : ""));
        } else if (header.getValue().indexOf('\r') >= 0 || header.getValue().indexOf('\n') >= 0) {
          problem(key, "must not hold a line break");
        }
      }
      return headers;
    }

    private EndpointSettings.Credentials credentials() {
      String username = get(c -> c.getString("basic-auth.username"));
      Secret password = secret("basic-auth.password", "basic-auth.password-file");
      Secret token = secret("bearer-token", "bearer-token-file");
      if (username == null) {
        return null;
      }
      if (!username.isEmpty() && token != null) {
        problem("bearer-token" + (token.path() != null ? "-file" : ""),
            "set either basic-auth or a bearer token, not both");
        return null;
      }
      if (!username.isEmpty()) {
        if (password == null) {
          problem("basic-auth.username", "needs basic-auth.password or basic-auth.password-file");
          return null;
        }
        return new EndpointSettings.Credentials.Basic(username, password);
      }
      if (password != null) {
        problem(password.path() != null ? "basic-auth.password-file" : "basic-auth.password",
            "needs basic-auth.username");
        return null;
      }
      return token != null ? new EndpointSettings.Credentials.Bearer(token)
          : new EndpointSettings.Credentials.None();
    }

    /** An inline secret or one in a file; null when neither is set (or on a problem). */
    private Secret secret(String inlineKey, String fileKey) {
      String inline = get(c -> c.getString(inlineKey));
      String file = get(c -> c.getString(fileKey));
      if (inline == null || file == null) {
        return null;
      }
      if (!inline.isEmpty() && !file.isEmpty()) {
        problem(fileKey, "set either " + inlineKey.substring(inlineKey.lastIndexOf('.') + 1)
            + " or " + fileKey.substring(fileKey.lastIndexOf('.') + 1) + ", not both");
        return null;
      }
      if (!file.isEmpty()) {
        Path path = Path.of(file);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
          problem(fileKey, "cannot read " + path);
          return null;
        }
        return Secret.file(path);
      }
      return inline.isEmpty() ? null : Secret.inline(inline);
    }

    private EndpointSettings.Tls tls(URI url) {
      String ca = get(c -> c.getString("tls.ca-file"));
      String cert = get(c -> c.getString("tls.cert-file"));
      String key = get(c -> c.getString("tls.key-file"));
      if (ca == null || cert == null || key == null) {
        return null;
      }
      if (cert.isEmpty() != key.isEmpty()) {
        problem(cert.isEmpty() ? "tls.key-file" : "tls.cert-file",
            "set tls.cert-file and tls.key-file together");
        return null;
      }
      EndpointSettings.Tls tls = new EndpointSettings.Tls(ca.isEmpty() ? null : Path.of(ca),
          cert.isEmpty() ? null : Path.of(cert), key.isEmpty() ? null : Path.of(key));
      boolean any = tls.caFile() != null || tls.certFile() != null;
      if (any && url != null && !url.getScheme().equalsIgnoreCase("https")) {
        problem(tls.caFile() != null ? "tls.ca-file" : "tls.cert-file",
            "the URL is http, not https");
        return null;
      }
      if (any) {
        try {
          PemFiles.context(tls.caFile(), tls.certFile(), tls.keyFile());
        } catch (IOException e) {
          String failed = tls.caFile() != null && e.getMessage().startsWith(tls.caFile().toString())
              ? "tls.ca-file" : tls.keyFile() != null && e.getMessage().startsWith(tls.keyFile().toString())
              ? "tls.key-file" : "tls.cert-file";
          problem(failed, e.getMessage());
          return null;
        }
      }
      return tls;
    }

    private EndpointSettings.Buffer buffer(Path root, String name, Duration interval) {
      String dir = get(c -> c.getString("buffer.dir"));
      Long maxSize = get(c -> bytes(c, "buffer.max-size"));
      Duration maxAge = get(c -> c.getPositiveDuration("buffer.max-age"));
      if (maxSize != null && maxSize < MIN_BUFFER) {
        problem("buffer.max-size", "must be at least 16KiB, got " + maxSize + " bytes");
      }
      if (maxAge != null && interval != null && maxAge.compareTo(interval) < 0) {
        problem("buffer.max-age", "must not be below the interval (" + interval.toMillis() + "ms)");
      }
      if (dir == null || maxSize == null || maxAge == null) {
        return null;
      }
      Path path = dir.isBlank() ? root.resolve(directoryName(name)) : Path.of(dir);
      return new EndpointSettings.Buffer(path, maxSize, maxAge);
    }

    private Map<String, String> strings(String key) {
      ConfigObject object = get(c -> c.raw().getObject(key));
      if (object == null) {
        return null;
      }
      Map<String, String> values = new TreeMap<>();
      for (String name : object.keySet()) {
        values.put(name, String.valueOf(object.get(name).unwrapped()));
      }
      return values;
    }

    private static long bytes(PluginConfig config, String key) {
      try {
        return config.raw().getBytes(key);
      } catch (ConfigException.BadValue | ConfigException.WrongType e) {
        throw config.error(key, "not a size such as 256MiB: " + config.raw().getValue(key).render());
      }
    }

    private <T> T get(Function<PluginConfig, T> read) {
      try {
        return read.apply(config);
      } catch (ConfigError e) {
        problems.add(e.getMessage());
        return null;
      } catch (ConfigException e) {
        problems.add(ConfigError.where(e.origin()) + path + ": " + e.getMessage());
        return null;
      }
    }

    private void problem(String key, String what) {
      problems.add(config.error(key, what).getMessage());
    }
  }

  /**
   * {@code config} with the push secrets shown as {@code <secret>}: passwords, bearer tokens
   * and the values of headers whose name speaks of a key, token, secret, password or cookie.
   * For {@code --print-config}.
   */
  public static Config redacted(Config config) {
    if (!config.hasPath("microc.push")) {
      return config;
    }
    return config.withValue("microc.push", redact(config.getValue("microc.push"), "", false));
  }

  private static ConfigValue redact(ConfigValue value, String key, boolean inHeaders) {
    if (value instanceof ConfigObject object) {
      ConfigObject result = object;
      for (String child : object.keySet()) {
        result = result.withValue(child, redact(object.get(child), child, key.equals("headers")));
      }
      return result;
    }
    if (value instanceof ConfigList list) {
      List<ConfigValue> items = new ArrayList<>();
      list.forEach(item -> items.add(redact(item, key, false)));
      return ConfigValueFactory.fromIterable(items).withOrigin(list.origin());
    }
    boolean secret = key.equals("password") || key.equals("bearer-token")
        || inHeaders && SENSITIVE_HEADER.matcher(key).find();
    if (secret && !String.valueOf(value.unwrapped()).isEmpty()) {
      return ConfigValueFactory.fromAnyRef("<secret>").withOrigin(value.origin());
    }
    return value;
  }

  /** A name as a directory name: what is not a letter, digit, dot, dash or underscore is "_". */
  static String directoryName(String name) {
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.isEmpty() || safe.chars().allMatch(ch -> ch == '.') ? "_" + safe : safe;
  }

  /**
   * This host's name, as {@code hostname} prints it: the kernel's, without a DNS lookup (which
   * can hang where the name does not resolve).
   */
  static String hostName() {
    try {
      String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: ask the JDK.
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "localhost" : env;
    }
  }
}
