package io.github.microc.e2e.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * An application on Micrometer (as Spring Boot 3.3+ sets it up): Microc's collectors join
 * the client_java registry under Micrometer's {@link PrometheusMeterRegistry}, so the
 * application's scrape, which Spring Boot serves at {@code /actuator/prometheus}, carries
 * both. The snippet in docs/embedding.md is this test's code.
 */
class MicrometerEmbeddingTest {

  @Test
  void hostMetricsAreScrapedBesideMicrometersMeters() {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter orders = Counter.builder("shop.orders").description("Orders placed.").register(meters);

    try (Microc microc = Microc.builder().build()) {
      microc.register(meters.getPrometheusRegistry());
      orders.increment();

      String metrics = meters.scrape();

      assertThat(Scrapes.samples(metrics, "shop_orders_total")).containsExactly("shop_orders_total 1.0");
      assertThat(Scrapes.samples(metrics, "node_cpu_seconds_total{")).isNotEmpty();
      assertThat(Scrapes.samples(metrics, "node_memory_MemTotal_bytes")).hasSize(1);
      assertThat(Scrapes.samples(metrics, "microc_scrape_collector_success{"))
          .contains("microc_scrape_collector_success{collector=\"cpu\"} 1.0");
    }
  }
}
