package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.host.ParsedExposition.Family;
import io.github.microc.exporter.core.host.ParsedExposition.Series;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real node_exporter 1.5 is the oracle on this host: it runs on a free loopback port with
 * every collector it enables by default that Microc has too (its {@code --help} says which are
 * default; {@code systemd}, which needs a systemd this host may lack, is left out), and those
 * it disables by default that Microc has (processes, tcpstat, interrupts, …), with
 * Microc's default excludes, since distributions patch node_exporter's. For each collector in
 * turn node_exporter is scraped with {@code collect[]=<collector>}, then Microc collects that
 * collector alone, then node_exporter again.
 *
 * <p>Every family node_exporter exposes in both of its scrapes must be in Microc's output with
 * the same type, HELP and label names, and none that it has in neither: 100 % of families. Every
 * series whose value node_exporter reports the same (within 0.1 %) in both of its scrapes must be
 * in Microc's output with the same labels and a value within 1 %: at least 98 % of those series.
 * What appears or goes between node_exporter's two scrapes (containers come and go on a shared
 * machine) is left out. {@code node_scrape_collector_success} must equal
 * {@code microc_scrape_collector_success} where node_exporter's two scrapes agree. The
 * report (matched/total per collector, what differs, the node_exporter default collectors Microc
 * does not have yet, each side's self-reported durations) is printed and written to
 * {@code target/node-exporter-parity.txt}.
 */
class NodeExporterParityIT {

  /** node_exporter's default collectors that are out of scope on a host without systemd. */
  private static final Set<String> OUT_OF_SCOPE = Set.of("systemd");
  /** What node_exporter adds that no collector of Microc's stands for. */
  private static final Set<String> NODE_EXPORTER_OWN = Set.of("node_exporter_build_info",
      "promhttp_metric_handler_errors_total");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Process nodeExporter;
  private static Microc microc;
  private static URI nodeExporterUri;
  private static List<String> compared;
  private static List<String> missing;
  private static List<String> extras;

  @BeforeAll
  static void start() throws Exception {
    Path binary = Engines.executable("node_exporter").orElseGet(() -> Engines.requireExecutable(
        "prometheus-node-exporter", "install node_exporter 1.5 (apt-get install prometheus-node-exporter)",
        "/usr/bin/prometheus-node-exporter"));
    Set<String> defaults = nodeExporterCollectors(binary, "enabled");
    Set<String> offByDefault = nodeExporterCollectors(binary, "disabled");
    List<CollectorPlugin> ours = Microc.discover(NodeExporterParityIT.class.getClassLoader(),
        type -> true, "the test class path").stream()
        .filter(p -> p.getClass().getPackageName().equals(NodeExporterParityIT.class.getPackageName()))
        .toList();
    Set<String> ourNames = new TreeSet<>();
    ours.forEach(p -> ourNames.add(p.name()));
    compared = defaults.stream().filter(ourNames::contains).sorted().toList();
    missing = defaults.stream().filter(c -> !ourNames.contains(c)).sorted().toList();
    extras = offByDefault.stream().filter(ourNames::contains).sorted().toList();

    Microc.Builder builder = Microc.builder().environment(Map.of()).plugins(ours)
        .set("microc.web.exporter-metrics", false, "parity test");
    ours.forEach(p -> builder.set("microc.collectors." + p.name() + ".enabled",
        compared.contains(p.name()) || extras.contains(p.name()), "parity test"));
    microc = builder.build();
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--web.listen-address=127.0.0.1:0", "--web.disable-exporter-metrics",
        "--collector.disable-defaults",
        "--collector.filesystem.mount-points-exclude="
            + microc.config().getString("microc.collectors.filesystem.mount-points-exclude"),
        "--collector.filesystem.fs-types-exclude="
            + microc.config().getString("microc.collectors.filesystem.fs-types-exclude"),
        "--collector.diskstats.device-exclude="
            + microc.config().getString("microc.collectors.diskstats.device-exclude"),
        "--collector.netdev.device-exclude="
            + microc.config().getString("microc.collectors.netdev.device-exclude")));
    compared.forEach(c -> command.add("--collector." + c));
    extras.forEach(c -> command.add("--collector." + c));
    Path log = Files.createDirectories(Path.of("target")).resolve("node-exporter-parity.log");
    nodeExporter = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int port = Ports.fromLog(log, Ports.EXPORTER_TOOLKIT, nodeExporter, Duration.ofSeconds(30));
    nodeExporterUri = URI.create("http://127.0.0.1:" + port + "/metrics");
    awaitUp(nodeExporterUri, log);
  }

  @AfterAll
  static void stop() {
    if (nodeExporter != null) {
      nodeExporter.destroy();
    }
    if (microc != null) {
      microc.close();
    }
  }

  /** node_exporter's collectors enabled ({@code state} "enabled") or disabled by default, from its {@code --help}. */
  private static Set<String> nodeExporterCollectors(Path binary, String state) throws Exception {
    Process help = new ProcessBuilder(binary.toString(), "--help").redirectErrorStream(true).start();
    String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    help.waitFor();
    Matcher m = Pattern.compile("--collector\\.(\\w+)\\s+Enable the \\w+ collector \\(default:\\s+" + state + "\\)")
        .matcher(text);
    Set<String> names = new TreeSet<>();
    while (m.find()) {
      if (!OUT_OF_SCOPE.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    assertThat(names).as("node_exporter's collectors " + state + " by default, from its --help").isNotEmpty();
    return names;
  }

  /** One collector's comparison. */
  private record Result(String collector, int families, int familiesMatched, int stable,
      int stableMatched, List<String> problems, String success) {}

  @Test
  void microcExposesWhatNodeExporterDoesForEveryDefaultCollectorItHas() throws Exception {
    for (int i = 0; i < 20; i++) {
      microc.engine().collect(); // warm up, so that the durations below are not the JIT's
    }
    List<Result> results = new ArrayList<>();
    Map<String, double[]> durations = new TreeMap<>();
    List<String> all = new ArrayList<>(compared);
    all.addAll(extras);
    for (String collector : all) {
      URI uri = URI.create(nodeExporterUri + "?collect[]=" + collector);
      ParsedExposition before = ParsedExposition.parse(scrape(uri));
      ParsedExposition ours = ParsedExposition.parse(Exposition.text(microc.engine().collect(Set.of(collector))));
      ParsedExposition after = ParsedExposition.parse(scrape(uri));
      results.add(compare(collector, before, ours, after));
      Series label = new Series("", Map.of("collector", collector));
      Double mine = ours.samples.get(new Series("microc_scrape_collector_duration_seconds", label.labels()));
      Double theirs = before.samples.get(new Series("node_scrape_collector_duration_seconds", label.labels()));
      durations.put(collector, new double[] {mine == null ? Double.NaN : mine, theirs == null ? Double.NaN : theirs});
    }

    int families = results.stream().mapToInt(Result::families).sum();
    int familiesMatched = results.stream().mapToInt(Result::familiesMatched).sum();
    int stable = results.stream().mapToInt(Result::stable).sum();
    int stableMatched = results.stream().mapToInt(Result::stableMatched).sum();
    List<String> report = new ArrayList<>();
    report.add(String.format(Locale.ROOT, "node_exporter parity on this host: %d default collectors and %d"
        + " disabled by default (%s), families %d/%d, stable series %d/%d (%.1f %%)", compared.size(),
        extras.size(), String.join(", ", extras), familiesMatched, families, stableMatched, stable,
        stable == 0 ? 100.0 : 100.0 * stableMatched / stable));
    List<String> familyProblems = new ArrayList<>();
    for (Result r : results) {
      report.add(String.format(Locale.ROOT, "  %-18s families %d/%d, stable series %d/%d, success %s%s",
          r.collector(), r.familiesMatched(), r.families(), r.stableMatched(), r.stable(), r.success(),
          r.problems().isEmpty() ? "" : ", " + r.problems().size() + " differences"));
      r.problems().forEach(p -> report.add("    " + p));
      r.problems().stream().filter(p -> !p.startsWith("value differs") && !p.startsWith("missing series"))
          .forEach(p -> familyProblems.add(r.collector() + ": " + p));
    }
    report.add("node_exporter default collectors Microc does not have yet: " + missing);
    report.add("self-reported collector durations, microc_ / node_scrape_collector_duration_seconds"
        + " (each collector alone):");
    durations.forEach((name, d) -> report.add(String.format(Locale.ROOT, "  %-18s %8.1f us / %8.1f us",
        name, d[0] * 1e6, d[1] * 1e6)));
    String text = String.join("\n", report);
    System.out.println(text);
    Files.writeString(Path.of("target", "node-exporter-parity.txt"), text + "\n");

    assertThat(compared).as("the default collectors compared").hasSizeGreaterThan(20);
    assertThat(extras).as("the collectors disabled by default compared").contains("processes", "tcpstat", "interrupts");
    assertThat(familyProblems).as(text).isEmpty();
    assertThat(familiesMatched).as(text).isEqualTo(families);
    assertThat(stable).as("stable series").isGreaterThan(200);
    assertThat((double) stableMatched / stable).as(text).isGreaterThanOrEqualTo(0.98);
  }

  private static Result compare(String collector, ParsedExposition before, ParsedExposition ours,
      ParsedExposition after) {
    List<String> problems = new ArrayList<>();
    // What comes and goes between node_exporter's two scrapes (a container's network device
    // and the families only it has, a file system mounted meanwhile) is compared in neither
    // direction: only what both of its scrapes have must be in Microc's, taken between them.
    Set<String> theirFamilies = new TreeSet<>(before.families.keySet());
    theirFamilies.retainAll(after.families.keySet());
    theirFamilies.removeAll(NODE_EXPORTER_OWN);
    Set<String> eitherFamilies = new TreeSet<>(before.families.keySet());
    eitherFamilies.addAll(after.families.keySet());
    int familiesMatched = 0;
    for (String name : theirFamilies) {
      Family theirs = before.families.get(name);
      Family mine = ours.families.get(name);
      if (mine == null) {
        problems.add("missing family " + theirs);
      } else if (!mine.type().equals(theirs.type()) || !mine.help().equals(theirs.help())
          || !mine.labelNames().equals(theirs.labelNames())) {
        problems.add("family differs: node_exporter " + theirs + ", microc " + mine);
      } else {
        familiesMatched++;
      }
    }
    ours.families.keySet().stream().filter(n -> !n.startsWith("microc_") && !eitherFamilies.contains(n))
        .forEach(n -> problems.add("family only in microc: " + ours.families.get(n)));

    int stable = 0;
    int stableMatched = 0;
    for (Map.Entry<Series, Double> sample : before.samples.entrySet()) {
      Series series = sample.getKey();
      Double again = after.samples.get(series);
      if (!theirFamilies.contains(series.name()) || again == null || !within(sample.getValue(), again, 0.001)) {
        continue;
      }
      stable++;
      Double mine = ours.samples.get(series);
      if (mine != null && within(sample.getValue(), mine, 0.01)) {
        stableMatched++;
      } else {
        problems.add((mine == null ? "missing series " : "value differs: ") + series + ": node_exporter "
            + sample.getValue() + ", microc " + (mine == null ? "absent" : mine));
      }
    }
    Map<String, String> collectorLabel = Map.of("collector", collector);
    Double theirSuccess = before.samples.get(new Series("node_scrape_collector_success", collectorLabel));
    Double theirSuccessAfter = after.samples.get(new Series("node_scrape_collector_success", collectorLabel));
    Double ourSuccess = ours.samples.get(new Series("microc_scrape_collector_success", collectorLabel));
    // A source that failed in one of node_exporter's scrapes only (a device gone while it read
    // it) says nothing about Microc's in between.
    boolean theirsStable = theirSuccess != null && theirSuccess.equals(theirSuccessAfter);
    if (theirSuccess == null || theirsStable && !theirSuccess.equals(ourSuccess)) {
      problems.add("success differs: node_scrape_collector_success " + theirSuccess
          + ", microc_scrape_collector_success " + ourSuccess);
    }
    return new Result(collector, theirFamilies.size(), familiesMatched, stable, stableMatched, problems,
        fmt(theirSuccess) + "/" + fmt(ourSuccess));
  }

  private static String fmt(Double value) {
    return value == null ? "absent" : String.valueOf(value.intValue());
  }

  private static boolean within(double a, double b, double ratio) {
    if (a == b || (Double.isNaN(a) && Double.isNaN(b))) {
      return true;
    }
    return Math.abs(a - b) <= ratio * Math.max(Math.abs(a), Math.abs(b));
  }

  private static String scrape(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static void awaitUp(URI uri, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try {
        scrape(uri);
        return;
      } catch (ConnectException e) {
        if (!nodeExporter.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("node_exporter did not start: " + Files.readString(log), e);
        }
        Thread.sleep(50);
      }
    }
  }
}
