package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.docker.ContainerSettings.StatsSource;
import io.github.microc.exporter.docker.cgroup.CgroupPaths;
import io.github.microc.exporter.docker.cgroup.CgroupReader;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import io.github.microc.exporter.docker.cgroup.OpenFiles;
import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.metadata.ContainerCache;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.metadata.MetadataWatcher;
import io.github.microc.exporter.docker.stats.ApiStatsPoller;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Every container's CPU, memory, network, block I/O and state, under cAdvisor's names and
 * labels, plus what cAdvisor lacks under Microc's prefix. A scrape reads the metadata cache
 * (kept current by a {@link MetadataWatcher}) and each running container's cgroup files; it
 * never calls Docker.
 *
 * <pre>
 * container_cpu_usage_seconds_total{id="/docker/3f2a…",name="web",image="nginx:1",cpu="total"} 12.5
 * container_memory_working_set_bytes{id="/docker/3f2a…",name="web",image="nginx:1"} 5.24288E7
 * container_network_receive_bytes_total{id="/docker/3f2a…",name="web",image="nginx:1",interface="eth0"} 1.2E6
 * microc_container_state{id="/docker/3f2a…",name="web",image="nginx:1",state="running"} 1
 * microc_docker_up 1
 * </pre>
 *
 * <p>Each series also carries {@code container_label_<name>} for every allow-listed
 * container label the container has. Stopped containers keep their
 * info, state, restart count, exit code and OOM series, never stale resource values.
 * Thread-safe.
 */
public final class ContainerCollector implements MultiCollector, AutoCloseable {

  static final List<String> HEALTH_STATES = List.of("starting", "healthy", "unhealthy");
  private static final double NANOS = 1e9;

  private final ContainerSettings settings;
  private final ContainerCache cache;
  private final CgroupReader reader;
  private final Supplier<ApiStatsPoller> pollerFactory;
  private final List<AutoCloseable> resources;
  private final Map<String, Located> located = new ConcurrentHashMap<>();
  private final Map<String, ContainerLabels> labels = new ConcurrentHashMap<>();
  private volatile ApiStatsPoller poller;

  /** Where a container's cgroup was found, for the process it was found for, and its open files. */
  private record Located(long pid, CgroupPaths paths, Path net, OpenFiles files) {}

  /** One exported container with its stats (null when none) and label sets. */
  private record Row(ContainerInfo info, ContainerStats stats, ContainerLabels labels) {}

  /**
   * @param cache the metadata, kept current elsewhere
   * @param reader reads cgroup files
   * @param pollerFactory makes the stats API poller on first need
   * @param resources closed with the collector (the watcher, the clients)
   */
  ContainerCollector(ContainerSettings settings, ContainerCache cache, CgroupReader reader,
      Supplier<ApiStatsPoller> pollerFactory, List<AutoCloseable> resources) {
    this.settings = settings;
    this.cache = cache;
    this.reader = reader;
    this.pollerFactory = pollerFactory;
    this.resources = List.copyOf(resources);
  }

  @Override
  public MetricSnapshots collect() {
    ContainerCache.Snapshot snapshot = cache.snapshot();
    for (String id : located.keySet()) {
      ContainerInfo c = snapshot.containers().get(id);
      if (c == null || !c.running()) {
        forget(id);
      }
    }
    labels.keySet().retainAll(snapshot.containers().keySet());
    List<Row> rows = new ArrayList<>();
    Set<String> wantApi = new HashSet<>();
    boolean anyFromApi = false;
    for (ContainerInfo c : snapshot.containers().values()) {
      if (!settings.selects(c)) {
        continue;
      }
      ContainerStats stats = null;
      if (c.running()) {
        stats = settings.statsSource() == StatsSource.API ? null : fromCgroup(c);
        if (stats == null && settings.statsSource() != StatsSource.CGROUP) {
          wantApi.add(c.id());
          stats = poller().get(c.id()).orElse(null);
          anyFromApi |= stats != null;
        }
      }
      ContainerLabels l = labels.get(c.id());
      if (l == null || l.info != c) {
        l = new ContainerLabels(c, settings.labelAllowList());
        labels.put(c.id(), l);
      }
      rows.add(new Row(c, stats, l));
    }
    ApiStatsPoller p = poller;
    if (p != null) {
      p.want(wantApi);
    }
    // In the order of the label sets, which is the order of each family's samples: a family's
    // snapshot sorts its samples, and finds them sorted.
    rows.sort(Comparator.comparing(r -> r.labels().base));
    return render(rows, snapshot.up(), anyFromApi);
  }

