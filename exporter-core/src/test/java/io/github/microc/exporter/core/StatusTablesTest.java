package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.StatusTable;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The landing page's tables: the collectors' own ({@link PluginContext#addStatus}) and the configuration's. */
class StatusTablesTest {

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  /** Shows a table naming the instance of its collector that made it; or one that throws. */
  static final class Tabled implements CollectorPlugin {
    final String name;
    final boolean throwing;
    final AtomicInteger made = new AtomicInteger();

    Tabled(String name, boolean throwing) {
      this.name = name;
      this.throwing = throwing;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      int instance = made.incrementAndGet();
      context.addStatus(() -> {
        if (throwing) {
          throw new IllegalStateException("no <table> today");
        }
        return new StatusTable(name + " table", List.of("Instance"), List.of(List.of("instance " + instance)));
      });
      return () -> MetricSnapshots.of(MetricFamily.gauge("test_" + name, "One.", 1));
    }
  }

  private String page(Microc microc, int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void aCollectorsTableShowsWhileItLivesAndOneThatThrowsIsShownFailingBesideTheOthers() throws Exception {
    Tabled good = new Tabled("good", false);
    Tabled bad = new Tabled("bad", true);
    Path file = Files.writeString(dir.resolve("microc.conf"), "microc.collectors.good.timeout = 5s\n");
    try (Microc microc = Microc.builder().plugins(List.of(good, bad)).environment(Map.of())
        .configFile(file).build()) {
      int port = microc.startServer(ListenAddress.parse("127.0.0.1:0")).port();

      String before = page(microc, port);
      assertThat(before).contains("<h2>good table</h2>", "<td>instance 1</td>")
          .contains("<h2>bad</h2>\n<p>Its table could not be made: IllegalStateException: no &lt;table&gt; today</p>");
      assertThat(before.indexOf("<h2>bad</h2>")).as("in the order of the collectors' names")
          .isLessThan(before.indexOf("<h2>good table</h2>"));
      assertThat(before.indexOf("<h2>good table</h2>")).isLessThan(before.indexOf("<h2>Collectors</h2>"));

      Files.writeString(file, "microc.collectors.good.timeout = 4s\n");
      microc.reload();
      String after = page(microc, port);
      assertThat(after).as("the collector made anew shows its own table, the old one's is gone")
          .contains("<td>instance 2</td>").doesNotContain("instance 1");

      Files.writeString(file, "microc.collectors.bad.enabled = false\n");
      microc.reload();
      assertThat(page(microc, port)).doesNotContain("<h2>bad</h2>");
    }
  }

  @Test
  void theConfigurationTableSaysWhetherTheLastReloadWorkedAndWhyNot() throws Exception {
    Path file = Files.writeString(dir.resolve("microc.conf"), "microc.collectors.good.timeout = 5s\n");
    try (Microc microc = Microc.builder().plugins(List.of(new Tabled("good", false))).environment(Map.of())
        .configFile(file).build()) {
      int port = microc.startServer(ListenAddress.parse("127.0.0.1:0")).port();
      String first = page(microc, port);
      assertThat(first).contains("<h2>Configuration</h2>")
          .containsPattern("<td class=\"w\">" + file + "</td><td>none since the start</td><td>yes</td>"
              + "<td>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ</td><td></td>");

      Files.writeString(file, "microc.collectors.good.timeout = 4s\nmicroc.<b>typo = 1\n");
      assertThatThrownBy(microc::reload).isInstanceOf(ConfigError.class);
      String failed = page(microc, port);
      assertThat(failed)
          .containsPattern("<td>\\d{4}-\\d\\d-\\d\\dT[0-9:]{8}Z</td><td class=\"w\">no: the configuration before it stays</td>")
          .contains(file + ":2").contains("&lt;b&gt;typo").doesNotContain("<b>typo");

      Files.writeString(file, "microc.collectors.good.timeout = 4s\n");
      microc.reload();
      assertThat(page(microc, port)).contains("<td>yes</td>").doesNotContain("typo");
    }
  }
}
