package io.github.microc.e2e;

import static io.github.microc.e2e.support.DockerCli.TEST_IMAGE;
import static io.github.microc.e2e.support.DockerCli.docker;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.DockerCli;
import io.github.microc.e2e.support.JarPlugins;
import io.github.microc.e2e.support.Markdown;
import io.github.microc.e2e.support.MicrocProcess;
import io.github.microc.e2e.support.PrometheusServer;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.FixtureTree;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/metrics.md lists every family Microc can expose, and nothing it cannot. The families
 * come from the real app and from the host collectors' fixture trees:
 *
 * <ul>
 *   <li>the shaded jar with every collector of the jar and of the example plugin jar enabled
 *       (that jar in a plugins directory, in a JVM of its own as by default), every set of
 *       {@code microc.collectors.containers.metrics}, containers on the local dockerd made to
 *       show every kind of series (a health check, CPU and memory limits, a crash and a clean
 *       exit, both watched by a dry-run watchdog), TLS from an openssl-made certificate, and
 *       push mode sending to a real Prometheus's remote-write receiver; scraped until the
 *       background work has shown (a push delivered, each running container's writable layer
 *       walked, the watchdog's sweep);
 *   <li>every tree of {@code exporter-core/src/test/parity/}, read as {@code FixtureParityIT}
 *       reads it (its collectors, host paths and settings), each collector alone; what a
 *       textfile collector reads from the tree's {@code *.prom} files is the files' own.
 * </ul>
 *
 * A family is documented when it is the first code span of a row of a table of docs/metrics.md
 * whose first column is {@code metric}. Every family exposed must be documented; every
 * documented {@code node_}, {@code container_}, {@code machine_} and {@code microc_} family
 * must have been exposed, unless its row says it is "not exposed" or names the test class that
 * shows it; and the type a row gives is the one exposed.
 */
class DocumentedMetricsIT {

  private static final String LABEL = "microc-e2e=documented-metrics";
  private static final Duration BACKGROUND_WORK = Duration.ofSeconds(40);
  private static final Pattern TEST_CLASS = Pattern.compile("\\b([A-Z]\\w*(?:Test|IT))\\b");
  private static final List<String> CHECKED_PREFIXES = List.of("node_", "container_", "machine_",
      "microc_");

  @TempDir
  static Path dir;

  private static PrometheusServer receiver;
  private static MicrocProcess app;
  private static HttpClient https;
  /** Every family seen, with where it was seen first. */
  private static final Map<String, String> exposed = new TreeMap<>();
  /** Every family seen, with its TYPE there. */
  private static final Map<String, String> types = new TreeMap<>();
  private static final List<String> notes = new ArrayList<>();

  @BeforeAll
  static void collectEveryFamily() throws Exception {
    Engines.require(DockerCli.answers(),
        "dockerd does not answer on /var/run/docker.sock; start it (.ci/docker-setup.sh)");
    Engines.require(DockerCli.hasImage(TEST_IMAGE), "image " + TEST_IMAGE
        + " is missing; run .ci/docker-setup.sh");
    Path prometheus = Engines.requireExecutable("prometheus",
        "install Prometheus 2.42 (apt-get install prometheus)", "/usr/bin/prometheus");
    Path openssl = Engines.requireExecutable("openssl", "apt-get install openssl", "/usr/bin/openssl");

    long start = System.nanoTime();
    Path promConfig = Files.writeString(dir.resolve("prometheus.yml"), "global: {}\n");
    receiver = PrometheusServer.start(prometheus, promConfig, dir, "--web.enable-remote-write-receiver");
    String names = startContainers();
    https = tls(openssl);
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Path pluginJar = Repository.examplePluginJar();
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    Path jar = Repository.appJar();

    StringBuilder config = new StringBuilder("microc {\n  collectors {\n");
    Set<String> collectors = new TreeSet<>();
    JarPlugins.of(null, jar).forEach(p -> collectors.add(p.name()));
    JarPlugins.of(jar, pluginJar).forEach(p -> collectors.add(p.name()));
    collectors.forEach(c -> config.append("    ").append(c).append(".enabled = true\n"));
    config.append("""
            cpu.info = true
            containers.metrics = [cpu, percpu, memory, diskIO, disk, network, oom_event, process, pressure]
            watchdog { containers = [%s], dry-run = true }
            http_probe.targets = [ { name = "receiver", url = "http://127.0.0.1:%d/-/ready" } ]
          }
          push {
            remote-write = [ { url = "http://127.0.0.1:%d/api/v1/write", interval = 1s } ]
            buffer-dir = "%s"
          }
        }
        """.formatted(names, receiver.port(), receiver.port(), dir.resolve("push-buffer")));
    Path configFile = Files.writeString(dir.resolve("microc.conf"), config);
    app = MicrocProcess.start(jar, Map.of(), dir.resolve("microc.log"),
        List.of("--config", configFile.toString(), "--plugins", plugins.toString(),
            "--web.config.file", dir.resolve("web.yml").toString()));

    // The fixture trees in this JVM while the app starts.
    long trees = System.nanoTime();
    Path empty = Files.createDirectories(dir.resolve("empty"));
    int count = 0;
    for (Path tree : FixtureTree.under(Repository.resolve("exporter-core/src/test/parity"))) {
      treeFamilies(FixtureTree.of(tree, empty));
      count++;
    }
    notes.add(String.format(Locale.ROOT, "%d fixture trees in %.1f s", count,
        (System.nanoTime() - trees) / 1e9));

    receiver.awaitReady(Duration.ofSeconds(60));
    long scrapes = System.nanoTime();
    appFamilies();
    notes.add(String.format(Locale.ROOT, "the app's scrapes in %.1f s; %.1f s in all",
        (System.nanoTime() - scrapes) / 1e9, (System.nanoTime() - start) / 1e9));
    notes.forEach(n -> System.out.println("DocumentedMetricsIT: " + n));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (receiver != null) {
      receiver.close();
    }
    if (DockerCli.answers()) {
      DockerCli.removeLabelled(LABEL);
    }
  }

  @Test
  void everyFamilyMicrocExposesIsInMetricsMd() {
    Map<String, String> rows = documented();
    List<Pattern> patterns = patterns(rows.keySet());
    Map<String, String> missing = new TreeMap<>(exposed);
    missing.keySet().removeIf(f -> rows.containsKey(f) || patterns.stream().anyMatch(p -> p.matcher(f).matches()));
    assertThat(missing).as("families Microc exposes that docs/metrics.md does not list (family"
        + " = where it was seen); " + String.join("; ", notes)).isEmpty();
  }

  @Test
  void everyDocumentedFamilyIsExposedByACollector() {
    Set<String> gone = new TreeSet<>();
    for (Map.Entry<String, String> row : documented().entrySet()) {
      String family = row.getKey();
      if (CHECKED_PREFIXES.stream().noneMatch(family::startsWith) || exposed.containsKey(family)
          || row.getValue().toLowerCase(Locale.ROOT).contains("not exposed")
          || shownByANamedTest(family, row.getValue())) {
        continue;
      }
      if (family.contains("<")) {
        Pattern pattern = patterns(Set.of(family)).get(0);
        if (exposed.keySet().stream().anyMatch(f -> pattern.matcher(f).matches())) {
          continue;
        }
      }
      gone.add(family);
    }
    assertThat(gone).as("families docs/metrics.md lists that neither the app nor a fixture tree"
        + " exposed (a row may say \"not exposed\", or name the test class that shows the"
        + " family); " + String.join("; ", notes)).isEmpty();
  }

  @Test
  void everyDocumentedTypeIsTheExposedOne() {
    List<String> wrong = new ArrayList<>();
    int compared = 0;
    for (Markdown.Table table : Markdown.read(Repository.resolve("docs/metrics.md")).tables()) {
      int column = table.header().indexOf("type");
      if (!table.kind().equals("metric") || column < 0) {
        continue;
      }
      for (int i = 0; i < table.rows().size(); i++) {
        List<String> row = table.rows().get(i);
        String family = Markdown.codeSpans(row.get(0)).stream().findFirst().orElse("")
            .replaceFirst("\\{[a-z_]+=.*", "");
        String exposedType = types.get(family);
        if (exposedType == null || row.size() <= column) {
          continue;
        }
        // An info family is a gauge in the text format.
        String documentedType = row.get(column).split("[\\s(]")[0].replace("info", "gauge");
        compared++;
        if (!documentedType.equals(exposedType)) {
          wrong.add(family + ": docs/metrics.md:" + (table.line() + 2 + i) + " says " + row.get(column)
              + ", " + exposed.get(family) + " exposes " + exposedType);
        }
      }
    }
    assertThat(compared).as("rows whose type was compared").isGreaterThan(300);
    assertThat(wrong).as("types in docs/metrics.md that are not the exposed ones").isEmpty();
  }

  /**
   * Each family of the {@code metric} tables (the first code span of a row, without its
   * labels), with its row's text. A name may stand for many families: {@code <word>} for any
   * part of a name, {@code {a,b}} for either.
   */
  private static Map<String, String> documented() {
    Map<String, String> families = new TreeMap<>();
    for (Markdown.Table table : Markdown.read(Repository.resolve("docs/metrics.md")).tables()) {
      if (!table.kind().equals("metric")) {
        continue;
      }
      for (List<String> row : table.rows()) {
        String text = String.join(" | ", row);
        Markdown.codeSpans(row.get(0)).stream().findFirst().ifPresent(span ->
            families.merge(span.replaceFirst("\\{[a-z_]+=.*", ""), text, (a, b) -> a + "\n" + b));
      }
    }
    return families;
  }

  private static List<Pattern> patterns(Set<String> names) {
    List<Pattern> patterns = new ArrayList<>();
    for (String name : names) {
      if (!name.contains("<") && !name.contains("{")) {
        continue;
      }
      StringBuilder regex = new StringBuilder();
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c == '<') {
          regex.append("[A-Za-z0-9_]+");
          i = name.indexOf('>', i);
        } else if (c == '{') {
          int end = name.indexOf('}', i);
          regex.append("(?:").append(Arrays.stream(name.substring(i + 1, end).split(","))
              .map(Pattern::quote).collect(Collectors.joining("|"))).append(')');
          i = end;
        } else {
          regex.append(Pattern.quote(String.valueOf(c)));
        }
      }
      patterns.add(Pattern.compile(regex.toString()));
    }
    return patterns;
  }

  /** Whether the row names a test class ({@code FooTest}, {@code FooIT}) whose source names the family. */
  private static boolean shownByANamedTest(String family, String row) {
    Matcher m = TEST_CLASS.matcher(row);
    while (m.find()) {
      String file = m.group(1) + ".java";
      try (Stream<Path> modules = Files.list(Repository.root())) {
        for (Path tests : modules.map(d -> d.resolve("src/test/java")).filter(Files::isDirectory).toList()) {
          try (Stream<Path> sources = Files.walk(tests)) {
            for (Path source : sources.filter(p -> p.getFileName().toString().equals(file)).toList()) {
              if (Files.readString(source).contains(family)) {
                return true;
              }
            }
          }
        }
      } catch (IOException e) {
        throw new AssertionError("cannot look for " + file, e);
      }
    }
    return false;
  }

  private static void treeFamilies(FixtureTree tree) {
    Set<String> fromFiles = tree.hasTextfiles() ? promFileNames(tree.textfile()) : Set.of();
    try (Microc microc = tree.microc(DocumentedMetricsIT.class.getClassLoader()).build()) {
      for (String collector : tree.collectors()) {
        String text = Exposition.text(microc.engine().collect(Set.of(collector)));
        families(text).stream()
            .filter(f -> !(collector.equals("textfile") && fromFiles.contains(f)))
            .forEach(f -> exposed.putIfAbsent(f, "tree " + tree.name() + ", " + collector));
      }
    }
  }

  /**
   * Scrapes the app until a push has been delivered, each running container's writable layer
   * has been walked and the watchdog has swept, or {@link #BACKGROUND_WORK} has passed.
   */
  private static void appFamilies() throws Exception {
    String base = "https://127.0.0.1:" + app.port();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (status(base + "/ready") != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the app is not ready on " + base + ":\n" + app.log());
      }
      Thread.sleep(200);
    }
    long until = System.nanoTime() + BACKGROUND_WORK.toNanos();
    String text;
    do {
      Thread.sleep(500);
      text = get(base + "/metrics");
      families(text).forEach(f -> exposed.putIfAbsent(f, "the app"));
    } while (!backgroundWorkShown(text) && System.nanoTime() < until);
    if (!backgroundWorkShown(text)) {
      notes.add("the app's background work had not all shown within " + BACKGROUND_WORK
          + " (a push delivered, every running container walked, the watchdog's sweep)");
    }
  }

  private static boolean backgroundWorkShown(String text) {
    long running = text.lines().filter(l -> l.startsWith("microc_container_state{")
        && l.contains("state=\"running\"")).count();
    return sum(text, "microc_push_sent_batches_total") > 0
        && sum(text, "microc_container_disk_usage_walks_total") >= running
        && sum(text, "microc_watchdog_last_sweep_timestamp_seconds") > 0;
  }

  private static double sum(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** The families of an exposition; their TYPEs go to {@link #types}. */
  private static Set<String> families(String text) {
    Set<String> names = new TreeSet<>();
    text.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")).forEach(t -> {
      names.add(t[2]);
      types.putIfAbsent(t[2], t[3]);
    });
    return names;
  }

  /**
   * Four containers of the test image, each showing series the others lack: one with a health
   * check, one with CPU and memory limits, one that crashed and one that exited cleanly (both
   * watched). Their names, comma-separated, for the watchdog.
   */
  private static String startContainers() {
    DockerCli.removeLabelled(LABEL);
    String prefix = "microc-docs-" + ProcessHandle.current().pid() + "-";
    docker("run", "-d", "--label", LABEL, "--name", prefix + "healthy", "--health-cmd", "true",
        "--health-interval", "1s", TEST_IMAGE, "sleep", "600");
    docker("run", "-d", "--label", LABEL, "--name", prefix + "limited", "--cpus", "0.5",
        "--memory", "64m", "--memory-reservation", "32m", "--memory-swap", "128m", TEST_IMAGE,
        "sleep", "600");
    docker("run", "-d", "--label", LABEL, "--name", prefix + "crashed", TEST_IMAGE, "sh", "-c",
        "exit 3");
    docker("run", "-d", "--label", LABEL, "--name", prefix + "finished", TEST_IMAGE, "sh", "-c",
        "exit 0");
    return "\"" + prefix + "crashed\", \"" + prefix + "finished\"";
  }

  /** A certificate for 127.0.0.1 made by openssl, the web-config file, a client trusting it. */
  private static HttpClient tls(Path openssl) throws Exception {
    Command.run(Duration.ofSeconds(60), dir, List.of(openssl.toString(), "req", "-x509",
        "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem",
        "-out", "cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1")).orFail();
    Files.writeString(dir.resolve("web.yml"), """
        tls_server_config:
          cert_file: %s
          key_file: %s
        """.formatted(dir.resolve("cert.pem"), dir.resolve("key.pem")));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
      trust.setCertificateEntry("microc", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(2)).build();
  }

  private static int status(String url) throws InterruptedException {
    try {
      return https.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = https.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(url + ": HTTP " + response.statusCode() + "\n" + response.body());
    }
    return response.body();
  }

  /** Every metric name a {@code *.prom} file under {@code dir} writes, with its suffixes. */
  private static Set<String> promFileNames(Path dir) {
    Set<String> names = new TreeSet<>();
    try (var files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        for (String line : Files.readAllLines(file)) {
          String s = line.strip();
          if (s.startsWith("# TYPE ") || s.startsWith("# HELP ")) {
            String[] parts = s.split("\\s+");
            if (parts.length > 2) {
              names.add(parts[2]);
            }
          } else if (!s.isEmpty() && !s.startsWith("#")) {
            names.add(s.split("[\\s{]", 2)[0]);
          }
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read " + dir, e);
    }
    Set<String> all = new TreeSet<>(names);
    names.forEach(n -> {
      all.add(n + "_total");
      all.add(n.replaceFirst("_(total|count|sum|bucket|created|info)$", ""));
    });
    return all;
  }
}
