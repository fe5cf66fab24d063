package io.github.microc.exporter.core.web;

import io.github.microc.exporter.core.spi.MetricFamily;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint's TLS settings and the context made from their files, kept current: the
 * certificate, key and CA files are looked at every second (their size and modification
 * time), and when they change they are read again, as cert-manager and certbot replace them.
 * New files that cannot be used (half written, a key that does not match) leave the last good
 * context in force; the log says so once per change and {@code
 * microc_web_certificate_last_reload_successful} turns 0. A server {@linkplain #onChange
 * listens} for new contexts, for new connections; connections open stay as they are.
 * Thread-safe.
 */
public final class ServerTls implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
  private volatile Snapshot current;
  private volatile boolean lastReloadOk = true;
  private volatile double lastReloadSeconds;
  private List<String> stamps;
  private ScheduledFuture<?> watch;

  /**
   * What a server needs for new connections.
   *
   * @param settings the web-config file's TLS settings
   * @param material the context made from their files
   */
  public record Snapshot(TlsSettings settings, TlsSettings.Material material) {}

  /** @throws IOException when the files cannot be used */
  public ServerTls(TlsSettings settings) throws IOException {
    this.current = new Snapshot(settings, settings.material());
    this.stamps = stamps(settings);
    this.lastReloadSeconds = System.currentTimeMillis() / 1000.0;
  }

  public Snapshot current() {
    return current;
  }

  /** Calls {@code listener} with each new snapshot, on the thread that made it. */
  public void onChange(Consumer<Snapshot> listener) {
    listeners.add(listener);
  }

  /** Looks at the files every {@code periodMillis} from now on. */
  public synchronized void watch(ScheduledExecutorService scheduler, long periodMillis) {
    if (watch == null) {
      watch = scheduler.scheduleWithFixedDelay(this::check, periodMillis, periodMillis,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Reads the files again if they changed since the last look. */
  synchronized void check() {
    TlsSettings settings = current.settings();
    List<String> now = stamps(settings);
    if (now.equals(stamps)) {
      return;
    }
    stamps = now;
    try {
      install(new Snapshot(settings, settings.material()));
      log.info("TLS: read {} again after it changed (certificate valid until {})",
          settings.certFile(), current.material().certificate().getNotAfter().toInstant());
    } catch (IOException | RuntimeException e) {
      if (lastReloadOk) {
        log.warn("TLS: the changed files cannot be used, keeping the previous certificate: {}",
            e.getMessage());
      }
      lastReloadOk = false;
    }
  }

  /**
   * New settings from a reloaded web-config file, their files read, to be {@linkplain #use
   * used} once everything else of the reload is good.
   *
   * @throws IOException when they cannot be used
   */
  public static Snapshot prepare(TlsSettings settings) throws IOException {
    return new Snapshot(settings, settings.material());
  }

  /** Serves {@code next} to new connections from now on, and watches its files. */
  public synchronized void use(Snapshot next) {
    stamps = stamps(next.settings());
    install(next);
  }

  private void install(Snapshot next) {
    current = next;
    lastReloadOk = true;
    lastReloadSeconds = System.currentTimeMillis() / 1000.0;
    for (Consumer<Snapshot> listener : listeners) {
      listener.accept(next);
    }
  }

  /** Size and modification time of each file; a missing file is a stamp of its own. */
  private static List<String> stamps(TlsSettings settings) {
    List<String> stamps = new ArrayList<>();
    for (Path file : settings.files()) {
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        stamps.add(attributes.size() + "@" + attributes.lastModifiedTime().toMillis()
            + "#" + attributes.fileKey());
      } catch (IOException e) {
        stamps.add("missing");
      }
    }
    return stamps;
  }

  /** {@code microc_web_certificate_*}. */
  public MultiCollector metrics() {
    return () -> MetricSnapshots.of(
        MetricFamily.gauge("microc_web_certificate_last_reload_successful",
            "Whether the endpoint's certificate files were last read without error (0: the"
                + " previous certificate is still served).", lastReloadOk ? 1 : 0),
        MetricFamily.gauge("microc_web_certificate_last_reload_success_timestamp_seconds",
            "When the endpoint's certificate files were last read successfully.", lastReloadSeconds),
        MetricFamily.gauge("microc_web_certificate_expiry_timestamp_seconds",
            "When the certificate the endpoint serves expires.",
            current.material().certificate().getNotAfter().getTime() / 1000.0));
  }

  @Override
  public synchronized void close() {
    if (watch != null) {
      watch.cancel(false);
    }
  }
}
