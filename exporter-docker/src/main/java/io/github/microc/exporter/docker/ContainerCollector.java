package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.docker.ContainerSettings.StatsSource;
import io.github.microc.exporter.docker.cgroup.CgroupPaths;
import io.github.microc.exporter.docker.cgroup.CgroupReader;
import io.github.microc.exporter.docker.cgroup.CgroupSpec;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.OpenFiles;
import io.github.microc.exporter.docker.fs.DiskUsageWalker;
import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.metadata.ContainerCache;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.metadata.MetadataWatcher;
import io.github.microc.exporter.docker.stats.ApiStatsPoller;
import io.github.microc.exporter.docker.watchdog.Watchdogs;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger log = LoggerFactory.getLogger(ContainerCollector.class);

  static final List<String> HEALTH_STATES = List.of("starting", "healthy", "unhealthy");

  private final ContainerSettings settings;
  private final ContainerCache cache;
  private final CgroupReader reader;
  private final Supplier<ApiStatsPoller> pollerFactory;
  private final DiskUsageWalker walker;
  private final List<AutoCloseable> resources;
  private final Map<String, Located> located = new ConcurrentHashMap<>();
  private final Map<String, ContainerLabels> labels = new ConcurrentHashMap<>();
  private final ContainerLabels rootLabels = ContainerLabels.root();
  /** The last scrapes' CPU and memory figures, for the landing page. */
  private final ScrapeHistory history = new ScrapeHistory();
  private volatile ApiStatsPoller poller;
  private volatile Located root;
  private volatile boolean rootLooked;
  /** Whether the first collection has looked for disks that cgroup v1 does not count yet. */
  private final AtomicBoolean blkioLooked;
  private volatile Instant bootTime;

  /**
   * Where a container's cgroup was found, for the process it was found for, its open files,
   * and its limits as read for one version of its metadata.
   */
  private record Located(long pid, CgroupPaths paths, Path net, OpenFiles files,
      ContainerInfo specOf, CgroupSpec spec) {}

  /**
   * @param cache the metadata, kept current elsewhere
   * @param reader reads cgroup files
   * @param pollerFactory makes the stats API poller on first need
   * @param walker the file-system usage walker; null when the {@code disk} set is off
   * @param resources closed with the collector (the watcher, the clients)
   */
  ContainerCollector(ContainerSettings settings, ContainerCache cache, CgroupReader reader,
      Supplier<ApiStatsPoller> pollerFactory, DiskUsageWalker walker, List<AutoCloseable> resources) {
    this.settings = settings;
    this.cache = cache;
    this.reader = reader;
    this.pollerFactory = pollerFactory;
    this.walker = walker;
    this.resources = List.copyOf(resources);
    this.blkioLooked = new AtomicBoolean(!settings.has(MetricSet.DISK_IO));
  }

  @Override
  public MetricSnapshots collect() {
    // On the first collection, which comes after the port is bound: a port taken is said first.
    if (!blkioLooked.get() && blkioLooked.compareAndSet(false, true)) {
      warnIfUncounted(reader.uncountedDisks());
    }
    ContainerCache.Snapshot snapshot = cache.snapshot();
    for (String id : located.keySet()) {
      ContainerInfo c = snapshot.containers().get(id);
      if (c == null || !c.running()) {
        forget(id);
      }
    }
    labels.keySet().retainAll(snapshot.containers().keySet());
    List<ContainerRow> rows = new ArrayList<>();
    Set<String> wantApi = new HashSet<>();
    boolean anyFromApi = false;
    for (ContainerInfo c : snapshot.containers().values()) {
      if (!settings.selects(c)) {
        continue;
      }
      ContainerStats stats = null;
      CgroupSpec spec = CgroupSpec.NONE;
      if (c.running()) {
        Located where = settings.statsSource() == StatsSource.API ? null : fromCgroup(c);
        stats = where == null ? null : read(where, c);
        if (stats != null) {
          spec = where.spec();
        } else if (settings.statsSource() != StatsSource.CGROUP) {
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
      rows.add(new ContainerRow(c, stats, l, spec,
          stats == null || walker == null ? List.of() : walker.usage(c.id()), c.startedAt()));
    }
    ApiStatsPoller p = poller;
    if (p != null) {
      p.want(wantApi);
    }
    history.record(rows, System.nanoTime());
    ContainerRow rootRow = rootRow();
    if (rootRow != null) {
      rows.add(rootRow);
    }
    // In the order of the label sets, which is the order of each family's samples: a family's
    // snapshot sorts its samples, and finds them sorted.
    rows.sort(Comparator.comparing(r -> r.labels().base));
    return render(rows, snapshot.up(), anyFromApi);
  }

  /** Where container {@code c}'s cgroup is, found again when its main process changed; null when it cannot be read. */
  private Located fromCgroup(ContainerInfo c) {
    Located where = located.get(c.id());
    if (where == null || where.pid() != c.pid()) {
      forget(c.id());
      CgroupPaths paths = reader.locate(c.id(), c.pid()).orElse(null);
      Path net = c.networkMode().equals("host") ? null : reader.processDirectory(c.pid());
      where = new Located(c.pid(), paths, net, paths == null ? null : new OpenFiles(), null,
          CgroupSpec.NONE);
      located.put(c.id(), where);
    }
    if (where.paths() == null) {
      return null;
    }
    if (where.specOf() != c) {
      // A new container, or new metadata (docker update): its limits are read again.
      where = new Located(where.pid(), where.paths(), where.net(), where.files(), c,
          reader.readSpec(where.paths()));
      located.put(c.id(), where);
    }
    return where;
  }

  private ContainerStats read(Located where, ContainerInfo c) {
    try {
      return reader.read(where.paths(), where.net(), where.files(), settings.metrics(), c.pid());
    } catch (IOException e) {
      // Stopped since the metadata said running: no stats rather than stale ones.
      forget(c.id());
      return null;
    }
  }

  /** The root cgroup as cAdvisor's container "/"; null when it is not wanted or cannot be read. */
  private ContainerRow rootRow() {
    if (!settings.rootCgroup() || settings.statsSource() == StatsSource.API) {
      return null;
    }
    Located r = root;
    if (r == null) {
      if (rootLooked) {
        return null;
      }
      synchronized (this) {
        if (!rootLooked) {
          CgroupPaths paths = reader.locateRoot().orElse(null);
          if (paths != null) {
            root = new Located(0, paths, reader.processDirectory(1), new OpenFiles(), null,
                reader.readSpec(paths));
            bootTime = reader.bootTime();
          }
          rootLooked = true;
        }
      }
      r = root;
      if (r == null) {
        return null;
      }
    }
    try {
      ContainerStats stats = reader.read(r.paths(), r.net(), r.files(), settings.metrics(), 0);
      return new ContainerRow(null, stats, rootLabels, r.spec(),
          walker == null ? List.of() : walker.rootUsage(), bootTime);
    } catch (IOException e) {
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

  private MetricSnapshots render(List<ContainerRow> rows, boolean up, boolean anyFromApi) {
    String cached = anyFromApi ? " Where cgroup files cannot be read, cached from the Docker stats"
        + " API, refreshed every " + format(settings.apiStatsInterval()) + "." : "";
    List<MetricSnapshot> out = new ArrayList<>(64);

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
    boolean ooms = settings.has(MetricSet.OOM_EVENT);
    for (ContainerRow r : rows) {
      ContainerInfo c = r.info();
      if (c == null) {
        continue;
      }
      ContainerLabels l = r.labels();
      info.add(1, l.infoLabels);
      state.add(1, l.state(c.state()));
      restarts.add(c.restartCount(), l.base);
      exitCode.add(c.exitCode(), l.base);
      oomKilled.add(c.oomKilled() ? 1 : 0, l.base);
      if (ooms) {
        long kernelOoms = r.stats() == null ? 0 : r.stats().oomKills();
        oomEvents.add(Math.max(c.oomEvents(), kernelOoms), l.base);
      }
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
    if (ooms) {
      out.add(oomEvents.build());
    }
    if (!health.isEmpty()) {
      out.add(health.build());
    }

    // Resources, for running containers whose stats could be read, and the root cgroup.
    List<ContainerRow> live = rows.stream().filter(r -> r.stats() != null).toList();
    new ResourceFamilies(settings, live, cached).addTo(out);
    if (walker != null) {
      long[] cost = walker.cost();
      out.add(MetricFamily.counter("microc_container_disk_usage_walks_total",
          "Walks of a container's writable layer and directory, done in the background.", cost[0]));
      out.add(MetricFamily.counter("microc_container_disk_usage_walk_seconds_total",
          "Time the background walks of writable layers took.", cost[1] / 1e9));
    }
    out.add(MetricFamily.gauge("microc_docker_up",
        "1 while the Docker daemon answers and its events stream is followed.", up ? 1 : 0));
    return new MetricSnapshots(out);
  }

  /** The landing page's table of containers, with what {@code watchdogs} decided for them. */
  ContainersTable table(String host, Watchdogs watchdogs) {
    return new ContainersTable(host, settings, cache, history, () -> watchdogs.status(host),
        Clock.systemUTC(), System::nanoTime);
  }

  static String format(Duration d) {
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
  static ContainerCollector start(ContainerSettings settings, HostPaths hostPaths,
      ScheduledExecutorService scheduler) {
    CgroupReader reader = new CgroupReader(hostPaths);
    String host = DockerApi.resolveHost(settings.dockerHost());
    DockerApi docker = DockerApi.create(host, settings.requestTimeout());
    ContainerCache cache = new ContainerCache();
    MetadataWatcher watcher = new MetadataWatcher(docker, cache, settings.relistInterval(),
        settings.pingInterval()).start();
    // A client of its own: a stats answer takes the daemon about a second to make.
    Supplier<ApiStatsPoller> poller = () -> new ApiStatsPoller(
        DockerApi.create(host, settings.requestTimeout().plusSeconds(2)), scheduler,
        settings.apiStatsInterval(), settings.apiStatsParallelism());
    DiskUsageWalker walker = null;
    if (settings.has(MetricSet.DISK) && settings.statsSource() != StatsSource.API) {
      walker = new DiskUsageWalker(hostPaths, settings.diskUsageInterval(),
          settings.diskUsageTimeout(), settings.diskUsageVolumes(), settings.rootCgroup(),
          () -> cache.snapshot().containers().values().stream()
              .filter(c -> c.running() && settings.selects(c)).toList()).start();
    }
    List<AutoCloseable> resources = new ArrayList<>(List.of(docker, watcher));
    if (walker != null) {
      resources.add(walker);
    }
    return new ContainerCollector(settings, cache, reader, poller, walker, resources);
  }

  /** Says that cgroup v1 counts no block I/O yet, and how to have it counted. */
  static void warnIfUncounted(List<CgroupReader.Disk> disks) {
    if (!disks.isEmpty()) {
      log.warn("cgroup v1 counts no block I/O of any container yet: {} did I/O, but the root cgroup's"
          + " blkio.throttle.io_service_bytes_recursive lists no device; the kernel counts a disk there"
          + " only once a cgroup has had a throttle rule on it, so container_fs_reads*, container_fs_writes*"
          + " and container_blkio_device_usage_total are absent. A rule that limits nothing turns the"
          + " counting on: echo '{} 0' > /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device on the host"
          + " (docs/containers.md, \"Block I/O on cgroup v1\")",
          disks.stream().map(CgroupReader.Disk::toString).collect(Collectors.joining(", ")),
          disks.get(0).device());
    }
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
      ContainerCollector collector = start(settings, context.hostPaths(), context.scheduler());
      context.addStatus(collector.table(DockerApi.resolveHost(settings.dockerHost()),
          Watchdogs.of(context))::table);
      return collector;
    }
  }
}
