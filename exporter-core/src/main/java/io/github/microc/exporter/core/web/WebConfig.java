package io.github.microc.exporter.core.web;

import io.github.microc.exporter.core.spi.ConfigError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A web-config file in the format node_exporter 1.5 reads (Prometheus's exporter-toolkit):
 *
 * <pre>
 * tls_server_config:
 *   cert_file: server.crt
 *   key_file: server.key
 *   client_auth_type: RequireAndVerifyClientCert
 *   client_ca_file: ca.crt
 * http_server_config:
 *   headers:
 *     Strict-Transport-Security: max-age=31536000
 * basic_auth_users:
 *   prometheus: $2y$10$...   # htpasswd -nBC 10 prometheus
 * </pre>
 *
 * <p>Every problem in a file (an unknown key, a value of the wrong kind, a bad hash, a missing
 * certificate) is found at once and reported as {@code file:line: key: problem}. Relative paths
 * are relative to the file's directory, as exporter-toolkit reads them.
 *
 * @param file where it was read from
 * @param tls the TLS settings, or null for plain HTTP
 * @param headers response headers added to every answer
 * @param users user name to bcrypt hash; empty for no authentication
 * @param http2 as given; Microc answers HTTP/1.1
 */
public record WebConfig(Path file, TlsSettings tls, Map<String, String> headers,
    Map<String, String> users, boolean http2) {

  /** The headers exporter-toolkit lets a file set. */
  static final Set<String> HEADERS = Set.of("Strict-Transport-Security", "X-Content-Type-Options",
      "X-Frame-Options", "X-XSS-Protection", "Content-Security-Policy");
  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");

  /** No file: plain HTTP, no authentication, no extra headers. */
  public static final WebConfig NONE = new WebConfig(null, null, Map.of(), Map.of(), true);

  /**
   * Reads and checks a file; the certificate and key files it names are read too (a key that
   * does not match its certificate is an error here, not at the first connection).
   *
   * @throws ConfigError naming every problem with its file and line
   */
  public static WebConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigError(file + ": cannot read the web config file: "
          + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }
    Problems problems = new Problems(file);
    Node root;
    try {
      LoadSettings settings = LoadSettings.builder().setLabel(file.toString())
          .setAllowDuplicateKeys(false).build();
      Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
      root = composer.getSingleNode().orElse(null);
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
      throw new ConfigError(file + ":" + line + ": not valid YAML: " + e.getProblem(), e);
    } catch (YamlEngineException e) {
      throw new ConfigError(file + ": not valid YAML: " + e.getMessage(), e);
    }
    Path base = file.toAbsolutePath().getParent();
    TlsSettings tls = null;
    Map<String, String> headers = new LinkedHashMap<>();
    Map<String, String> users = new TreeMap<>();
    boolean http2 = true;
    if (root != null && !isNull(root)) {
      Map<String, Node> top = problems.mapping(root, "", Set.of("tls_server_config",
          "http_server_config", "basic_auth_users"));
      Node tlsNode = top.get("tls_server_config");
      if (tlsNode != null && !isNull(tlsNode)) {
        tls = TlsSettings.parse(problems, tlsNode, base);
      }
      Node httpNode = top.get("http_server_config");
      if (httpNode != null && !isNull(httpNode)) {
        Map<String, Node> http = problems.mapping(httpNode, "http_server_config", Set.of("http2", "headers"));
        if (http.containsKey("http2")) {
          Boolean value = problems.bool(http.get("http2"), "http_server_config.http2");
          http2 = value == null || value;
        }
        Node headerNode = http.get("headers");
        if (headerNode != null && !isNull(headerNode)) {
          headers(problems, headerNode, headers);
        }
      }
      Node usersNode = top.get("basic_auth_users");
      if (usersNode != null && !isNull(usersNode)) {
        users(problems, usersNode, users);
      }
    }
    problems.throwIfAny();
    return new WebConfig(file, tls, Map.copyOf(headers), Map.copyOf(users), http2);
  }

  private static void headers(Problems problems, Node node, Map<String, String> headers) {
    for (Map.Entry<String, Node> entry : problems.mapping(node, "http_server_config.headers", null).entrySet()) {
      String key = "http_server_config.headers." + entry.getKey();
      String name = HEADERS.stream().filter(h -> h.equalsIgnoreCase(entry.getKey())).findFirst().orElse(null);
      String value = problems.string(entry.getValue(), key);
      if (name == null) {
        problems.add(entry.getValue(), key, "HTTP header \"" + entry.getKey() + "\" can not be configured"
            + " (allowed: " + String.join(", ", new java.util.TreeSet<>(HEADERS)) + ")");
        continue;
      }
      if (value == null) {
        continue;
      }
      if (name.equals("X-Content-Type-Options") && !value.equalsIgnoreCase("nosniff")) {
        problems.add(entry.getValue(), key, "must be \"nosniff\", got \"" + value + "\"");
      } else if (name.equals("X-Frame-Options") && !value.equalsIgnoreCase("deny")
          && !value.equalsIgnoreCase("sameorigin")) {
        problems.add(entry.getValue(), key, "must be \"deny\" or \"sameorigin\", got \"" + value + "\"");
      } else {
        headers.put(name, value);
      }
    }
  }

  private static void users(Problems problems, Node node, Map<String, String> users) {
    for (Map.Entry<String, Node> entry : problems.mapping(node, "basic_auth_users", null).entrySet()) {
      String key = "basic_auth_users." + entry.getKey();
      String hash = problems.string(entry.getValue(), key);
      if (hash == null) {
        continue;
      }
      var matcher = BCRYPT.matcher(hash);
      if (!matcher.matches()) {
        // The hash itself is a secret of sorts: only its shape is described.
        problems.add(entry.getValue(), key, "not a bcrypt hash (expected $2y$, $2a$ or $2b$, a cost"
            + " and 53 characters, as htpasswd -nBC 10 " + entry.getKey() + " writes)");
        continue;
      }
      int cost = Integer.parseInt(matcher.group(1));
      if (cost < 4 || cost > 31) {
        problems.add(entry.getValue(), key, "bcrypt cost " + cost + " is outside 4-31");
        continue;
      }
      users.put(entry.getKey(), hash);
    }
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode scalar && scalar.getTag().getValue().endsWith(":null");
  }

  /** Problems with their lines, reported together. */
  static final class Problems {
    private final Path file;
    /** Line, then message: reported in the order of the file. */
    private final List<Map.Entry<Integer, String>> found = new ArrayList<>();

    Problems(Path file) {
      this.file = file;
    }

    Path file() {
      return file;
    }

    void add(Node node, String key, String problem) {
      found.add(Map.entry(line(node), file + ":" + line(node) + ": " + key + ": " + problem));
    }

    static int line(Node node) {
      return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /**
     * A mapping's entries by key; a key outside {@code known} (when given) is a problem, as
     * exporter-toolkit's strict reading makes it.
     */
    Map<String, Node> mapping(Node node, String path, Set<String> known) {
      Map<String, Node> result = new LinkedHashMap<>();
      if (!(node instanceof MappingNode mapping)) {
        add(node, path.isEmpty() ? "(top level)" : path, "expected a mapping of keys to values");
        return result;
      }
      for (NodeTuple tuple : mapping.getValue()) {
        if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
          add(tuple.getKeyNode(), path, "a key must be a plain string");
          continue;
        }
        String key = keyNode.getValue();
        String full = path.isEmpty() ? key : path + "." + key;
        if (known != null && !known.contains(key)) {
          add(keyNode, full, "unknown key" + suggestion(key, known) + " (known: "
              + String.join(", ", new java.util.TreeSet<>(known)) + ")");
          continue;
        }
        result.put(key, tuple.getValueNode());
      }
      return result;
    }

    String string(Node node, String key) {
      if (node instanceof ScalarNode scalar && !isNull(node)) {
        return scalar.getValue();
      }
      add(node, key, "expected a string");
      return null;
    }

    Boolean bool(Node node, String key) {
      String value = string(node, key);
      if (value == null) {
        return null;
      }
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> {
          add(node, key, "expected true or false, got \"" + value + "\"");
          yield null;
        }
      };
    }

    List<String> strings(Node node, String key) {
      List<String> result = new ArrayList<>();
      if (!(node instanceof SequenceNode sequence)) {
        if (!isNull(node)) {
          add(node, key, "expected a list");
        }
        return result;
      }
      for (Node item : sequence.getValue()) {
        Optional.ofNullable(string(item, key)).ifPresent(result::add);
      }
      return result;
    }

    void throwIfAny() {
      List<String> lines = found.stream().sorted(Map.Entry.comparingByKey())
          .map(Map.Entry::getValue).toList();
      if (lines.size() == 1) {
        throw new ConfigError(lines.get(0));
      }
      if (!lines.isEmpty()) {
        throw new ConfigError(lines.size() + " problems in the web config file:\n  "
            + String.join("\n  ", lines));
      }
    }

    private static String suggestion(String key, Set<String> known) {
      return known.stream()
          .filter(k -> distance(k, key) <= 2)
          .findFirst().map(k -> " (did you mean \"" + k + "\"?)").orElse("");
    }

    private static int distance(String a, String b) {
      int[] previous = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        previous[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        int[] current = new int[b.length() + 1];
        current[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
        }
        previous = current;
      }
      return previous[b.length()];
    }
  }
}
