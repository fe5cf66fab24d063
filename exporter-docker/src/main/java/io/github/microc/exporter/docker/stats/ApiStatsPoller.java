package io.github.microc.exporter.docker.stats;

import static io.github.microc.exporter.docker.client.Json.array;
import static io.github.microc.exporter.docker.client.Json.object;

import io.github.microc.exporter.docker.client.DockerApi;
import io.github.microc.exporter.docker.client.DockerException;
import io.github.microc.exporter.docker.client.Json;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Faults;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches container stats from the Docker stats API in the background, for containers whose
 * cgroup files cannot be read (a remote daemon, or {@code stats-source = api}). Each request
 * is one-shot ({@code stream=false&one-shot=true}); at most {@code parallelism} run at once; a
 * container whose previous request is still running is skipped. The scrape reads the cached
 * results and never waits for the API. Thread-safe.
 */
public final class ApiStatsPoller implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiStatsPoller.class);
  private final DockerApi docker;
  private final ExecutorService pool;
  private final Map<String, ContainerStats> results = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> ticker;
  private volatile Set<String> wanted = Set.of();

  /** @param docker a client of the poller's own, closed with it */
  public ApiStatsPoller(DockerApi docker, ScheduledExecutorService scheduler,
      Duration interval, int parallelism) {
    this.docker = docker;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "microc-docker-stats-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.ticker = scheduler.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The containers to poll from now on; results of others are dropped. */
  public void want(Set<String> ids) {
    if (!ids.equals(wanted)) {
      wanted = Set.copyOf(ids);
      results.keySet().retainAll(wanted);
    }
  }

  /** The last fetched stats of a container, if any. */
  public Optional<ContainerStats> get(String id) {
    return Optional.ofNullable(results.get(id));
  }

  private void tick() {
    for (String id : wanted) {
      if (!inFlight.add(id)) {
        continue;
      }
      try {
        pool.execute(() -> {
          try {
            fetch(id);
          } finally {
            inFlight.remove(id);
          }
        });
      } catch (RejectedExecutionException e) {
        inFlight.remove(id);
        return;
      }
    }
  }

  private void fetch(String id) {
    try {
      ContainerStats stats = parseStats(docker.stats(id));
      if (wanted.contains(id)) {
        results.put(id, stats);
      }
    } catch (DockerException e) {
      log.debug("stats of container {} from the API failed: {}", id, e.getMessage());
      results.remove(id);
    } catch (RuntimeException e) {
      log.debug("stats of container {} from the API failed", id, e);
      results.remove(id);
    }
  }

  /** One answer of {@code GET /containers/{id}/stats}, cgroup v1 or v2 daemon. */
  static ContainerStats parseStats(Map<String, Object> root) {
    ContainerStats.Builder b = ContainerStats.builder();
    Map<String, Object> cpu = object(root, "cpu_stats");
    Map<String, Object> usage = object(cpu, "cpu_usage");
    b.cpu(value(usage, "total_usage"), value(usage, "usage_in_usermode"),
        value(usage, "usage_in_kernelmode"));
    Map<String, Object> throttling = object(cpu, "throttling_data");
    b.cfs(value(throttling, "periods"), value(throttling, "throttled_periods"),
        value(throttling, "throttled_time"));
    Map<String, Object> memory = object(root, "memory_stats");
    Map<String, Object> stat = object(memory, "stats");
    long used = value(memory, "usage");
    boolean v1 = stat.containsKey("total_inactive_file") || stat.containsKey("total_rss");
    long inactiveFile = v1 ? value(stat, "total_inactive_file") : value(stat, "inactive_file");
    long limit = value(memory, "limit");
    b.memory(used,
        used < 0 ? ContainerStats.UNKNOWN : Math.max(0, used - Math.max(inactiveFile, 0)),
        v1 ? value(stat, "total_rss") : value(stat, "anon"),
        v1 ? value(stat, "total_cache") : value(stat, "file"),
        Math.max(0, v1 ? value(stat, "total_swap") : 0),
        memory.containsKey("failcnt") ? value(memory, "failcnt") : ContainerStats.UNKNOWN,
        limit >= 1L << 62 ? 0 : limit);
    b.memoryDetail(value(memory, "max_usage"),
        v1 ? value(stat, "total_mapped_file") : value(stat, "file_mapped"), ContainerStats.UNKNOWN);
    long pgfault = value(stat, "pgfault");
    long pgmajfault = value(stat, "pgmajfault");
    b.failures(new Faults(pgfault, pgmajfault, v1 ? value(stat, "total_pgfault") : pgfault,
        v1 ? value(stat, "total_pgmajfault") : pgmajfault));
    List<Object> perCpu = array(usage.get("percpu_usage"));
    if (!perCpu.isEmpty()) {
      long[] nanos = new long[perCpu.size()];
      for (int i = 0; i < nanos.length; i++) {
        nanos[i] = perCpu.get(i) instanceof Number n ? n.longValue() : 0;
      }
      b.perCpu(nanos);
    }
    b.pids(value(object(root, "pids_stats"), "current"));
    Map<String, long[]> io = new LinkedHashMap<>();
    Map<String, Object> blkio = object(root, "blkio_stats");
    blkio(blkio.get("io_service_bytes_recursive"), io, 0);
    blkio(blkio.get("io_serviced_recursive"), io, BLKIO_OPS.size());
    List<BlockIo> devices = new ArrayList<>();
    io.forEach((device, v) -> {
      int colon = device.indexOf(':');
      devices.add(new BlockIo(device, Integer.parseInt(device.substring(0, colon)),
          Integer.parseInt(device.substring(colon + 1)), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
    });
    b.io(devices);
    List<NetInterface> network = new ArrayList<>();
    object(root, "networks").forEach((name, value) -> {
      Map<String, Object> n = object(value);
      network.add(new NetInterface(name, value(n, "rx_bytes"), value(n, "rx_packets"),
          value(n, "rx_errors"), value(n, "rx_dropped"), value(n, "tx_bytes"),
          value(n, "tx_packets"), value(n, "tx_errors"), value(n, "tx_dropped")));
    });
    b.network(network);
    return b.build();
  }

  /** The operations of {@code blkio.throttle.io_service*_recursive} as the API names them, in any case. */
  private static final List<String> BLKIO_OPS = List.of("read", "write", "sync", "async", "discard", "total");

  /** Adds the entries of one blkio list, each value at {@code offset} + its operation's index (reads and writes only for counts). */
  private static void blkio(Object entries, Map<String, long[]> io, int offset) {
    for (Object e : array(entries)) {
      Map<String, Object> entry = object(e);
      int op = BLKIO_OPS.indexOf(Json.string(entry, "op", "").toLowerCase(java.util.Locale.ROOT));
      if (op < 0 || offset > 0 && op > 1) {
        continue;
      }
      String device = Json.number(entry, "major", 0) + ":" + Json.number(entry, "minor", 0);
      long[] row = io.computeIfAbsent(device, k -> new long[] {0, 0, 0, 0, 0, 0,
          ContainerStats.UNKNOWN, ContainerStats.UNKNOWN});
      long value = Json.number(entry, "value", 0);
      row[offset + op] = row[offset + op] == ContainerStats.UNKNOWN ? value : row[offset + op] + value;
    }
  }

  private static long value(Map<String, Object> node, String field) {
    return Json.number(node, field, ContainerStats.UNKNOWN);
  }

  @Override
  public void close() {
    ticker.cancel(false);
    pool.shutdownNow();
    docker.close();
  }
}
