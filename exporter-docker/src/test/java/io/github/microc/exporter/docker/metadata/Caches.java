package io.github.microc.exporter.docker.metadata;

import java.util.List;

/** Metadata caches filled by hand, for collector tests that need no daemon. */
public final class Caches {

  private Caches() {}

  public static ContainerCache of(boolean up, ContainerInfo... containers) {
    ContainerCache cache = new ContainerCache();
    cache.replaceAll(List.of(containers));
    cache.up(up);
    return cache;
  }

  public static void oom(ContainerCache cache, String id) {
    cache.oom(id);
  }
}
