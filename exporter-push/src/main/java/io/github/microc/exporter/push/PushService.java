package io.github.microc.exporter.push;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.spi.StatusTable;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push mode: one {@link EndpointPusher} per endpoint of {@code microc.push.remote-write}, each
 * collecting from the exporter's registry, so that a push holds what {@code /metrics} would
 * serve at that moment (with the endpoint's {@code collect[]}) and shares the collection
 * engine's single flight with scrapes. Its self-metrics go into the same registry, and each
 * endpoint's state onto the landing page.
 *
 * <pre>{@code
 * PushService push = PushService.start(microc, PushSettings.from(microc.config(), ...));
 * ...
 * push.close();   // the batches not sent yet stay in the buffers for the next start
 * }</pre>
 */
public final class PushService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PushService.class);

  private final PrometheusRegistry registry;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final List<EndpointPusher> pushers = new CopyOnWriteArrayList<>();
  private final PushMetrics metrics = new PushMetrics(() -> List.copyOf(pushers));
  private boolean closed;

  private PushService(PrometheusRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    AtomicInteger threads = new AtomicInteger();
    this.scheduler = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "microc-push-collect-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts pushing to every endpoint: registers the self-metrics in the exporter's registry and
   * the endpoints' table on its landing page.
   *
   * @throws StartupException when an endpoint's buffer cannot be opened
   */
  public static PushService start(Microc microc, PushSettings settings) {
    PushService service = start(microc.registry(), settings, Clock.systemUTC());
    microc.addStatus(service::status);
    return service;
  }

  static PushService start(PrometheusRegistry registry, PushSettings settings, Clock clock) {
    PushService service = new PushService(registry, clock);
    registry.register(service.metrics);
    try {
      for (EndpointSettings endpoint : settings.endpoints()) {
        service.add(endpoint);
      }
    } catch (StartupException e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The running pushers, for tests. */
  List<EndpointPusher> pushers() {
    return List.copyOf(pushers);
  }

  /** The endpoints, in order. */
  public synchronized List<String> endpoints() {
    return pushers.stream().map(p -> p.settings().name()).toList();
  }

  /**
   * Follows a new configuration: endpoints whose settings changed are stopped (their unsent
   * batches kept on disk) and started again with the new ones, removed ones are stopped, new
   * ones started; unchanged ones go on untouched.
   *
   * @throws StartupException when a new endpoint's buffer cannot be opened; the endpoints
   *     started before it keep running
   */
  public synchronized void update(PushSettings settings) {
    Map<String, EndpointSettings> wanted = new LinkedHashMap<>();
    settings.endpoints().forEach(e -> wanted.put(e.name(), e));
    for (EndpointPusher pusher : List.copyOf(pushers)) {
      EndpointSettings now = wanted.get(pusher.settings().name());
      if (now == null || !now.equals(pusher.settings())) {
        pushers.remove(pusher);
        pusher.close();
        log.info("push {}: {}", pusher.settings().name(), now == null ? "removed" : "restarted with its new settings");
      }
    }
    List<String> running = endpoints();
    for (EndpointSettings endpoint : wanted.values()) {
      if (!running.contains(endpoint.name())) {
        add(endpoint);
      }
    }
  }

  private void add(EndpointSettings endpoint) {
    PrometheusScrapeRequest request = request(endpoint);
    Supplier<MetricSnapshots> source = () -> registry.scrape(request);
    EndpointPusher pusher;
    try {
      pusher = new EndpointPusher(endpoint, source, clock);
    } catch (IOException e) {
      throw new StartupException("push " + endpoint.name() + ": " + e.getMessage(), e);
    }
    pushers.add(pusher);
    pusher.start(scheduler);
    log.info("push {} to {} every {}s{}", endpoint.name(), endpoint.shownUrl(),
        endpoint.interval().toMillis() / 1000.0,
        endpoint.collect().isEmpty() ? "" : " (collectors " + String.join(", ", endpoint.collect()) + ")");
  }

  /** What {@code /metrics?collect[]=...} asks the registry for. */
  private static PrometheusScrapeRequest request(EndpointSettings endpoint) {
    String[] collect = endpoint.collect().toArray(new String[0]);
    String[] exclude = endpoint.exclude().toArray(new String[0]);
    return new PrometheusScrapeRequest() {
      @Override
      public String getRequestPath() {
        return "/metrics";
      }

      @Override
      public String[] getParameterValues(String name) {
        return switch (name) {
          case "collect[]" -> collect.length == 0 ? null : collect.clone();
          case "exclude[]" -> exclude.length == 0 ? null : exclude.clone();
          default -> null;
        };
      }
    };
  }

  /** Each endpoint's state, for the landing page. */
  StatusTable status() {
    List<List<String>> rows = new ArrayList<>();
    for (EndpointPusher pusher : pushers) {
      EndpointStats stats = pusher.stats();
      SegmentBuffer.Pending pending = pusher.pending();
      String state = switch (stats.state()) {
        case STARTING -> "not sent yet";
        case OK -> "ok";
        case RETRYING -> "failing, retrying";
        case REJECTED -> "rejected (dropped)";
      };
      String error = stats.lastError() == null ? ""
          : time(stats.lastErrorTime()) + " " + stats.lastError();
      rows.add(List.of(pusher.settings().name(), pusher.settings().shownUrl(), state,
          stats.lastSuccess() == 0 ? "never" : time(stats.lastSuccess()),
          pending.batches() == 0 ? "none" : pending.batches() + " batches, " + pending.samples()
              + " samples, " + pending.bytes() + " bytes, since " + time(pending.oldest()),
          stats.sentBatches.sum() + " batches, " + stats.sentSamples.sum() + " samples",
          String.valueOf(stats.droppedBatches()),
          error));
    }
    return new StatusTable("Push (remote-write)", List.of("Endpoint", "URL", "State",
        "Last success (UTC)", "Pending in the buffer", "Sent", "Dropped batches", "Last error (UTC)"),
        rows);
  }

  private static String time(long millis) {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS));
  }

  /** Stops every endpoint; what is not sent yet is in the buffers, for the next start. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EndpointPusher pusher : pushers) {
      pusher.close();
    }
    pushers.clear();
    registry.unregister(metrics);
    scheduler.shutdownNow();
  }
}
