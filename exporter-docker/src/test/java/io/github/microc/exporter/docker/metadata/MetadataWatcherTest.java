package io.github.microc.exporter.docker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.client.Json;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataWatcherTest {

  static Map<String, Object> listed(String state, String status, String name) {
    return Json.object(Json.parse("{\"Id\":\"a\",\"Names\":[\"/" + name + "\"],\"State\":\""
        + state + "\",\"Status\":\"" + status + "\"}"));
  }

  static ContainerInfo cached(String state, long exitCode, String health) {
    return new ContainerInfo("a", "web", "img", "sha256:1", Map.of(), state, 0, exitCode, 0, false,
        Instant.EPOCH, health, "default", 0, 100_000, 1024, 0, 0);
  }

  @Test
  void healthIsReadFromTheListingStatus() {
    assertThat(MetadataWatcher.parseHealth("Up 3 minutes (healthy)")).isEqualTo("healthy");
    assertThat(MetadataWatcher.parseHealth("Up 3 minutes (unhealthy)")).isEqualTo("unhealthy");
    assertThat(MetadataWatcher.parseHealth("Up 1 second (health: starting)")).isEqualTo("starting");
    assertThat(MetadataWatcher.parseHealth("Up 3 minutes")).isEmpty();
  }

  @Test
  void aListingThatSaysNothingNewNeedsNoInspect() throws Exception {
    assertThat(MetadataWatcher.unchanged(cached("running", 0, ""), listed("running", "Up 2 hours", "web")))
        .isTrue();
    assertThat(MetadataWatcher.unchanged(cached("exited", 3, ""), listed("exited", "Exited (3) 5 minutes ago", "web")))
        .isTrue();
  }

  @Test
  void aChangedStateNameHealthOrExitCodeNeedsAnInspect() throws Exception {
    assertThat(MetadataWatcher.unchanged(cached("running", 0, ""), listed("exited", "Exited (0) 1 second ago", "web")))
        .isFalse();
    assertThat(MetadataWatcher.unchanged(cached("running", 0, ""), listed("running", "Up 2 hours", "web2")))
        .isFalse();
    assertThat(MetadataWatcher.unchanged(cached("running", 0, "healthy"), listed("running", "Up 2 hours (unhealthy)", "web")))
        .isFalse();
    assertThat(MetadataWatcher.unchanged(cached("exited", 3, ""), listed("exited", "Exited (137) 1 second ago", "web")))
        .isFalse();
  }
}
