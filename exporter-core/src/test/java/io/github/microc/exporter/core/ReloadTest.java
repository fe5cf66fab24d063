package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Microc#reload}: the file read again, changed collectors made anew, the rest kept. */
class ReloadTest {

  @TempDir
  Path dir;

  /** Counts the collectors it makes and the ones closed; each collector counts its collections. */
  static final class Counted implements CollectorPlugin {
    final String name;
    final AtomicInteger made = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    Counted(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      int instance = made.incrementAndGet();
      AtomicInteger collections = new AtomicInteger();
      context.closeOnShutdown(closed::incrementAndGet);
      return () -> MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_collections",
          "Collections of this instance.", "instance").add(collections.incrementAndGet(),
          Integer.toString(instance)).build());
    }
  }

  private static double value(String exposition, String series) {
    return exposition.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
        l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst().orElseThrow();
  }

  @Test
  void changedCollectorsAreMadeAnewTheOthersKeepTheirStateAndABadFileChangesNothing() throws Exception {
    Counted a = new Counted("a");
    Counted b = new Counted("b");
    Counted c = new Counted("c");
    Path file = Files.writeString(dir.resolve("microc.conf"), "microc.collectors.a.timeout = 5s\n");
    try (Microc microc = Microc.builder().plugins(List.of(a, b, c)).environment(Map.of())
        .configFile(file).set("microc.collectors.c.timeout", "3s", "flag --collector.c.timeout").build()) {
      microc.engine().collect();
      microc.engine().collect();
      AtomicBoolean scraping = new AtomicBoolean(true);
      List<Throwable> failures = new ArrayList<>();
      AtomicInteger scrapes = new AtomicInteger();
      Thread scraper = new Thread(() -> {
        while (scraping.get()) {
          try {
            String text = Exposition.text(microc.registry().scrape());
            if (!text.contains("microc_scrape_collector_success{collector=\"a\"} 1.0")) {
              failures.add(new AssertionError("no a in " + text));
            }
            scrapes.incrementAndGet();
          } catch (RuntimeException e) {
            failures.add(e);
          }
        }
      });
      scraper.start();

      Files.writeString(file, "microc.collectors.a.timeout = 4s\nmicroc.typo = 1\n");
      assertThatThrownBy(microc::reload).isInstanceOf(ConfigError.class)
          .hasMessageContaining(file + ":2");
      assertThat(Exposition.text(microc.registry().scrape()))
          .contains("microc_config_last_reload_successful 0.0");

      Files.writeString(file, "microc.collectors.a.timeout = 4s\nmicrocollectors.b.enabled = false\n"
          .replace("microcollectors", "microc.collectors"));
      microc.reload();
      // A few scrapes of the reloaded collectors before the scraper stops.
      int atReload = scrapes.get();
      long until = System.nanoTime() + 10_000_000_000L;
      while (scrapes.get() < atReload + 5 && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      scraping.set(false);
      scraper.join();

      String after = Exposition.text(microc.engine().collect());
      assertThat(microc.engine().enabledCollectors()).containsExactly("a", "c");
      assertThat(a.made).as("a's timeout changed: made anew").hasValue(2);
      assertThat(b.made).hasValue(1);
      assertThat(c.made).as("c unchanged (its flag still set): kept").hasValue(1);
      // a's new instance counts from one; c's goes on from before the reloads.
      assertThat(after).contains("test_a_collections{instance=\"2\"}")
          .doesNotContain("test_a_collections{instance=\"1\"}")
          .contains("test_c_collections{instance=\"1\"}")
          .doesNotContain("test_b_");
      double a2 = value(after, "test_a_collections{instance=\"2\"}");
      double c1 = value(after, "test_c_collections{instance=\"1\"}");
      assertThat(c1).isGreaterThan(a2);
      assertThat(Exposition.text(microc.registry().scrape()))
          .contains("microc_config_last_reload_successful 1.0");
      assertThat(failures).isEmpty();
      assertThat(scrapes.get()).isGreaterThan(5);

      // The instances that left are closed once scrapes that used them are over.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((a.closed.get() < 1 || b.closed.get() < 1) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(a.closed).hasValue(1);
      assertThat(b.closed).hasValue(1);
      assertThat(c.closed).hasValue(0);
    }
    assertThat(c.closed).as("closed with Microc").hasValue(1);
  }
}
