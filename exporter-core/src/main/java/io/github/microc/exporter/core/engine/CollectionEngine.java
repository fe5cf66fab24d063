package io.github.microc.exporter.core.engine;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.github.microc.exporter.core.config.CollectorSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link MultiCollector} Microc registers: it fans a scrape out to the enabled
 * collectors concurrently, each under its own timeout, and adds a success and a duration
 * sample per collector. A collector that throws or times out is left out of the result and
 * reported with {@code success 0}; the scrape itself always succeeds.
 *
 * <pre>
 * microc_scrape_collector_duration_seconds{collector="cpu"} 0.000412
 * microc_scrape_collector_success{collector="cpu"} 1
 * microc_plugin_threads{collector="http_probe"} 5
 * microc_plugin_restarts_total{collector="http_probe"} 0
 * </pre>
 *
 * <p>The last two are there for collectors from plugin jars only, the restarts for those that
 * run in a process of their own.
 *
 * <p>The {@code collect[]} and {@code exclude[]} URL parameters pick collectors, as in
 * node_exporter. Thread-safe.
 */
public final class CollectionEngine implements MultiCollector {

  /** URL parameter: collect only these collectors. */
  public static final String COLLECT = "collect[]";
  /** URL parameter: collect all but these collectors. */
  public static final String EXCLUDE = "exclude[]";

  private static final Logger log = LoggerFactory.getLogger(CollectionEngine.class);
  private static final String NODE_SUCCESS = "node_scrape_collector_success";
  private static final String NODE_DURATION = "node_scrape_collector_duration_seconds";
  /** The engine's own families, which no collector may take. */
  private static final Set<String> OWN = Set.of("microc_scrape_collector_success",
      "microc_scrape_collector_duration_seconds", "microc_plugin_threads", "microc_plugin_restarts",
      NODE_SUCCESS, NODE_DURATION);

  private final ExecutorService executor;
  /** Replaced whole by {@link #reconfigure}; read once by each scrape. */
  private volatile Map<String, CollectorRuntime> runtimes;
  private volatile List<CollectorStatus> disabled;
  /** Collectors whose self-metrics are repeated under node_exporter's names. */
  private volatile Set<String> nodeExporterCollectors;
  private final List<MetricSnapshot> constant;
  private final Set<String> reportedClashes = ConcurrentHashMap.newKeySet();

  private CollectionEngine(Builder builder) {
    this.executor = builder.executor;
    this.runtimes = Map.copyOf(builder.runtimes);
    this.disabled = List.copyOf(builder.disabled);
    this.nodeExporterCollectors = Set.copyOf(builder.nodeExporterCollectors);
    this.constant = List.copyOf(builder.constant);
  }

  /**
   * @param executor runs the collections, a few threads a scrape (see {@link Batch}) and more
   *     while collectors are stuck; it must start a task at once, as a cached pool does
   */
  public static Builder builder(ExecutorService executor) {
    return new Builder(executor);
  }

  /** The enabled collectors' names, sorted. */
  public Set<String> enabledCollectors() {
    return new TreeSet<>(runtimes.keySet());
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, CollectorRuntime> now = runtimes;
    return collect(now, now.keySet());
  }

  @Override
  public MetricSnapshots collect(PrometheusScrapeRequest request) {
    return collect(name -> true, request);
  }

  @Override
  public MetricSnapshots collect(Predicate<String> includedNames) {
    return filter(collect(), includedNames);
  }

  @Override
  public MetricSnapshots collect(Predicate<String> includedNames, PrometheusScrapeRequest request) {
    // One set of collectors for the whole scrape, even when a reload replaces them meanwhile.
    Map<String, CollectorRuntime> now = runtimes;
    Set<String> selected = request == null
        ? now.keySet()
        : select(now, disabled, request.getParameterValues(COLLECT), request.getParameterValues(EXCLUDE));
    return filter(collect(now, selected), includedNames);
  }

