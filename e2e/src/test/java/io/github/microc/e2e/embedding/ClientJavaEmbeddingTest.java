package io.github.microc.e2e.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

/**
 * An application on plain client_java: Microc's collectors join the application's own
 * registry, and the application's own endpoint serves both. The snippet in
 * docs/embedding.md is this test's code.
 */
class ClientJavaEmbeddingTest {

  @Test
  void hostMetricsAreServedBesideTheApplicationsOwn() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter orders = Counter.builder()
        .name("shop_orders_total")
        .help("Orders placed.")
        .register(registry);

    try (Microc microc = Microc.builder().build()) {
      microc.register(registry);
      try (HTTPServer server = HTTPServer.builder().port(0).registry(registry).buildAndStart()) {
        orders.inc();

        String metrics = Scrapes.get(server.getPort());

        assertThat(Scrapes.samples(metrics, "shop_orders_total")).containsExactly("shop_orders_total 1.0");
        assertThat(Scrapes.samples(metrics, "node_cpu_seconds_total{")).isNotEmpty();
        assertThat(Scrapes.samples(metrics, "node_memory_MemTotal_bytes")).hasSize(1);
        assertThat(Scrapes.samples(metrics, "microc_scrape_collector_success{"))
            .isNotEmpty()
            .contains("microc_scrape_collector_success{collector=\"cpu\"} 1.0");
      }
    }
  }

  @Test
  void closingMicrocLeavesTheApplicationsMetrics() {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("shop_orders_total").help("Orders placed.").register(registry);

    Microc microc = Microc.builder().build();
    microc.register(registry);
    microc.close();

    assertThat(registry.scrape().stream().map(s -> s.getMetadata().getPrometheusName()))
        .containsExactly("shop_orders");
  }
}
