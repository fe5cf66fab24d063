package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.host.ParsedExposition.Family;
import io.github.microc.exporter.core.host.ParsedExposition.Series;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real node_exporter 1.5 is the oracle: it runs on a free loopback port with exactly the
 * collectors Microc has (and Microc's default excludes, since distributions patch
 * node_exporter's), and both are scraped in turn: node_exporter, Microc, node_exporter.
 *
 * <p>Every family Microc exposes under {@code node_} must exist in node_exporter's output with
 * the same type, HELP and label names. Every series whose value node_exporter reports the same (within
 * 0.1 %) in both of its scrapes (sizes, totals that do not move, boot time, uname) must appear
 * in Microc's output with the same labels and a value within 1 %. A report of what matched is
 * printed and written to {@code target/node-exporter-parity.txt}.
 */
class NodeExporterParityIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static Process nodeExporter;
  private static Microc microc;
  private static URI nodeExporterUri;

  @BeforeAll
  static void start() throws Exception {
    Path binary = Engines.executable("node_exporter").orElseGet(() -> Engines.requireExecutable(
        "prometheus-node-exporter", "install node_exporter 1.5 (apt-get install prometheus-node-exporter)",
        "/usr/bin/prometheus-node-exporter"));
    microc = Microc.builder().environment(Map.of()).plugins(Fixtures.HOST_PLUGINS).build();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--web.listen-address=127.0.0.1:" + port, "--collector.disable-defaults",
        "--collector.filesystem.mount-points-exclude="
            + microc.config().getString("microc.collectors.filesystem.mount-points-exclude"),
        "--collector.filesystem.fs-types-exclude="
            + microc.config().getString("microc.collectors.filesystem.fs-types-exclude"),
        "--collector.diskstats.device-exclude="
            + microc.config().getString("microc.collectors.diskstats.device-exclude"),
        "--collector.netdev.device-exclude="
            + microc.config().getString("microc.collectors.netdev.device-exclude")));
    Fixtures.HOST_PLUGINS.forEach(p -> command.add("--collector." + p.name()));
    Path log = Files.createDirectories(Path.of("target")).resolve("node-exporter-parity.log");
    nodeExporter = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
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

  @Test
  void microcExposesWhatNodeExporterDoes() throws Exception {
    for (int i = 0; i < 20; i++) {
      microc.engine().collect(); // warm up, so that the durations below are not the JIT's
    }
    ParsedExposition before = ParsedExposition.parse(scrape(nodeExporterUri));
    ParsedExposition ours = ParsedExposition.parse(Exposition.text(microc.engine().collect()));
    ParsedExposition after = ParsedExposition.parse(scrape(nodeExporterUri));

    List<String> report = new ArrayList<>();
    List<String> familyMismatches = new ArrayList<>();
    Set<String> sharedFamilies = new TreeSet<>();
    int ourFamilies = 0;
    for (Family family : ours.families.values()) {
      if (!family.name().startsWith("node_")) {
        continue;
      }
      ourFamilies++;
      Family theirs = before.families.get(family.name());
      if (theirs == null) {
        familyMismatches.add("  missing in node_exporter: " + family);
      } else if (!theirs.type().equals(family.type()) || !theirs.labelNames().equals(family.labelNames())
          || !theirs.help().equals(family.help())) {
        familyMismatches.add("  differs: microc " + family + " node_exporter " + theirs);
      } else {
        sharedFamilies.add(family.name());
      }
    }

    List<String> seriesMismatches = new ArrayList<>();
    int stable = 0;
    int matched = 0;
    for (Map.Entry<Series, Double> sample : before.samples.entrySet()) {
      Series series = sample.getKey();
      Double again = after.samples.get(series);
      if (!sharedFamilies.contains(series.name()) || again == null
          || !within(sample.getValue(), again, 0.001)) {
        continue;
      }
      stable++;
      Double mine = ours.samples.get(series);
      if (mine != null && within(sample.getValue(), mine, 0.01)) {
        matched++;
      } else {
        seriesMismatches.add("  " + series + ": node_exporter " + sample.getValue() + ", microc "
            + (mine == null ? "absent" : mine));
      }
    }
    List<String> extra = ours.samples.keySet().stream()
        .filter(s -> sharedFamilies.contains(s.name()) && !before.samples.containsKey(s))
        .map(s -> "  only in microc: " + s).collect(Collectors.toList());
    List<String> notOurs = before.families.keySet().stream()
        .filter(n -> !ours.families.containsKey(n)).collect(Collectors.toList());

    report.add("node_exporter parity: families " + sharedFamilies.size() + "/" + ourFamilies
        + " matched, stable series " + matched + "/" + stable + " matched");
    report.addAll(familyMismatches);
    report.addAll(seriesMismatches);
    report.addAll(extra);
    report.add("node_exporter families Microc does not expose: " + notOurs);
    report.add("self-reported collector durations, microc_ / node_scrape_collector_duration_seconds"
        + " (one scrape; Microc's include waiting for a thread while all run at once):");
    for (String name : new TreeSet<>(microc.engine().enabledCollectors())) {
      Double mine = ours.samples.get(new Series("microc_scrape_collector_duration_seconds", Map.of("collector", name)));
      Double theirs = before.samples.get(new Series("node_scrape_collector_duration_seconds", Map.of("collector", name)));
      report.add(String.format(java.util.Locale.ROOT, "  %-10s %8.1f us / %8.1f us", name,
          mine == null ? Double.NaN : mine * 1e6, theirs == null ? Double.NaN : theirs * 1e6));
    }
    String text = String.join("\n", report);
    System.out.println(text);
    Files.writeString(Path.of("target", "node-exporter-parity.txt"), text + "\n");

    assertThat(ourFamilies).as("families under node_").isGreaterThan(60);
    assertThat(familyMismatches).as(text).isEmpty();
    assertThat(stable).as("stable series").isGreaterThan(50);
    assertThat((double) matched / stable).as(text).isGreaterThanOrEqualTo(0.95);
  }

  private static boolean within(double a, double b, double ratio) {
    if (a == b) {
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
          throw new IllegalStateException("node_exporter did not start: "
              + Optional.of(Files.readString(log)).orElse(""), e);
        }
        Thread.sleep(50);
      }
    }
  }
}