  private ContainerStats fromCgroup(ContainerInfo c) {
    Located where = located.get(c.id());
    if (where == null || where.pid() != c.pid()) {
      forget(c.id());
      CgroupPaths paths = reader.locate(c.id(), c.pid()).orElse(null);
      Path net = c.networkMode().equals("host") ? null : reader.processDirectory(c.pid());
      where = new Located(c.pid(), paths, net, paths == null ? null : new OpenFiles());
      located.put(c.id(), where);
    }
    if (where.paths() == null) {
      return null;
    }
    try {
      return reader.read(where.paths(), where.net(), where.files());
    } catch (IOException e) {
      // Stopped since the metadata said running: no stats rather than stale ones.
      forget(c.id());
      return null;
    }
  }

  private void forget(String id) {
    Located gone = located.remove(id);
    if (gone != null && gone.files() != null) {
      gone.files().close();
    }
  }

  private ApiStatsPoller poller() {
    ApiStatsPoller p = poller;
    if (p == null) {
      synchronized (this) {
        p = poller;
        if (p == null) {
          p = pollerFactory.get();
          poller = p;
        }
      }
    }
    return p;
  }

  private MetricSnapshots render(List<Row> rows, boolean up, boolean anyFromApi) {
    String cached = anyFromApi ? " Where cgroup files cannot be read, cached from the Docker stats"
        + " API, refreshed every " + format(settings.apiStatsInterval()) + "." : "";
    List<MetricSnapshot> out = new ArrayList<>(48);

    // Metadata, for every container.
    MetricFamily info = MetricFamily.info("microc_container_info", "Container metadata; value 1.");
    MetricFamily state = MetricFamily.gauge("microc_container_state",
        "The container's current state (created, restarting, running, removing, paused, exited,"
            + " dead); always 1.");
    MetricFamily restarts = MetricFamily.gauge("microc_container_restart_count",
        "Restarts by the daemon's restart policy.");
    MetricFamily exitCode = MetricFamily.gauge("microc_container_exit_code", "The container's last exit code.");
    MetricFamily oomKilled = MetricFamily.gauge("microc_container_oom_killed",
        "1 when the container's last exit was an OOM kill.");
    MetricFamily oomEvents = MetricFamily.counter("container_oom_events_total",
        "Count of out of memory events observed for the container.");
    MetricFamily health = MetricFamily.gauge("container_health_state",
        "Health check state: 1 for the current one; only containers with a health check.");
    for (Row r : rows) {
      ContainerInfo c = r.info();
      ContainerLabels l = r.labels();
      info.add(1, l.infoLabels);
      state.add(1, l.state(c.state()));
      restarts.add(c.restartCount(), l.base);
      exitCode.add(c.exitCode(), l.base);
      oomKilled.add(c.oomKilled() ? 1 : 0, l.base);
      long kernelOoms = r.stats() == null ? 0 : r.stats().oomKills();
      oomEvents.add(Math.max(c.oomEvents(), kernelOoms), l.base);
      if (!c.health().isEmpty()) {
        for (int i = 0; i < HEALTH_STATES.size(); i++) {
          health.add(HEALTH_STATES.get(i).equals(c.health()) ? 1 : 0, l.health[i]);
        }
      }
    }
    out.add(info.build());
    out.add(state.build());
    out.add(restarts.build());
    out.add(exitCode.build());
    out.add(oomKilled.build());
    out.add(oomEvents.build());
    if (!health.isEmpty()) {
      out.add(health.build());
    }

    // Resources, for running containers whose stats could be read.
    List<Row> live = rows.stream().filter(r -> r.stats() != null).toList();
    MetricFamily startTime = MetricFamily.gauge("container_start_time_seconds",
        "Start time of the container since unix epoch in seconds.");
    MetricFamily lastSeen = MetricFamily.gauge("container_last_seen",
        "Last time a container was seen by the exporter");
    MetricFamily cpuTotal = MetricFamily.counter("container_cpu_usage_seconds_total",
        "Cumulative cpu time consumed in seconds." + cached);
    MetricFamily quota = MetricFamily.gauge("container_spec_cpu_quota", "CPU quota of the container.");
    MetricFamily period = MetricFamily.gauge("container_spec_cpu_period", "CPU period of the container.");
    MetricFamily shares = MetricFamily.gauge("container_spec_cpu_shares", "CPU share of the container.");
    double now = Math.floor(System.currentTimeMillis() / 1000.0);
    for (Row r : live) {
      ContainerInfo c = r.info();
      Labels l = r.labels().base;
      if (c.startedAt() != null) {
        startTime.add(c.startedAt().toEpochMilli() / 1000.0, l);
      }
      lastSeen.add(now, l);
      addKnown(cpuTotal, nanos(r.stats().cpuUsageNanos()), r.labels().cpuTotal);
      if (c.cpuQuota() > 0) {
        quota.add(c.cpuQuota(), l);
      }
      period.add(c.cpuPeriod(), l);
      shares.add(c.cpuShares(), l);
    }
    out.add(startTime.build());
    out.add(lastSeen.build());
    out.add(cpuTotal.build());
    out.add(family(MetricFamily.counter("container_cpu_user_seconds_total",
        "Cumulative user cpu time consumed in seconds." + cached), live, s -> nanos(s.cpuUserNanos())));
    out.add(family(MetricFamily.counter("container_cpu_system_seconds_total",
        "Cumulative system cpu time consumed in seconds." + cached), live, s -> nanos(s.cpuSystemNanos())));
    out.add(family(MetricFamily.counter("container_cpu_cfs_periods_total",
        "Number of elapsed enforcement period intervals." + cached), live, s -> (double) s.cfsPeriods()));
    out.add(family(MetricFamily.counter("container_cpu_cfs_throttled_periods_total",
        "Number of throttled period intervals." + cached), live, s -> (double) s.cfsThrottledPeriods()));
    out.add(family(MetricFamily.counter("container_cpu_cfs_throttled_seconds_total",
        "Total time duration the container has been throttled." + cached), live,
        s -> nanos(s.cfsThrottledNanos())));
    out.add(quota.build());
    out.add(period.build());
    out.add(shares.build());
    out.add(family(MetricFamily.gauge("container_memory_usage_bytes",
        "Current memory usage in bytes, including all memory regardless of when it was accessed."
            + cached), live, s -> (double) s.memoryUsage()));
    out.add(family(MetricFamily.gauge("container_memory_working_set_bytes",
        "Current working set in bytes." + cached), live, s -> (double) s.memoryWorkingSet()));
    out.add(family(MetricFamily.gauge("container_memory_rss", "Size of RSS in bytes." + cached), live,
        s -> (double) s.memoryRss()));
    out.add(family(MetricFamily.gauge("container_memory_cache",
        "Number of bytes of page cache memory." + cached), live, s -> (double) s.memoryCache()));
    out.add(family(MetricFamily.gauge("container_memory_swap", "Container swap usage in bytes." + cached),
        live, s -> (double) s.memorySwap()));
    out.add(family(MetricFamily.gauge("container_memory_failcnt",
        "Number of memory usage hits limits." + cached), live, s -> (double) s.memoryFailcnt()));
    MetricFamily memoryLimit = MetricFamily.gauge("container_spec_memory_limit_bytes",
        "Memory limit for the container; 0: none.");
    live.forEach(r -> memoryLimit.add(r.info().memoryLimit(), r.labels().base));
    out.add(memoryLimit.build());
    out.add(family(MetricFamily.gauge("microc_container_pids",
        "Number of processes and threads in the container." + cached), live, s -> (double) s.pids()));
    out.add(io(MetricFamily.counter("container_fs_reads_bytes_total",
        "Cumulative count of bytes read." + cached), live, BlockIo::readBytes));
    out.add(io(MetricFamily.counter("container_fs_writes_bytes_total",
        "Cumulative count of bytes written." + cached), live, BlockIo::writeBytes));
    for (Net n : NETWORK) {
      MetricFamily f = MetricFamily.counter("container_network_" + n.suffix(), n.help() + "." + cached);
      for (Row r : live) {
        for (NetInterface i : r.stats().network()) {
          addKnown(f, n.value().applyAsLong(i), r.labels().networkInterface(i.name()));
        }
      }
      out.add(f.build());
    }
    out.add(MetricFamily.gauge("microc_docker_up",
        "1 when the Docker daemon answered the last metadata request.", up ? 1 : 0));
    return new MetricSnapshots(out);
  }

