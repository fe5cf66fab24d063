package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.host.ParsedExposition.Family;
import io.github.microc.exporter.core.host.ParsedExposition.Series;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.FixtureTree;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The real node_exporter 1.5 and Microc read the same fixture tree, and their output must be
 * the same: for hardware and kernels this machine lacks (hwmon chips, bonding, mdadm, NFS,
 * ZFS, …) and for broken sources (missing, empty or malformed files).
 *
 * <p>Each directory under {@code src/test/parity/} is a tree: {@code proc}, {@code sys},
 * {@code rootfs}, {@code udev} (each an empty directory when absent), {@code textfile} (the
 * textfile collector's directory, when present) and {@code parity.conf}:
 *
 * <pre>
 * collectors = [netclass, hwmon]                     # enabled on both, nothing else
 * node-exporter-flags = ["--collector.netclass.ignored-devices=^lo$"]
 * microc { collectors.netclass.ignored-devices = "^lo$" }   # the same settings for Microc
 * known-differences = [ { series = "node_x\\{.*", reason = "why" } ]   # or family = "regex"
 * </pre>
 *
 * The trees live outside {@code resources/} because Maven would copy a sysfs tree's symlinks as
 * files. For each collector, node_exporter is scraped with {@code collect[]=<collector>} before
 * and after Microc's collection of that collector alone, and: every family (name, TYPE, HELP,
 * label names) and every series (labels, exact value; one whose value moved between
 * node_exporter's two scrapes only for presence) must be the same on both sides, with nothing
 * extra in Microc, and {@code node_scrape_collector_success} must equal
 * {@code microc_scrape_collector_success}. A report per tree and collector is printed and
 * written to {@code target/fixture-parity/<tree>.txt}.
 */
class FixtureParityIT {

  private static final Path TREES = Path.of("src", "test", "parity");
  private static final Path REPORTS = Path.of("target", "fixture-parity");
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** What node_exporter adds that no collector of Microc's stands for. */
  private static final Set<String> NODE_EXPORTER_OWN = Set.of("node_exporter_build_info",
      "promhttp_metric_handler_errors_total");

  @TestFactory
  Stream<DynamicTest> microcReadsEveryTreeAsNodeExporterDoes() throws IOException {
    List<Path> trees = FixtureTree.under(TREES);
    assertThat(trees).as("fixture trees under " + TREES.toAbsolutePath()).isNotEmpty();
    Path binary = nodeExporter();
    return trees.stream().map(tree -> DynamicTest.dynamicTest(tree.getFileName().toString(),
        () -> compare(binary, tree.toAbsolutePath())));
  }

  private static Path nodeExporter() {
    return Engines.executable("node_exporter").orElseGet(() -> Engines.requireExecutable(
        "prometheus-node-exporter",
        "install node_exporter 1.5 (apt-get install prometheus-node-exporter)",
        "/usr/bin/prometheus-node-exporter"));
  }

  private static void compare(Path binary, Path dir) throws Exception {
    FixtureTree tree = FixtureTree.of(dir,
        Files.createDirectories(Path.of("target", "fixture-parity-empty")));
    Config spec = tree.spec();
    List<String> collectors = tree.collectors();
    List<KnownDifference> known = spec.hasPath("known-differences")
        ? spec.getConfigList("known-differences").stream().map(KnownDifference::from).toList()
        : List.of();

    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--web.listen-address=127.0.0.1:0", "--web.disable-exporter-metrics",
        "--collector.disable-defaults", "--path.procfs=" + tree.proc(),
        "--path.sysfs=" + tree.sys(), "--path.rootfs=" + tree.rootfs(),
        "--path.udev.data=" + tree.udev()));
    if (tree.hasTextfiles()) {
      command.add("--collector.textfile.directory=" + tree.textfile());
    }
    collectors.forEach(c -> command.add("--collector." + c));
    if (spec.hasPath("node-exporter-flags")) {
      command.addAll(spec.getStringList("node-exporter-flags"));
    }
    String name = tree.name();
    Files.createDirectories(REPORTS);
    Path log = REPORTS.resolve(name + ".node_exporter.log");
    Process nodeExporter = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try (Microc microc = tree.microc(FixtureParityIT.class.getClassLoader()).build()) {
      int port = Ports.fromLog(log, Ports.EXPORTER_TOOLKIT, nodeExporter, Duration.ofSeconds(30));
      URI base = URI.create("http://127.0.0.1:" + port + "/metrics");
      awaitUp(nodeExporter, base, log);
      List<String> report = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      report.add("tree " + name + " (" + dir + ")");
      for (String collector : collectors) {
        URI uri = URI.create(base + "?collect[]=" + URLEncoder.encode(collector, StandardCharsets.UTF_8));
        ParsedExposition before = ParsedExposition.parse(scrape(uri));
        ParsedExposition ours = ParsedExposition.parse(
            Exposition.text(microc.engine().collect(Set.of(collector))));
        ParsedExposition after = ParsedExposition.parse(scrape(uri));
        compareCollector(collector, before, ours, after, known, report, failures);
      }
      String text = String.join("\n", report) + "\n";
      System.out.print(text);
      Files.writeString(REPORTS.resolve(name + ".txt"), text);
      assertThat(failures).as("differences from node_exporter on tree " + name
          + " (report: " + REPORTS.resolve(name + ".txt").toAbsolutePath() + ", node_exporter's log: "
          + log.toAbsolutePath() + ")\n" + text).isEmpty();
    } finally {
      nodeExporter.destroy();
      nodeExporter.waitFor();
    }
  }

  private static void compareCollector(String collector, ParsedExposition before,
      ParsedExposition ours, ParsedExposition after, List<KnownDifference> known,
      List<String> report, List<String> failures) {
    List<String> problems = new ArrayList<>();
    List<String> excused = new ArrayList<>();

    Set<String> theirFamilies = before.families.keySet().stream()
        .filter(n -> !NODE_EXPORTER_OWN.contains(n)).collect(Collectors.toCollection(TreeSet::new));
    Set<String> ourFamilies = ours.families.keySet().stream()
        .filter(n -> !n.startsWith("microc_")).collect(Collectors.toCollection(TreeSet::new));
    int familiesMatched = 0;
    for (String family : theirFamilies) {
      Family theirs = before.families.get(family);
      Family mine = ours.families.get(family);
      String problem = mine == null ? "missing family " + theirs
          : !mine.type().equals(theirs.type()) || !mine.help().equals(theirs.help())
              || !mine.labelNames().equals(theirs.labelNames())
              ? "family differs: node_exporter " + theirs + ", microc " + mine : null;
      if (problem == null) {
        familiesMatched++;
      } else {
        sort(problem, family, null, known, problems, excused);
      }
    }
    for (String family : ourFamilies) {
      if (!theirFamilies.contains(family)) {
        sort("family only in microc: " + ours.families.get(family), family, null, known, problems,
            excused);
      }
    }

    int seriesMatched = 0;
    int theirSeries = 0;
    for (Map.Entry<Series, Double> sample : before.samples.entrySet()) {
      Series series = sample.getKey();
      if (NODE_EXPORTER_OWN.contains(series.name()) || !theirFamilies.contains(familyOf(series.name(), before))) {
        continue;
      }
      theirSeries++;
      Double mine = ours.samples.get(series);
      Double again = after.samples.get(series);
      boolean stable = again != null && same(sample.getValue(), again);
      String problem = mine == null ? "missing series " + canonical(series) + " = " + sample.getValue()
          : stable && !same(sample.getValue(), mine)
              ? "value differs: " + canonical(series) + " node_exporter " + sample.getValue()
                  + ", microc " + mine
              : null;
      if (problem == null) {
        seriesMatched++;
      } else {
        sort(problem, series.name(), canonical(series), known, problems, excused);
      }
    }
    for (Series series : ours.samples.keySet()) {
      if (series.name().startsWith("microc_") || before.samples.containsKey(series)) {
        continue;
      }
      sort("series only in microc: " + canonical(series) + " = " + ours.samples.get(series),
          series.name(), canonical(series), known, problems, excused);
    }

    Double theirSuccess = before.samples.get(new Series("node_scrape_collector_success",
        Map.of("collector", collector)));
    Double ourSuccess = ours.samples.get(new Series("microc_scrape_collector_success",
        Map.of("collector", collector)));
    if (theirSuccess == null || !theirSuccess.equals(ourSuccess)) {
      problems.add("success differs: node_scrape_collector_success " + theirSuccess
          + ", microc_scrape_collector_success " + ourSuccess);
    }

    report.add(String.format(java.util.Locale.ROOT,
        "  %-18s families %d/%d, series %d/%d, success %s/%s%s", collector, familiesMatched,
        theirFamilies.size(), seriesMatched, theirSeries, fmt(theirSuccess), fmt(ourSuccess),
        problems.isEmpty() ? "" : ", " + problems.size() + " differences"));
    problems.forEach(p -> report.add("    " + p));
    excused.forEach(p -> report.add("    known: " + p));
    problems.forEach(p -> failures.add(collector + ": " + p));
  }

  /** The family a sample belongs to: its name, or its name without a summary's or histogram's suffix. */
  private static String familyOf(String sample, ParsedExposition exposition) {
    if (exposition.families.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sample.endsWith(suffix)) {
        String family = sample.substring(0, sample.length() - suffix.length());
        if (exposition.families.containsKey(family)) {
          return family;
        }
      }
    }
    return sample;
  }

  private static void sort(String problem, String family, String series, List<KnownDifference> known,
      List<String> problems, List<String> excused) {
    for (KnownDifference k : known) {
      if (k.matches(family, series)) {
        excused.add(problem + " (" + k.reason() + ")");
        return;
      }
    }
    problems.add(problem);
  }

  /** {@code name{a="1",b="2"}}, the form known-differences' regexes match. */
  static String canonical(Series series) {
    if (series.labels().isEmpty()) {
      return series.name();
    }
    return series.name() + series.labels().entrySet().stream()
        .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
        .collect(Collectors.joining(",", "{", "}"));
  }

  private static boolean same(double a, double b) {
    return a == b || (Double.isNaN(a) && Double.isNaN(b));
  }

  private static String fmt(Double value) {
    return value == null ? "absent" : String.valueOf(value.intValue());
  }


  private static String scrape(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("node_exporter's answer to " + uri + ": " + response.body())
        .isEqualTo(200);
    return response.body();
  }

  private static void awaitUp(Process process, URI uri, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    HttpRequest request = HttpRequest.newBuilder(URI.create(uri.toString().replace("/metrics", "/")))
        .timeout(Duration.ofSeconds(5)).build();
    while (true) {
      try {
        HTTP.send(request, HttpResponse.BodyHandlers.discarding());
        return;
      } catch (ConnectException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("node_exporter did not start: " + Files.readString(log), e);
        }
        Thread.sleep(20);
      }
    }
  }

  /** A difference that is known and explained, by family or series regex. */
  private record KnownDifference(Pattern family, Pattern series, String reason) {
    static KnownDifference from(Config c) {
      return new KnownDifference(
          c.hasPath("family") ? Pattern.compile(c.getString("family")) : null,
          c.hasPath("series") ? Pattern.compile(c.getString("series")) : null,
          c.getString("reason"));
    }

    boolean matches(String familyName, String seriesText) {
      if (family != null && family.matcher(familyName).matches()) {
        return true;
      }
      return series != null && seriesText != null && series.matcher(seriesText).matches();
    }
  }
}
