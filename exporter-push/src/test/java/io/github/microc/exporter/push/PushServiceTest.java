package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushServiceTest {

  @TempDir
  Path dir;

  private EndpointSettings endpoint(String name, Duration interval) {
    // Port 9 on loopback: nothing listens, every attempt is refused.
    return new EndpointSettings(name, URI.create("http://127.0.0.1:9/api/v1/write"), interval,
        List.of(), List.of(), Map.of("job", "microc"), Duration.ofSeconds(1), Duration.ofSeconds(1),
        Map.of(), new EndpointSettings.Credentials.None(), new EndpointSettings.Tls(null, null, null),
        Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(1),
        new EndpointSettings.Buffer(dir.resolve(name), 1024 * 1024, Duration.ofHours(1)));
  }

  @Test
  void anUpdateRestartsChangedEndpointsOnlyAndKeepsTheirBuffers() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    try (PushService push = PushService.start(registry, new PushSettings(List.of(
        endpoint("a", Duration.ofHours(1)), endpoint("b", Duration.ofHours(1)))), Clock.systemUTC())) {
      EndpointPusher b = push.pushers().get(1);
      assertThat(Exposition.text(registry.scrape()))
          .contains("microc_push_pending_batches{endpoint=\"a\"}", "microc_push_pending_batches{endpoint=\"b\"}");

      push.update(new PushSettings(List.of(endpoint("b", Duration.ofHours(1)),
          endpoint("a", Duration.ofMinutes(30)), endpoint("c", Duration.ofHours(1)))));

      assertThat(push.endpoints()).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(push.pushers()).contains(b);
      assertThat(push.pushers().stream().filter(p -> p.settings().name().equals("a")).findFirst()
          .orElseThrow().settings().interval()).isEqualTo(Duration.ofMinutes(30));
      // a's first batch failed and went to disk; the restarted a finds it.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (pending(push, "a") == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(pending(push, "a")).isGreaterThan(0);

      push.update(new PushSettings(List.of(endpoint("c", Duration.ofHours(1)))));
      assertThat(push.endpoints()).containsExactly("c");
      assertThat(Exposition.text(registry.scrape())).doesNotContain("endpoint=\"a\"");
      assertThat(push.status().rows()).singleElement().satisfies(row ->
          assertThat(row.get(0)).isEqualTo("c"));
    }
    assertThat(Exposition.text(registry.scrape())).as("closed: unregistered").doesNotContain("microc_push_");
  }

  private static int pending(PushService push, String name) {
    return push.pushers().stream().filter(p -> p.settings().name().equals(name))
        .mapToInt(p -> p.pending().batches()).sum();
  }
}
