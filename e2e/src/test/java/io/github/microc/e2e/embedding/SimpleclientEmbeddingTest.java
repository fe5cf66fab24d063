package io.github.microc.e2e.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.GaugeMetricFamily;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.simpleclient.bridge.SimpleclientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An application that still has a collector written for the legacy simpleclient (0.x): the
 * bridge brings its registry into the client_java 1.x registry that also holds Microc's
 * collectors. The snippet in docs/embedding.md is this test's code.
 */
class SimpleclientEmbeddingTest {

  /** A collector as written for simpleclient: a queue's depth, per queue. */
  static final class QueueCollector extends Collector {
    @Override
    public List<MetricFamilySamples> collect() {
      GaugeMetricFamily depth = new GaugeMetricFamily("shop_queue_depth",
          "Messages waiting, per queue.", List.of("queue"));
      depth.addMetric(List.of("payments"), 3);
      return List.of(depth);
    }
  }

  @Test
  void legacyCollectorIsServedBesideHostMetrics() throws Exception {
    CollectorRegistry legacy = new CollectorRegistry();
    new QueueCollector().register(legacy);

    PrometheusRegistry registry = new PrometheusRegistry();
    SimpleclientCollector.builder().collectorRegistry(legacy).register(registry);
    try (Microc microc = Microc.builder().build()) {
      microc.register(registry);
      try (HTTPServer server = HTTPServer.builder().port(0).registry(registry).buildAndStart()) {

        String metrics = Scrapes.get(server.getPort());

        assertThat(Scrapes.samples(metrics, "shop_queue_depth"))
            .containsExactly("shop_queue_depth{queue=\"payments\"} 3.0");
        assertThat(Scrapes.samples(metrics, "node_cpu_seconds_total{")).isNotEmpty();
        assertThat(Scrapes.samples(metrics, "node_memory_MemTotal_bytes")).hasSize(1);
      }
    }
  }
}
