package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.Redaction;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code containers} collector's configuration, read once from
 * {@code microc.collectors.containers}. Immutable.
 *
 * @param dockerHost the daemon's address; empty for {@code DOCKER_HOST}, else the local socket
 * @param statsSource where resource counters come from
 * @param relistInterval how often the full container list is fetched again
 * @param requestTimeout how long one metadata request may take
 * @param pingInterval how long the daemon may go unasked before a ping checks that it answers
 * @param nameInclude containers whose name matches (whole name) are exported
 * @param nameExclude containers whose name matches (whole name) are not; null for none
 * @param labelInclude when not empty, only containers with one of these labels are exported
 * @param labelExclude containers with one of these labels are not exported
 * @param labelAllowList container labels exported as {@code container_label_<sanitized>}
 * @param apiStatsInterval how often the stats API is polled where it is used
 * @param apiStatsParallelism how many stats requests run at once
 * @param metrics the groups of families exposed, as cAdvisor's {@code --enable_metrics}
 * @param rootCgroup whether the root cgroup is exposed as the container {@code id="/"}
 * @param diskUsageInterval how often each container's writable layer is walked
 * @param diskUsageTimeout how long one container's walk may take
 * @param diskUsageVolumes whether the container's local volumes count in its usage
 */
public record ContainerSettings(
    String dockerHost,
    StatsSource statsSource,
    Duration relistInterval,
    Duration requestTimeout,
    Duration pingInterval,
    Pattern nameInclude,
    Pattern nameExclude,
    List<LabelMatcher> labelInclude,
    List<LabelMatcher> labelExclude,
    List<String> labelAllowList,
    Duration apiStatsInterval,
    int apiStatsParallelism,
    Set<MetricSet> metrics,
    boolean rootCgroup,
    Duration diskUsageInterval,
    Duration diskUsageTimeout,
    boolean diskUsageVolumes) {

  /** Where resource counters come from. */
  public enum StatsSource {
    /** cgroup files where they can be read, the stats API for the other containers. */
    AUTO,
    /** cgroup files only; containers whose cgroup cannot be read have no resource metrics. */
    CGROUP,
    /** the stats API only, polled in the background. */
    API
  }

  /** {@code key=value} (that value) or {@code key} (any value). */
  public record LabelMatcher(String key, String value) {

    static LabelMatcher parse(String text) {
      int eq = text.indexOf('=');
      return eq < 0 ? new LabelMatcher(text, null)
          : new LabelMatcher(text.substring(0, eq), text.substring(eq + 1));
    }

    boolean matches(Map<String, String> labels) {
      String actual = labels.get(key);
      return actual != null && (value == null || value.equals(actual));
    }
  }

  public ContainerSettings {
    labelInclude = List.copyOf(labelInclude);
    labelExclude = List.copyOf(labelExclude);
    labelAllowList = List.copyOf(labelAllowList);
    metrics = metrics.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(MetricSet.class))
        : Collections.unmodifiableSet(EnumSet.copyOf(metrics));
  }

  /** Whether the group of families {@code set} is exposed. */
  public boolean has(MetricSet set) {
    return metrics.contains(set);
  }

  /** Reads and validates the block; errors name the key and where it was set. */
  public static ContainerSettings from(PluginConfig c) {
    String exclude = c.getString("name-exclude");
    List<String> allow = c.getStringList("label-allow-list");
    Map<String, String> sanitized = new HashMap<>();
    for (String label : allow) {
      if (label.isEmpty()) {
        throw c.error("label-allow-list", "an empty label name");
      }
      String previous = sanitized.putIfAbsent(labelName(label), label);
      if (previous != null && !previous.equals(label)) {
        throw c.error("label-allow-list", "\"" + previous + "\" and \"" + label
            + "\" would both be exported as " + labelName(label));
      }
    }
    String host = c.getString("docker-host");
    if (!host.isEmpty() && !host.matches("(unix|tcp)://.+")) {
      throw c.error("docker-host", "not a Docker host: \"" + Redaction.url(host)
          + "\"; use unix:///path/docker.sock or tcp://host:port");
    }
    int parallelism = c.getInt("api-stats-parallelism");
    if (parallelism < 1) {
      throw c.error("api-stats-parallelism", "must be at least 1, got " + parallelism);
    }
    return new ContainerSettings(
        host,
        c.getEnum("stats-source", StatsSource.class),
        c.getPositiveDuration("relist-interval"),
        c.getPositiveDuration("request-timeout"),
        c.getPositiveDuration("ping-interval"),
        c.getRegex("name-include"),
        exclude.isEmpty() ? null : c.getRegex("name-exclude"),
        matchers(c, "label-include"),
        matchers(c, "label-exclude"),
        allow.stream().distinct().toList(),
        c.getPositiveDuration("api-stats-interval"),
        parallelism,
        metricSets(c),
        c.getBoolean("root-cgroup"),
        c.getPositiveDuration("disk-usage-interval"),
        c.getPositiveDuration("disk-usage-timeout"),
        c.getBoolean("disk-usage-volumes"));
  }

  /** {@code metrics}: cAdvisor's kind names, each known and given once or more. */
  private static Set<MetricSet> metricSets(PluginConfig c) {
    Set<MetricSet> sets = EnumSet.noneOf(MetricSet.class);
    for (String id : c.getStringList("metrics")) {
      MetricSet set = MetricSet.byId(id);
      if (set == null) {
        throw c.error("metrics", MetricSet.CADVISOR_ONLY.contains(id)
            ? "\"" + id + "\" is one of cAdvisor's kinds that Microc does not collect"
                + (id.equals("cpuLoad") ? " (container_cpu_load_average_10s needs cAdvisor's netlink"
                    + " load reader; see docs/containers.md)" : "") + "; Microc has " + MetricSet.known()
            : "unknown kind \"" + id + "\"; known: " + MetricSet.known());
      }
      sets.add(set);
    }
    return sets;
  }

  private static List<LabelMatcher> matchers(PluginConfig c, String key) {
    List<LabelMatcher> out = new ArrayList<>();
    for (String text : c.getStringList(key)) {
      LabelMatcher m = LabelMatcher.parse(text);
      if (m.key().isEmpty()) {
        throw c.error(key, "\"" + text + "\" has no label name; use \"key\" or \"key=value\"");
      }
      out.add(m);
    }
    return out;
  }

  /** Whether the container's metrics are exported. */
  public boolean selects(ContainerInfo c) {
    if (!nameInclude.matcher(c.name()).matches()) {
      return false;
    }
    if (nameExclude != null && nameExclude.matcher(c.name()).matches()) {
      return false;
    }
    if (!labelInclude.isEmpty() && labelInclude.stream().noneMatch(m -> m.matches(c.labels()))) {
      return false;
    }
    return labelExclude.stream().noneMatch(m -> m.matches(c.labels()));
  }

  /** A container label's Prometheus label name, as cAdvisor makes it. */
  public static String labelName(String containerLabel) {
    StringBuilder b = new StringBuilder("container_label_");
    for (int i = 0; i < containerLabel.length(); i++) {
      char ch = containerLabel.charAt(i);
      b.append((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
          || ch == '_' ? ch : '_');
    }
    return b.toString();
  }
}
