package io.github.microc.exporter.docker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.client.Json;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the watcher does with each kind of event, before any Docker call. */
class EventHandlingTest {

  static Map<String, Object> event(String action, String id) {
    return Json.object(Json.parse("{\"Type\":\"container\",\"Action\":\"" + action
        + "\",\"Actor\":{\"ID\":\"" + id + "\",\"Attributes\":{}},\"time\":1}"));
  }

  private final ContainerCache cache = new ContainerCache();
  /** Never started: no thread, no Docker call; the clients are not used. */
  private final MetadataWatcher watcher = new MetadataWatcher(null, cache, Duration.ofSeconds(30),
      Duration.ofSeconds(5));

  @Test
  void destroyRemovesTheContainerAtOnce() throws Exception {
    cache.replaceAll(List.of(ContainerCacheTest.container("a", "exited")));
    watcher.onEvent(event("destroy", "a"));
    assertThat(cache.snapshot().containers()).isEmpty();
  }

  /**
   * {@code docker rm -f} sends {@code die} then {@code destroy}: the inspect for the die may
   * answer after the destroy was applied, and a listing may have been taken before it.
   */
  @Test
  void anInspectOrListingBegunBeforeTheDestroyDoesNotBringTheContainerBack() throws Exception {
    cache.replaceAll(List.of(ContainerCacheTest.container("a", "running"),
        ContainerCacheTest.container("b", "running")));
    watcher.onEvent(event("die", "a"));
    watcher.onEvent(event("destroy", "a"));
    cache.put(ContainerCacheTest.container("a", "exited"));
    assertThat(cache.snapshot().containers()).containsOnlyKeys("b");
    cache.replaceAll(List.of(ContainerCacheTest.container("a", "exited"),
        ContainerCacheTest.container("b", "running")));
    assertThat(cache.snapshot().containers()).containsOnlyKeys("b");
  }

  @Test
  void oomIsCountedAtOnce() throws Exception {
    cache.replaceAll(List.of(ContainerCacheTest.container("a", "running")));
    watcher.onEvent(event("oom", "a"));
    assertThat(cache.snapshot().containers().get("a").oomEvents()).isEqualTo(1);
  }

  @Test
  void execAndAttachEventsOfHealthChecksAreIgnored() throws Exception {
    cache.replaceAll(List.of(ContainerCacheTest.container("a", "running")));
    ContainerCache.Snapshot before = cache.snapshot();
    watcher.onEvent(event("exec_create: test -f /tmp/ok", "a"));
    watcher.onEvent(event("exec_die", "a"));
    watcher.onEvent(event("attach", "a"));
    assertThat(cache.snapshot()).isSameAs(before);
  }
}