  private record Net(String suffix, String help, ToLongFunction<NetInterface> value) {}

  private static final List<Net> NETWORK = List.of(
      new Net("receive_bytes_total", "Cumulative count of bytes received", NetInterface::rxBytes),
      new Net("receive_packets_total", "Cumulative count of packets received", NetInterface::rxPackets),
      new Net("receive_errors_total", "Cumulative count of errors encountered while receiving",
          NetInterface::rxErrors),
      new Net("receive_packets_dropped_total", "Cumulative count of packets dropped while receiving",
          NetInterface::rxDropped),
      new Net("transmit_bytes_total", "Cumulative count of bytes transmitted", NetInterface::txBytes),
      new Net("transmit_packets_total", "Cumulative count of packets transmitted",
          NetInterface::txPackets),
      new Net("transmit_errors_total", "Cumulative count of errors encountered while transmitting",
          NetInterface::txErrors),
      new Net("transmit_packets_dropped_total",
          "Cumulative count of packets dropped while transmitting", NetInterface::txDropped));

  private static MetricSnapshot io(MetricFamily f, List<Row> live, ToLongFunction<BlockIo> value) {
    for (Row r : live) {
      for (BlockIo d : r.stats().io()) {
        addKnown(f, value.applyAsLong(d), r.labels().device(d.device()));
      }
    }
    return f.build();
  }

