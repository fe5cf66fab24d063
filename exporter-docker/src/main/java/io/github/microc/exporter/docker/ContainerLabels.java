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
 * {@code health}, {@code interface}, {@code device}...). Labels with an empty value are left
 * out, as Prometheus treats them as absent. The root cgroup's sets have {@code id="/"} alone,
 * as cAdvisor's. Thread-safe.
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
  private final Map<String, Labels[]> deviceOperations = new ConcurrentHashMap<>();
  private volatile Labels[] failures;
  private volatile Labels openFiles;
  private volatile Labels[] cpus = new Labels[0];

  /** The root cgroup's: {@code id="/"}. */
  static ContainerLabels root() {
    return new ContainerLabels(null, Labels.of("id", "/"));
  }

  private ContainerLabels(ContainerInfo info, Labels base) {
    this.info = info;
    this.base = base;
    this.cpuTotal = base.add("cpu", "total");
    this.infoLabels = base;
    this.health = new Labels[0];
  }

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

  /** cAdvisor's four series of {@code container_memory_failures_total}, in this order. */
  static final String[][] FAILURES = {{"pgfault", "container"}, {"pgmajfault", "container"},
      {"pgfault", "hierarchy"}, {"pgmajfault", "hierarchy"}};

  private static Labels[] failureLabels(Labels base) {
    Labels[] out = new Labels[FAILURES.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = base.add("failure_type", FAILURES[i][0]).add("scope", FAILURES[i][1]);
    }
    return out;
  }

  /** {@code failure_type} and {@code scope} of {@link #FAILURES}[i]; made on first use, as the other extra sets. */
  Labels failure(int i) {
    Labels[] f = failures;
    if (f == null) {
      f = failureLabels(base);
      failures = f;
    }
    return f[i];
  }

  /** {@code ulimit="max_open_files"}. */
  Labels openFiles() {
    Labels l = openFiles;
    if (l == null) {
      l = base.add("ulimit", "max_open_files");
      openFiles = l;
    }
    return l;
  }

  /** {@code cpu="cpu03"} for CPU 3, as cAdvisor numbers them. */
  Labels cpu(int index) {
    Labels[] known = cpus;
    if (index >= known.length) {
      Labels[] grown = java.util.Arrays.copyOf(known, index + 1);
      for (int i = known.length; i < grown.length; i++) {
        grown[i] = base.add("cpu", String.format("cpu%02d", i));
      }
      cpus = grown;
      known = grown;
    }
    return known[index];
  }

  /**
   * {@code device}, {@code major}, {@code minor} and {@code operation} for each of
   * {@code operations} of one device, made once per device.
   */
  Labels[] deviceOperations(String device, int major, int minor, List<String> operations) {
    return deviceOperations.computeIfAbsent(device, d -> {
      Labels dev = base.add("device", d).add("major", Integer.toString(major))
          .add("minor", Integer.toString(minor));
      Labels[] out = new Labels[operations.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = dev.add("operation", operations.get(i));
      }
      return out;
    });
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