  /**
   * Takes {@code next}'s collectors in place of these, all at once, except that the runtimes
   * named in {@code kept} stay (with their last results, flights and logged state); a scrape in
   * flight finishes with the collectors it started with.
   *
   * @return the collectors that left, to be closed once scrapes that started before are over
   */
  public synchronized List<MultiCollector> reconfigure(CollectionEngine next, Set<String> kept) {
    Map<String, CollectorRuntime> merged = new LinkedHashMap<>();
    List<MultiCollector> left = new ArrayList<>();
    for (Map.Entry<String, CollectorRuntime> entry : next.runtimes.entrySet()) {
      CollectorRuntime old = runtimes.get(entry.getKey());
      merged.put(entry.getKey(), kept.contains(entry.getKey()) && old != null ? old : entry.getValue());
    }
    for (Map.Entry<String, CollectorRuntime> entry : runtimes.entrySet()) {
      if (merged.get(entry.getKey()) != entry.getValue()) {
        left.add(entry.getValue().collector());
      }
    }
    disabled = next.disabled;
    nodeExporterCollectors = next.nodeExporterCollectors;
    runtimes = Map.copyOf(merged);
    return left;
  }

  /**
   * The collectors a request picks with {@code collect[]} or {@code exclude[]}.
   *
   * @throws IllegalArgumentException naming an unknown collector, or when both are given
   */
  public Set<String> select(String[] collect, String[] exclude) {
    return select(runtimes, disabled, collect, exclude);
  }

  private static Set<String> select(Map<String, CollectorRuntime> runtimes,
      List<CollectorStatus> disabled, String[] collect, String[] exclude) {
    boolean hasCollect = collect != null && collect.length > 0;
    boolean hasExclude = exclude != null && exclude.length > 0;
    if (hasCollect && hasExclude) {
      throw new IllegalArgumentException("collect[] and exclude[] cannot be combined");
    }
    if (!hasCollect && !hasExclude) {
      return runtimes.keySet();
    }
    String parameter = hasCollect ? COLLECT : EXCLUDE;
    Set<String> named = new LinkedHashSet<>();
    for (String value : hasCollect ? collect : exclude) {
      String name = value.trim();
      if (!runtimes.containsKey(name)) {
        boolean known = disabled.stream().anyMatch(s -> s.name().equals(name));
        throw new IllegalArgumentException(parameter + ": " + (known ? "collector \"" + name
            + "\" is disabled" : "unknown collector \"" + name + "\"")
            + "; enabled collectors: " + String.join(", ", new TreeSet<>(runtimes.keySet())));
      }
      named.add(name);
    }
    if (hasCollect) {
      return named;
    }
    Set<String> rest = new LinkedHashSet<>(runtimes.keySet());
    rest.removeAll(named);
    return rest;
  }

  /** Collects the named collectors, concurrently, and adds the self-metrics. */
  public MetricSnapshots collect(Collection<String> names) {
    return collect(runtimes, names);
  }

