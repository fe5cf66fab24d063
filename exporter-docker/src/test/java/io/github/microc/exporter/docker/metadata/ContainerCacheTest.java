package io.github.microc.exporter.docker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerCacheTest {

  static ContainerInfo container(String id, String state) {
    return new ContainerInfo(id, "c-" + id, "img", "sha256:1", Map.of(), state, 0, 0, 0, false,
        null, "", "default", 0, 100_000, 1024, 0, 0);
  }

  @Test
  void snapshotsAreImmutableAndReplacedWhole() {
    ContainerCache cache = new ContainerCache();
    assertThat(cache.snapshot().up()).isFalse();
    assertThat(cache.snapshot().synced()).isFalse();
    cache.replaceAll(List.of(container("a", "running")));
    ContainerCache.Snapshot first = cache.snapshot();
    cache.put(container("b", "exited"));
    assertThat(first.containers()).containsOnlyKeys("a");
    assertThat(cache.snapshot().containers()).containsOnlyKeys("a", "b");
    assertThat(cache.snapshot().synced()).isTrue();
    assertThat(cache.snapshot().up()).as("a listing alone does not make the daemon up").isFalse();
    cache.up(true);
    assertThat(cache.snapshot().up()).isTrue();
    cache.remove("a");
    assertThat(cache.snapshot().containers()).containsOnlyKeys("b");
  }

  @Test
  void oomCountsSurviveReinspectionAndRelisting() {
    ContainerCache cache = new ContainerCache();
    cache.replaceAll(List.of(container("a", "running")));
    cache.oom("a");
    cache.oom("a");
    cache.put(container("a", "exited"));
    assertThat(cache.snapshot().containers().get("a").oomEvents()).isEqualTo(2);
    cache.replaceAll(List.of(container("a", "exited")));
    assertThat(cache.snapshot().containers().get("a").oomEvents()).isEqualTo(2);
  }

  @Test
  void anOomEventThatOvertakesTheInspectIsKept() {
    ContainerCache cache = new ContainerCache();
    cache.oom("b");
    cache.put(container("b", "exited"));
    assertThat(cache.snapshot().containers().get("b").oomEvents()).isEqualTo(1);
    cache.put(container("b", "exited"));
    assertThat(cache.snapshot().containers().get("b").oomEvents()).isEqualTo(1);
  }

  @Test
  void aCallWaitingLongerThanTheStallTimeMakesTheDaemonDownUntilItIsAnswered() throws Exception {
    ContainerCache cache = new ContainerCache();
    cache.stallAfter(java.time.Duration.ofSeconds(10));
    cache.up(true);
    cache.asking(System.nanoTime());
    assertThat(cache.snapshot().up()).as("just asked").isTrue();
    cache.asking(System.nanoTime() - java.time.Duration.ofSeconds(11).toNanos());
    assertThat(cache.snapshot().up()).as("asked 11 s ago").isFalse();
    cache.answered();
    assertThat(cache.snapshot().up()).isTrue();
  }

  @Test
  void downKeepsTheLastKnownContainers() {
    ContainerCache cache = new ContainerCache();
    cache.replaceAll(List.of(container("a", "running")));
    cache.up(false);
    assertThat(cache.snapshot().up()).isFalse();
    assertThat(cache.snapshot().containers()).containsOnlyKeys("a");
  }
}
