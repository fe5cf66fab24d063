package io.github.microc.plugins.example;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.plugins.example.HttpProbeSettings.Target;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes HTTP endpoints, such as a service's {@code /health}, on every scrape: one GET per
 * target, at most {@code concurrency} at a time, each under its own timeout, the whole
 * collection within the collector's timeout.
 *
 * <pre>
 * microc_http_probe_up{target="orders"} 1
 * microc_http_probe_duration_seconds{target="orders"} 0.0042
 * microc_http_probe_status_code{target="orders"} 200
 * microc_http_probe_up{target="billing"} 0
 * microc_http_probe_duration_seconds{target="billing"} 0.0007
 * microc_http_probe_status_code{target="billing"} 0
 * </pre>
 *
 * <p>A target is up when its response arrives in time with the expected status. The status
 * code is 0 when no response arrived (refused, timed out, not resolvable). Redirects are
 * not followed, so a 301 is a status like any other. Probe failures are data, not collector
 * failures: the collector only fails when it cannot run at all. Thread-safe.
 */
public final class HttpProbeCollector implements MultiCollector, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpProbeCollector.class);

  /** Kept back from the collector's timeout so that late probes are reported, not lost. */
  private static final Duration MAX_MARGIN = Duration.ofMillis(250);

  private final HttpProbeSettings settings;
  private final HttpClient client;
  private final ExecutorService probes;
  private final Map<String, Boolean> lastUp = new ConcurrentHashMap<>();

  HttpProbeCollector(HttpProbeSettings settings) {
    this.settings = settings;
    Duration longest = settings.targets().stream().map(Target::timeout)
        .max(Duration::compareTo).orElse(HttpProbeSettings.DEFAULT_TIMEOUT);
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(min(longest, settings.budget()))
        .build();
    AtomicInteger count = new AtomicInteger();
    this.probes = Executors.newFixedThreadPool(settings.concurrency(), r -> {
      Thread t = new Thread(r, "microc-http-probe-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public MetricSnapshots collect() {
    if (settings.targets().isEmpty()) {
      return new MetricSnapshots();
    }
    long start = System.nanoTime();
    long deadline = start + budget().toNanos();
    List<Future<Probe>> running = new ArrayList<>();
    for (Target target : settings.targets()) {
      running.add(probes.submit(() -> probe(target, deadline)));
    }
    List<Probe> results = new ArrayList<>();
    try {
      for (int i = 0; i < running.size(); i++) {
        results.add(await(settings.targets().get(i), running.get(i), start, deadline));
      }
    } finally {
      // Interrupted by the engine's timeout: nothing should keep probing for a dead scrape.
      running.forEach(f -> f.cancel(true));
    }
    return snapshots(results);
  }

  /** The collection's time: the collector's timeout less a margin to report what finished. */
  Duration budget() {
    Duration margin = min(MAX_MARGIN, settings.budget().dividedBy(10));
    return settings.budget().minus(margin);
  }

  private Probe await(Target target, Future<Probe> future, long start, long deadline) {
    // Each probe's own timeout ends by the deadline; the slack covers the client's wake-up.
    long slack = TimeUnit.MILLISECONDS.toNanos(50);
    try {
      return future.get(Math.max(0, deadline + slack - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | CancellationException e) {
      future.cancel(true);
      return Probe.failed(target, System.nanoTime() - start, "no result within the collector's timeout");
    } catch (ExecutionException e) {
      return Probe.failed(target, System.nanoTime() - start, e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing " + target.name(), e);
    }
  }

  /** One GET, under the target's timeout or what is left of the collection's, whichever ends first. */
  private Probe probe(Target target, long deadline) {
    long begin = System.nanoTime();
    long left = deadline - begin;
    if (left <= 0) {
      return Probe.failed(target, 0, "not started: the collector's timeout was used up by other targets");
    }
    Duration timeout = min(target.timeout(), Duration.ofNanos(left));
    HttpRequest request = HttpRequest.newBuilder(target.url())
        .timeout(timeout)
        .header("User-Agent", "microc-http-probe")
        .GET()
        .build();
    try {
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      long took = System.nanoTime() - begin;
      int status = response.statusCode();
      return status == target.expectedStatus()
          ? new Probe(target, true, status, took, null)
          : new Probe(target, false, status, took, "status " + status + ", expected "
              + target.expectedStatus());
    } catch (HttpTimeoutException e) {
      return Probe.failed(target, System.nanoTime() - begin, "timed out after " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return Probe.failed(target, System.nanoTime() - begin, describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Probe.failed(target, System.nanoTime() - begin, "interrupted");
    }
  }

  private MetricSnapshots snapshots(List<Probe> results) {
    MetricFamily up = MetricFamily.gauge("microc_http_probe_up",
        "Whether the target answered in time with the expected status.", "target");
    MetricFamily duration = MetricFamily.gauge("microc_http_probe_duration_seconds",
        "How long the probe took, until the response or the failure.", "target");
    MetricFamily status = MetricFamily.gauge("microc_http_probe_status_code",
        "The response's HTTP status; 0 when no response arrived.", "target");
    for (Probe probe : results) {
      String name = probe.target().name();
      up.add(probe.up() ? 1 : 0, name);
      duration.add(probe.nanos() / 1e9, name);
      status.add(probe.status(), name);
      logChange(probe);
    }
    return MetricSnapshots.of(up.build(), duration.build(), status.build());
  }

  /** One line when a target goes down or comes back, not one per scrape. */
  private void logChange(Probe probe) {
    Boolean previous = lastUp.put(probe.target().name(), probe.up());
    if (probe.up() && Boolean.FALSE.equals(previous)) {
      log.info("http_probe target {} is up again", probe.target().name());
    } else if (!probe.up() && !Boolean.FALSE.equals(previous)) {
      log.warn("http_probe target {} ({}) is down: {}", probe.target().name(),
          probe.target().shownUrl(), probe.target().scrub(probe.error()));
    }
  }

  @Override
  public void close() {
    probes.shutdownNow();
  }

  /** The JDK client's exceptions often have no message of their own; a cause may say why. */
  private static String describe(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        return e.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e instanceof ConnectException ? "could not connect" : e.getClass().getSimpleName();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** What one probe found. */
  private record Probe(Target target, boolean up, int status, long nanos, String error) {
    static Probe failed(Target target, long nanos, String error) {
      return new Probe(target, false, 0, nanos, error);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {

    @Override
    public String name() {
      return "http_probe";
    }

    @Override
    public String description() {
      return "Probes HTTP endpoints: up, duration and status code per target.";
    }

    /** On: an installed plugin with no targets exposes nothing and costs nothing. */
    @Override
    public boolean enabledByDefault() {
      return true;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new HttpProbeCollector(HttpProbeSettings.from(context.config()));
    }
  }
}