  /** Adds a sample unless {@code value} is negative, which stands for unknown. */
  private static void addKnown(MetricFamily f, double value, Labels labels) {
    if (value >= 0) {
      f.add(value, labels);
    }
  }

  private static MetricSnapshot family(MetricFamily f, List<Row> live, ToDoubleFunction<ContainerStats> value) {
    for (Row r : live) {
      addKnown(f, value.applyAsDouble(r.stats()), r.labels().base);
    }
    return f.build();
  }

  private static double nanos(long value) {
    return value < 0 ? -1 : value / NANOS;
  }

  private static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  @Override
  public void close() {
    located.keySet().forEach(this::forget);
    ApiStatsPoller p = poller;
    if (p != null) {
      p.close();
    }
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // Closing on shutdown: nothing left to report to.
      }
    }
  }

  /**
   * Makes the collector: starts the metadata watcher (which connects in the background, so a
   * daemon that is down neither fails nor delays the start) and returns at once.
   */
  static ContainerCollector start(ContainerSettings settings, CgroupReader reader,
      ScheduledExecutorService scheduler) {
    String host = DockerApi.resolveHost(settings.dockerHost());
    DockerApi docker = DockerApi.create(host, settings.requestTimeout());
    ContainerCache cache = new ContainerCache();
    MetadataWatcher watcher = new MetadataWatcher(docker, cache, settings.relistInterval()).start();
    // A client of its own: a stats answer takes the daemon about a second to make.
    Supplier<ApiStatsPoller> poller = () -> new ApiStatsPoller(
        DockerApi.create(host, settings.requestTimeout().plusSeconds(2)), scheduler,
        settings.apiStatsInterval(), settings.apiStatsParallelism());
    return new ContainerCollector(settings, cache, reader, poller, List.of(docker, watcher));
  }

  /** The {@code containers} collector; listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {

    @Override
    public String name() {
      return "containers";
    }

    @Override
    public String description() {
      return "Docker containers' CPU, memory, network, I/O (cgroup files) and state (Docker API),"
          + " under cAdvisor's names";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      ContainerSettings settings = ContainerSettings.from(context.config());
      return start(settings, new CgroupReader(context.hostPaths()), context.scheduler());
    }
  }
}
