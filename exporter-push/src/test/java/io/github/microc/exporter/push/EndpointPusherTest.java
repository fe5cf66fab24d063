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

  /** A receiver's port and what it was sent. */
  record Receiver(int port, List<Received> received) {}

  /**
   * A stand-in receiver on a port it binds itself (a port picked free and bound later could be
   * taken meanwhile) that answers each request with {@code answer}'s status and headers.
   */
  private Receiver receiver(Function<Integer, String[]> answer) throws IOException {
    List<Received> received = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
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
    return new Receiver(server.getAddress().getPort(), received);
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
    Receiver receiver = receiver(n -> new String[] {"204"});
    List<Received> received = receiver.received();
    EndpointPusher pusher = pusher(settings(receiver.port(), Duration.ofMillis(100), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.Basic("me", Secret.inline("pa55"))));
    pusher.start(scheduler);
    // The receiver records a request before it answers, and the pusher counts it once answered.
    await("3 batches answered", () -> pusher.stats().sentBatches.sum() >= 3);

    assertThat(received.get(0).headers()).containsEntry("Content-Encoding", "snappy")
        .containsEntry("X-Prometheus-Remote-Write-Version", "0.1.0")
        .containsEntry("Authorization", "Basic bWU6cGE1NQ==");
    assertThat(received).extracting(Received::value).startsWith(1.0, 2.0, 3.0);
    // Sent batches are acknowledged: the buffer empties. On a loaded machine a send can take
    // longer than the 100 ms interval, and the batch collected meanwhile waits on disk until
    // the sender catches up.
    await("the buffer empty", () -> pusher.pending().batches() == 0);
  }

  @Test
  void aRejectedBatchIsDroppedAndCountedAndNeverSentAgain() throws Exception {
    Receiver receiver = receiver(n -> new String[] {"400"});
    List<Received> received = receiver.received();
    EndpointPusher pusher = pusher(settings(receiver.port(), Duration.ofMillis(100), Duration.ofSeconds(5),
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
    Receiver receiver = receiver(n -> n == 1 ? new String[] {"429", "Retry-After", "2"}
        : new String[] {"204"});
    List<Received> live = receiver.received();
    EndpointPusher pusher = pusher(settings(receiver.port(), Duration.ofMillis(200), Duration.ofSeconds(5),
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
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = silent.getLocalPort();
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
    // The receiver is there from the start, but the first pusher never starts its sender: its
    // first batch goes to disk when the second is collected, the second when it is closed.
    Receiver receiver = receiver(n -> new String[] {"204"});
    List<Received> received = receiver.received();
    EndpointPusher first = pusher(settings(receiver.port(), Duration.ofHours(1), Duration.ofSeconds(1),
        new EndpointSettings.Credentials.None()));
    first.tick();
    first.tick();
    first.close();
    open.remove(first);
    assertThat(received).as("nothing sent by a pusher that was not started").isEmpty();

    EndpointPusher second = pusher(settings(receiver.port(), Duration.ofHours(1), Duration.ofSeconds(5),
        new EndpointSettings.Credentials.None()));
    assertThat(second.pending().batches()).isEqualTo(2);
    second.start(scheduler);
    // The receiver records a request before it answers; the buffer lets a batch go once answered.
    await("three batches answered", () -> second.stats().sentBatches.sum() >= 3);
    assertThat(received).extracting(Received::value).containsExactly(1.0, 2.0, 3.0);
    await("the buffer empty", () -> second.pending().batches() == 0);
  }
}