  private MetricSnapshots collect(Map<String, CollectorRuntime> runtimes, Collection<String> names) {
    // Every name is checked before any flight is queued: a queued flight must be started.
    List<CollectorRuntime> selected = new ArrayList<>();
    for (String name : new TreeSet<>(names)) {
      CollectorRuntime runtime = runtimes.get(name);
      if (runtime == null) {
        throw new IllegalArgumentException("unknown collector \"" + name + "\"");
      }
      selected.add(runtime);
    }
    Map<CollectorRuntime, CollectorRuntime.Flight> flights = new LinkedHashMap<>();
    Batch batch = new Batch(executor);
    for (CollectorRuntime runtime : selected) {
      flights.put(runtime, runtime.begin(batch));
    }
    batch.start();
    MetricFamily success = MetricFamily.gauge("microc_scrape_collector_success",
        "Whether a collector succeeded.", "collector");
    MetricFamily duration = MetricFamily.gauge("microc_scrape_collector_duration_seconds",
        "How long a collector took.", "collector");
    // node_exporter's own names for its collectors, which its dashboards chart.
    MetricFamily nodeSuccess = MetricFamily.gauge(NODE_SUCCESS,
        "node_exporter: Whether a collector succeeded.", "collector");
    MetricFamily nodeDuration = MetricFamily.gauge(NODE_DURATION,
        "node_exporter: Duration of a collector scrape.", "collector");
    Set<String> nodeExporter = nodeExporterCollectors;
    List<MetricSnapshot> result = new ArrayList<>(constant);
    Set<String> taken = new HashSet<>(OWN);
    constant.forEach(s -> taken.add(s.getMetadata().getPrometheusName()));
    Map<CollectorRuntime, Outcome> outcomes = new LinkedHashMap<>();
    for (Map.Entry<CollectorRuntime, CollectorRuntime.Flight> entry : flights.entrySet()) {
      CollectorRuntime runtime = entry.getKey();
      Outcome outcome = runtime.await(entry.getValue(), batch);
      outcomes.put(runtime, outcome);
      success.add(outcome.succeeded() ? 1 : 0, runtime.name());
      duration.add(outcome.duration().toNanos() / 1e9, runtime.name());
      if (nodeExporter.contains(runtime.name())) {
        nodeSuccess.add(outcome.succeeded() ? 1 : 0, runtime.name());
        nodeDuration.add(outcome.duration().toNanos() / 1e9, runtime.name());
      }
    }
    // Where two collectors expose one family, the built-in collectors' copy is kept before the
    // textfile collector's (what anyone writes into a file) and both before a plugin jar's.
    List<CollectorRuntime> byPrecedence = new ArrayList<>(outcomes.keySet());
    byPrecedence.sort(java.util.Comparator.comparingInt(CollectionEngine::precedence));
    for (CollectorRuntime runtime : byPrecedence) {
      for (MetricSnapshot snapshot : outcomes.get(runtime).snapshots()) {
        String name = snapshot.getMetadata().getPrometheusName();
        if (reserved(name)) {
          if (reportedClashes.add(runtime.name() + "/" + name)) {
            log.warn("collector {} exposes {}, a name of the exporter's own process and JVM"
                + " metrics; it is dropped", runtime.name(), name);
          }
        } else if (taken.add(name)) {
          result.add(snapshot);
        } else if (reportedClashes.add(runtime.name() + "/" + name)) {
          log.warn("collector {} exposes {}, which another collector exposes too; its copy is dropped",
              runtime.name(), name);
        }
      }
    }
    result.add(success.build());
    result.add(duration.build());
    if (!nodeSuccess.isEmpty()) {
      result.add(nodeSuccess.build());
      result.add(nodeDuration.build());
    }
    addPluginFamilies(flights.keySet(), result);
    return new MetricSnapshots(result);
  }

  /**
   * Names of the exporter's own process and JVM metrics ({@code process_*}, {@code jvm_*}),
   * which sit beside the collectors in a registry: a collector's family of such a name would
   * make the registry refuse the whole scrape.
   */
  private static boolean reserved(String name) {
    return name.startsWith("jvm_") || name.startsWith("process_");
  }

  /** Built-in collectors first, then the textfile collector, then plugin jars' collectors. */
  private static int precedence(CollectorRuntime runtime) {
    if (runtime.plugin() != null) {
      return 2;
    }
    return runtime.name().equals("textfile") ? 1 : 0;
  }

  /** Samples as Prometheus counts them: a histogram's buckets, count and sum each one. */
  public static long samples(MetricSnapshots snapshots) {
    long count = 0;
    for (MetricSnapshot snapshot : snapshots) {
      if (snapshot instanceof HistogramSnapshot histogram) {
        for (HistogramSnapshot.HistogramDataPointSnapshot p : histogram.getDataPoints()) {
          count += Math.max(1, p.getClassicBuckets().size()) + 2;
        }
      } else if (snapshot instanceof SummarySnapshot summary) {
        for (SummarySnapshot.SummaryDataPointSnapshot p : summary.getDataPoints()) {
          count += p.getQuantiles().size() + 2;
        }
      } else if (snapshot instanceof StateSetSnapshot stateSet) {
        for (StateSetSnapshot.StateSetDataPointSnapshot p : stateSet.getDataPoints()) {
          count += p.size();
        }
      } else {
        count += snapshot.getDataPoints().size();
      }
    }
    return count;
  }

