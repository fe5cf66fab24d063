package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.push.prompb.Remote;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender against stand-in receivers (the JDK's HTTP server), for what a real Prometheus
 * cannot be made to do: reject every batch, ask to slow down, never answer. The arrival and
 * outage behaviour with a real Prometheus is PushIT's, in exporter-app.
 */
class EndpointPusherTest {

  @TempDir
  Path dir;

  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicInteger collections = new AtomicInteger();
  private final MetricSnapshotsSource source = new MetricSnapshotsSource();

  @AfterEach
  void close() throws Exception {
    Collections.reverse(open);
    for (AutoCloseable c : open) {
      c.close();
    }
    scheduler.shutdownNow();
  }

  /** Counts collections; each gives test_value with the collection's number. */
  private final class MetricSnapshotsSource implements java.util.function.Supplier<MetricSnapshots> {
    @Override
    public MetricSnapshots get() {
      return MetricSnapshots.of(MetricFamily.gauge("test_value", "A number.", collections.incrementAndGet()));
    }
  }

  /** A request as the stand-in receiver saw it. */
  record Received(long nanos, double value, long timestamp, Map<String, String> headers) {}

  /** A stand-in receiver that answers each request with {@code answer}'s status and headers. */
  private List<Received> receiver(int port, Function<Integer, String[]> answer) throws IOException {
    List<Received> received = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    server.createContext("/api/v1/write", exchange -> {
      try (exchange) {
        Remote.WriteRequest request = BatchEncoder.decode(exchange.getRequestBody().readAllBytes());
        Remote.TimeSeries ts = request.getTimeseries(0);
        received.add(new Received(System.nanoTime(), ts.getSamples(0).getValue(),
            ts.getSamples(0).getTimestamp(), Map.of(
                "Content-Encoding", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Encoding")),
                "X-Prometheus-Remote-Write-Version", String.valueOf(exchange.getRequestHeaders().getFirst("X-Prometheus-Remote-Write-Version")),
                "Authorization", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")))));
        String[] a = answer.apply(received.size());
        for (int i = 1; i + 1 < a.length; i += 2) {
          exchange.getResponseHeaders().add(a[i], a[i + 1]);
        }
        respond(exchange, Integer.parseInt(a[0]));
      }
    });
    server.start();
    open.add(() -> server.stop(0));
    return received;
  }

  private static void respond(HttpExchange exchange, int status) throws IOException {
    byte[] body = status >= 400 ? "out of order sample".getBytes() : new byte[0];
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  private EndpointSettings settings(int port, Duration interval, Duration timeout, EndpointSettings.Credentials credentials) {
    return new EndpointSettings("test", URI.create("http://127.0.0.1:" + port + "/api/v1/write"),
        interval, List.of(), List.of(), Map.of("job", "microc"), timeout, Duration.ofSeconds(1),
        Map.of(), credentials, new EndpointSettings.Tls(null, null, null), Duration.ZERO,
        Duration.ofMillis(50), Duration.ofMillis(200),
        new EndpointSettings.Buffer(dir.resolve("buffer"), 1024 * 1024, Duration.ofHours(1)));
  }

  private EndpointPusher pusher(EndpointSettings settings) throws IOException {
    EndpointPusher pusher = new EndpointPusher(settings, source, Clock.systemUTC());
    open.add(pusher);
    return pusher;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void batchesArriveWithRemoteWriteHeadersAndCredentials() throws Exception {
    int port = freePort();
    List<Received> received = receiver(port, n -> new String[] {"204"});
    EndpointPusher pusher = pusher(settings(port, Duration.ofMillis(100), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.Basic("me", Secret.inline("pa55"))));
    pusher.start(scheduler);
    await("3 batches", () -> received.size() >= 3);

    assertThat(received.get(0).headers()).containsEntry("Content-Encoding", "snappy")
        .containsEntry("X-Prometheus-Remote-Write-Version", "0.1.0")
        .containsEntry("Authorization", "Basic bWU6cGE1NQ==");
    assertThat(received).extracting(Received::value).startsWith(1.0, 2.0, 3.0);
    assertThat(pusher.stats().sentBatches.sum()).isGreaterThanOrEqualTo(3);
    assertThat(pusher.pending().batches()).isZero();
  }

  @Test
  void aRejectedBatchIsDroppedAndCountedAndNeverSentAgain() throws Exception {
    int port = freePort();
    List<Received> received = receiver(port, n -> new String[] {"400"});
    EndpointPusher pusher = pusher(settings(port, Duration.ofMillis(100), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.None()));
    pusher.start(scheduler);
    await("5 rejections", () -> pusher.stats().droppedBatches(Drop.REJECTED) >= 5);
    pusher.close();

    // One request per collection: no retry of a batch the receiver refused (the last request
    // may have been abandoned by the close before its answer was counted).
    assertThat(received).extracting(Received::value).doesNotHaveDuplicates();
    long dropped = pusher.stats().droppedBatches(Drop.REJECTED);
    assertThat(received.size() - dropped).isBetween(0L, 1L);
    assertThat(pusher.stats().failures(EndpointStats.Failure.STATUS_4XX)).isEqualTo(dropped);
    assertThat(pusher.stats().retries.sum()).isZero();
    assertThat(pusher.stats().lastError()).isEqualTo("HTTP 400: out of order sample");
    assertThat(pusher.stats().state()).isEqualTo(EndpointStats.State.REJECTED);
  }

  @Test
  void aRetryAfterOfA429IsWaitedForThenTheSameBatchIsSentFirst() throws Exception {
    int port = freePort();
    List<Received> live = receiver(port, n -> n == 1 ? new String[] {"429", "Retry-After", "2"}
        : new String[] {"204"});
    EndpointPusher pusher = pusher(settings(port, Duration.ofMillis(200), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.None()));
    pusher.start(scheduler);
    await("the retry and the batches after it", () -> live.size() >= 4);
    pusher.close();
    List<Received> received = List.copyOf(live);

    assertThat(received.get(1).value()).as("the refused batch again").isEqualTo(received.get(0).value());
    assertThat(Duration.ofNanos(received.get(1).nanos() - received.get(0).nanos()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(received.subList(1, received.size())).extracting(Received::timestamp).isSorted();
    assertThat(pusher.stats().failures(EndpointStats.Failure.STATUS_429)).isEqualTo(1);
    assertThat(pusher.stats().retries.sum()).isEqualTo(1);
    // Ten intervals passed during the wait; nothing was lost meanwhile.
    List<Double> values = received.subList(1, received.size()).stream().map(Received::value).toList();
    for (int i = 1; i < values.size(); i++) {
      assertThat(values.get(i)).isEqualTo(values.get(i - 1) + 1);
    }
  }

  @Test
  void aReceiverThatNeverAnswersTimesOutWhileCollectionGoesOnAndBatchesWaitOnDisk() throws Exception {
    int port = freePort();
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    ServerSocket silent = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    open.add(silent);
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(silent.accept());
        }
      } catch (IOException e) {
        // closed
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    open.add(() -> accepted.forEach(s -> {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }));
    EndpointPusher pusher = pusher(settings(port, Duration.ofMillis(100), Duration.ofMillis(500),
        new EndpointSettings.Credentials.None()));
    pusher.start(scheduler);
    await("two timeouts", () -> pusher.stats().failures(EndpointStats.Failure.TIMEOUT) >= 2);
    int before = collections.get();
    await("more collections while the sender waits", () -> collections.get() >= before + 5);

    assertThat(pusher.stats().lastError()).isEqualTo("no answer within 500ms");
    assertThat(pusher.pending().batches()).isGreaterThan(1);
    assertThat(pusher.stats().sentBatches.sum()).isZero();
  }

  @Test
  void closingPutsTheBatchInMemoryOnDiskAndTheNextStartSendsItFirst() throws Exception {
    int port = freePort();
    EndpointPusher first = pusher(settings(port, Duration.ofHours(1), Duration.ofSeconds(1),
        new EndpointSettings.Credentials.None()));
    // No receiver yet: the first batch fails and waits on disk, the second is in memory.
    first.tick();
    await("the first attempt", () -> first.stats().failures(EndpointStats.Failure.NETWORK) >= 0);
    first.tick();
    first.close();
    open.remove(first);

    List<Received> received = receiver(port, n -> new String[] {"204"});
    EndpointPusher second = pusher(settings(port, Duration.ofHours(1), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.None()));
    assertThat(second.pending().batches()).isEqualTo(2);
    second.start(scheduler);
    await("three batches", () -> received.size() >= 3);
    assertThat(received).extracting(Received::value).containsExactly(1.0, 2.0, 3.0);
    assertThat(second.pending().batches()).isZero();
  }
}
