package io.github.microc.exporter.docker;

import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One container's label sets, built once per metadata version and reused by every scrape:
 * {@code id="/docker/<id>"}, {@code name}, {@code image} and the allow-listed
 * {@code container_label_*}, plus the sets with an extra label ({@code cpu}, {@code state},
 * {@code health}, {@code interface}, {@code device}). Labels with an empty value are left
 * out, as Prometheus treats them as absent. Thread-safe.
 */
final class ContainerLabels {

  final ContainerInfo info;
  final Labels base;
  final Labels cpuTotal;
  final Labels infoLabels;
  final Labels[] health;
  private final Map<String, Labels> states = new ConcurrentHashMap<>();
  private final Map<String, Labels> interfaces = new ConcurrentHashMap<>();
  private final Map<String, Labels> devices = new ConcurrentHashMap<>();

  ContainerLabels(ContainerInfo info, List<String> allowList) {
    this.info = info;
    List<String> names = new ArrayList<>(List.of("id"));
    List<String> values = new ArrayList<>(List.of("/docker/" + info.id()));
    addUnlessEmpty(names, values, "name", info.name());
    addUnlessEmpty(names, values, "image", info.image());
    for (String label : allowList) {
      addUnlessEmpty(names, values, ContainerSettings.labelName(label), info.labels().get(label));
    }
    this.base = Labels.of(names, values);
    this.cpuTotal = base.add("cpu", "total");
    this.infoLabels = info.imageId().isEmpty() ? base : base.add("image_id", info.imageId());
    this.health = new Labels[ContainerCollector.HEALTH_STATES.size()];
    for (int i = 0; i < health.length; i++) {
      health[i] = base.add("health", ContainerCollector.HEALTH_STATES.get(i));
    }
  }

  private static void addUnlessEmpty(List<String> names, List<String> values, String name, String value) {
    if (value != null && !value.isEmpty()) {
      names.add(name);
      values.add(value);
    }
  }

  Labels state(String state) {
    return states.computeIfAbsent(state, s -> base.add("state", s));
  }

  Labels networkInterface(String name) {
    return interfaces.computeIfAbsent(name, n -> base.add("interface", n));
  }

  Labels device(String name) {
    return devices.computeIfAbsent(name, n -> base.add("device", n));
  }
}