  private static void addPluginFamilies(Collection<CollectorRuntime> runtimes, List<MetricSnapshot> result) {
    MetricFamily threads = MetricFamily.gauge("microc_plugin_threads",
        "Live threads a plugin jar's collector started; past max-threads it is disabled.", "collector");
    MetricFamily restarts = MetricFamily.counter("microc_plugin_restarts_total",
        "How often the process a plugin jar's collector runs in was started again.", "collector");
    boolean anyThreads = false;
    boolean anyRestarts = false;
    for (CollectorRuntime runtime : runtimes) {
      PluginRuntime plugin = runtime.plugin();
      if (plugin == null) {
        continue;
      }
      int count = plugin.threads();
      if (count >= 0) {
        threads.add(count, runtime.name());
        anyThreads = true;
      }
      long restarted = plugin.restarts();
      if (restarted >= 0) {
        restarts.add(restarted, runtime.name());
        anyRestarts = true;
      }
    }
    if (anyThreads) {
      result.add(threads.build());
    }
    if (anyRestarts) {
      result.add(restarts.build());
    }
  }

  /**
   * Whether every enabled collector has finished a collection at least once, whether it
   * succeeded, failed or timed out: a stuck collector does not hold readiness back longer than
   * its timeout.
   */
  public boolean ready() {
    Map<String, CollectorRuntime> runtimes = this.runtimes;
    return runtimes.values().stream().allMatch(CollectorRuntime::hasCollected);
  }

  /** Every collector's last state, enabled ones first, each group by name. */
  public List<CollectorStatus> statuses() {
    List<CollectorStatus> all = new ArrayList<>();
    Map<String, CollectorRuntime> runtimes = this.runtimes;
    new TreeSet<>(runtimes.keySet()).forEach(name -> all.add(runtimes.get(name).status()));
    disabled.stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(all::add);
    return all;
  }

  private static MetricSnapshots filter(MetricSnapshots snapshots, Predicate<String> includedNames) {
    if (includedNames == null) {
      return snapshots;
    }
    List<MetricSnapshot> kept = new ArrayList<>();
    for (MetricSnapshot s : snapshots) {
      if (includedNames.test(s.getMetadata().getPrometheusName())) {
        kept.add(s);
      }
    }
    return new MetricSnapshots(kept);
  }

  /** Assembles an engine. Not thread-safe. */
  public static final class Builder {
    private final ExecutorService executor;
    private final Map<String, CollectorRuntime> runtimes = new LinkedHashMap<>();
    private final List<CollectorStatus> disabled = new ArrayList<>();
    private final List<MetricSnapshot> constant = new ArrayList<>();
    private final Set<String> nodeExporterCollectors = new HashSet<>();
    private Clock clock = Clock.systemUTC();

    private Builder(ExecutorService executor) {
      this.executor = executor;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** An enabled built-in collector. */
    public Builder collector(CollectorSettings settings, String description, MultiCollector collector) {
      return collector(settings, description, collector, null);
    }

    /**
     * An enabled collector; {@code plugin} says where it runs when it comes from a plugin jar
     * (null for a built-in one). A {@link LoaderThreads} plugin's collections run with its
     * jar's class loader as context class loader, so that the threads they start are counted.
     */
    public Builder collector(CollectorSettings settings, String description, MultiCollector collector,
        PluginRuntime plugin) {
      if (runtimes.containsKey(settings.name())) {
        throw new IllegalArgumentException("collector \"" + settings.name() + "\" added twice");
      }
      runtimes.put(settings.name(), new CollectorRuntime(description, settings, collector, clock, plugin));
      return this;
    }

    /** A disabled collector, listed on the landing page. */
    public Builder disabled(String name, String description) {
      disabled.add(new CollectorStatus(name, description, false, null, null, null, null, null, null));
      return this;
    }

    /**
     * Collectors that stand for node_exporter's of the same name: their success and duration
     * are also exposed as {@code node_scrape_collector_success} and
     * {@code node_scrape_collector_duration_seconds}, which node_exporter's dashboards chart.
     */
    public Builder nodeExporterCollectors(Collection<String> names) {
      nodeExporterCollectors.addAll(names);
      return this;
    }

    /** A family added to every scrape, such as {@code microc_build_info}. */
    public Builder constant(MetricSnapshot snapshot) {
      constant.add(snapshot);
      return this;
    }

    public CollectionEngine build() {
      return new CollectionEngine(this);
    }
  }
}
