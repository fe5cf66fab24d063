package io.github.microc.exporter.docker.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.transport.DockerHttpClient;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerHttpClient http;
  private final ExecutorService pool;
  private final Map<String, ContainerStats> results = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledFuture<?> ticker;
  private volatile Set<String> wanted = Set.of();

  public ApiStatsPoller(DockerHttpClient http, ScheduledExecutorService scheduler,
      Duration interval, int parallelism) {
    this.http = http;
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
    DockerHttpClient.Request request = DockerHttpClient.Request.builder()
        .method(DockerHttpClient.Request.Method.GET)
        .path("/containers/" + id + "/stats?stream=false&one-shot=true")
        .build();
    try (DockerHttpClient.Response response = http.execute(request);
        InputStream body = response.getBody()) {
      if (response.getStatusCode() != 200) {
        results.remove(id);
        return;
      }
      ContainerStats stats = parseStats(JSON.readTree(body));
      if (wanted.contains(id)) {
        results.put(id, stats);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("stats of container {} from the API failed", id, e);
      results.remove(id);
    }
  }

  /** One answer of {@code GET /containers/{id}/stats}, cgroup v1 or v2 daemon. */
  static ContainerStats parseStats(JsonNode root) {
    ContainerStats.Builder b = ContainerStats.builder();
    JsonNode cpu = root.path("cpu_stats");
    JsonNode usage = cpu.path("cpu_usage");
    b.cpu(value(usage, "total_usage"), value(usage, "usage_in_usermode"),
        value(usage, "usage_in_kernelmode"));
    JsonNode throttling = cpu.path("throttling_data");
    b.cfs(value(throttling, "periods"), value(throttling, "throttled_periods"),
        value(throttling, "throttled_time"));
    JsonNode memory = root.path("memory_stats");
    JsonNode stat = memory.path("stats");
    long used = value(memory, "usage");
    boolean v1 = stat.has("total_inactive_file") || stat.has("total_rss");
    long inactiveFile = v1 ? value(stat, "total_inactive_file") : value(stat, "inactive_file");
    long limit = value(memory, "limit");
    b.memory(used,
        used < 0 ? ContainerStats.UNKNOWN : Math.max(0, used - Math.max(inactiveFile, 0)),
        v1 ? value(stat, "total_rss") : value(stat, "anon"),
        v1 ? value(stat, "total_cache") : value(stat, "file"),
        Math.max(0, v1 ? value(stat, "total_swap") : 0),
        memory.has("failcnt") ? value(memory, "failcnt") : ContainerStats.UNKNOWN,
        limit >= 1L << 62 ? 0 : limit);
    b.pids(value(root.path("pids_stats"), "current"));
    Map<String, long[]> io = new LinkedHashMap<>();
    for (JsonNode entry : root.path("blkio_stats").path("io_service_bytes_recursive")) {
      String op = entry.path("op").asText("").toLowerCase(java.util.Locale.ROOT);
      int index = op.equals("read") ? 0 : op.equals("write") ? 1 : -1;
      if (index >= 0) {
        String device = entry.path("major").asLong() + ":" + entry.path("minor").asLong();
        io.computeIfAbsent(device, k -> new long[2])[index] += entry.path("value").asLong();
      }
    }
    List<BlockIo> devices = new ArrayList<>();
    io.forEach((device, rw) -> devices.add(new BlockIo(device, rw[0], rw[1])));
    b.io(devices);
    List<NetInterface> network = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> interfaces = root.path("networks").fields();
    while (interfaces.hasNext()) {
      Map.Entry<String, JsonNode> e = interfaces.next();
      JsonNode n = e.getValue();
      network.add(new NetInterface(e.getKey(), value(n, "rx_bytes"), value(n, "rx_packets"),
          value(n, "rx_errors"), value(n, "rx_dropped"), value(n, "tx_bytes"),
          value(n, "tx_packets"), value(n, "tx_errors"), value(n, "tx_dropped")));
    }
    b.network(network);
    return b.build();
  }

  private static long value(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isNumber() ? ContainerStats.UNKNOWN : v.asLong();
  }

  @Override
  public void close() {
    ticker.cancel(false);
    pool.shutdownNow();
    try {
      http.close();
    } catch (IOException e) {
      log.debug("closing the stats client", e);
    }
  }
}
