package io.github.microc.exporter.docker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HTTP side of the client against a stand-in daemon on a Unix socket of the test's own,
 * for what a real dockerd does not do on demand: answers cut into odd chunks, connections
 * dropped between requests, no answer at all, oversized answers. DockerApiIT runs the same
 * calls against a real dockerd.
 */
class DockerApiTest {

  @TempDir
  Path dir;

  private FakeDaemon daemon;

  @AfterEach
  void stop() throws IOException {
    if (daemon != null) {
      daemon.close();
    }
  }

  private DockerApi api(Duration timeout) {
    return DockerApi.create("unix://" + daemon.socket, timeout);
  }

  @Test
  void anAnswerInOddChunksIsReadWhole() throws Exception {
    String body = "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\",\"Pid\":42}}";
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
      StringBuilder chunked = new StringBuilder();
      for (int i = 0; i < body.length(); i += 7) {
        String piece = body.substring(i, Math.min(body.length(), i + 7));
        chunked.append(Integer.toHexString(piece.length())).append(i == 0 ? ";ext=1" : "")
            .append("\r\n").append(piece).append("\r\n");
      }
      chunked.append("0\r\nX-Trailer: 1\r\n\r\n");
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
          + chunked);
    });
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      Map<String, Object> inspect = api.inspect("abc");
      assertThat(inspect).containsEntry("Id", "abc").containsEntry("Name", "/web");
      assertThat(Json.number(Json.object(inspect, "State"), "Pid", 0)).isEqualTo(42);
    }
    assertThat(daemon.requests).containsExactly("GET /containers/abc/json HTTP/1.1");
    assertThat(daemon.hosts).containsExactly("docker");
  }

  @Test
  void aKeptConnectionServesTheNextRead() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> out.write(json(200, "[{\"Id\":\"a\"}]")));
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      for (int i = 0; i < 3; i++) {
        assertThat(api.listContainers()).hasSize(1);
      }
    }
    assertThat(daemon.requests).containsOnly("GET /containers/json?all=1 HTTP/1.1").hasSize(3);
    assertThat(daemon.connections.get()).isEqualTo(1);
  }

  @Test
  void aKeptConnectionTheDaemonDroppedIsReplacedForARead() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
      out.write(json(200, "{}"));
      out.close(); // after each answer, although the answer said nothing of it
    });
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      api.inspect("a");
      api.inspect("a"); // on a kept connection that is closed: a new one
    }
    assertThat(daemon.requests).containsExactly("GET /containers/a/json HTTP/1.1",
        "GET /containers/a/json HTTP/1.1");
    assertThat(daemon.connections.get()).isEqualTo(2);
  }

  @Test
  void aStartWhoseConnectionDropsIsNotSentAgain() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
      if (request.startsWith("POST")) {
        out.close(); // the daemon took it, but no answer comes
        return;
      }
      out.write(json(200, "{}"));
    });
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      api.inspect("a"); // leaves a kept connection
      assertThatThrownBy(() -> api.start("a"))
          .isInstanceOf(DockerException.class)
          .hasMessageEndingWith("the connection closed before an answer");
    }
    assertThat(daemon.requests).filteredOn(r -> r.startsWith("POST")).hasSize(1);
  }

  @Test
  void anInterruptedCallEndsAtOnce() throws Exception {
    assertCallUnderWayEnds(api -> Thread.currentThread(), Thread::interrupt,
        java.nio.channels.ClosedByInterruptException.class);
  }

  @Test
  void closingTheClientEndsACallUnderWay() throws Exception {
    DockerApi[] client = new DockerApi[1];
    assertCallUnderWayEnds(api -> {
      client[0] = api;
      return null;
    }, caller -> client[0].close(), java.nio.channels.AsynchronousCloseException.class);
  }

  /**
   * Starts a call that the daemon never answers, with a 30 s deadline, then {@code stop}s it:
   * the call must fail within seconds with {@code cause}, not wait for (or spin until) the
   * deadline.
   */
  private void assertCallUnderWayEnds(java.util.function.Function<DockerApi, Thread> setUp,
      java.util.function.Consumer<Thread> stop, Class<? extends Throwable> cause) throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> never.await());
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    CompletableFuture<Thread> caller = new CompletableFuture<>();
    try (DockerApi api = api(Duration.ofSeconds(30))) {
      Thread t = new Thread(() -> {
        caller.complete(setUp.apply(api));
        try {
          api.listContainers();
          failure.complete(null);
        } catch (Throwable e) {
          failure.complete(e);
        }
      }, "caller");
      t.start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (daemon.requests.isEmpty() && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(daemon.requests).hasSize(1);
      stop.accept(caller.get());
      // Well before the 30 s deadline, and by the stop (its cause), not by the deadline.
      assertThat(failure.get(20, TimeUnit.SECONDS))
          .isInstanceOf(DockerException.class)
          .hasCauseInstanceOf(cause);
    } finally {
      never.countDown();
    }
  }

  @Test
  void anErrorStatusCarriesTheDaemonsMessage() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> out.write(request.contains("/start")
        ? "HTTP/1.1 304 Not Modified\r\n\r\n"
        : json(404, "{\"message\":\"No such container: nope\"}")));
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> api.inspect("nope"))
          .isInstanceOfSatisfying(DockerException.class, e -> {
            assertThat(e.notFound()).isTrue();
            assertThat(e).hasMessage("status 404: No such container: nope");
          });
      assertThatThrownBy(() -> api.start("running"))
          .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.notModified()).isTrue());
    }
  }

  @Test
  void aDaemonThatDoesNotAnswerFailsTheCallAtItsDeadline() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> never.await());
    try (DockerApi api = api(Duration.ofMillis(300))) {
      // The daemon is let go only afterwards: the call ended by its deadline, as it says.
      assertThatThrownBy(api::listContainers)
          .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.noAnswer()).isTrue())
          .hasMessage("unix://" + daemon.socket + ": no answer within 300 ms");
    } finally {
      never.countDown();
    }
  }

  /** A frozen daemon: its socket's listen queue fills, and a blocking connect would wait forever. */
  @Test
  void aDaemonThatAcceptsNothingFailsEachCallInTime() throws Exception {
    Path socket = dir.resolve("frozen.sock");
    try (ServerSocketChannel frozen = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        DockerApi api = DockerApi.create("unix://" + socket, Duration.ofMillis(200))) {
      frozen.bind(UnixDomainSocketAddress.of(socket), 1);
      // Each call ends by its own deadline (a blocking connect would never return at all).
      assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
        for (int i = 0; i < 6; i++) {
          assertThatThrownBy(api::ping).as("call %d", i)
              .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.noAnswer()).isTrue());
        }
      });
    }
  }

  @Test
  void anAnswerLargerThanTheLimitIsRefusedBeforeItIsRead() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> out.write(
        "HTTP/1.1 200 OK\r\nContent-Length: " + (DockerApi.MAX_LIST + 1L) + "\r\n\r\n"));
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      assertThatThrownBy(api::listContainers)
          .hasMessageContaining("an answer of " + (DockerApi.MAX_LIST + 1L) + " bytes; at most 8 MiB");
    }
  }

  @Test
  void somethingThatIsNotHttpIsNamed() throws Exception {
    daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> out.write("SSH-2.0-OpenSSH_9.2\r\n"));
    try (DockerApi api = api(Duration.ofSeconds(5))) {
      assertThatThrownBy(api::ping).hasMessageEndingWith("not an HTTP answer: SSH-2.0-OpenSSH_9.2");
    }
  }

  @Test
  void aSocketThatDoesNotExistIsNamed() {
    Path missing = dir.resolve("missing.sock");
    try (DockerApi api = DockerApi.create("unix://" + missing, Duration.ofSeconds(1))) {
      assertThatThrownBy(api::ping)
          .isInstanceOf(DockerException.class)
          .hasMessageStartingWith("unix://" + missing + ": ");
    }
  }

  /**
   * Every kind of hostile answer, call by call: each call fails within its deadline with an
   * error that names what was wrong, having allocated less than the launcher's whole heap
   * (48 MiB) while reading it, and the client works again once the daemon does.
   */
  @Nested
  class Hostile {

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    @ParameterizedTest
    @EnumSource(value = HostileDaemon.class, names = "EVENTS_CLOSE_AT_ONCE", mode = EnumSource.Mode.EXCLUDE)
    void everyCallFailsInTimeWithABoundedHeapAndSaysWhy(HostileDaemon hostile) throws Exception {
      daemon = hostile.start(dir.resolve("docker.sock"));
      String why = switch (hostile) {
        case ENDLESS_CHUNKED, HUGE_JSON, ENDLESS_UNTIL_CLOSED ->
            "an answer whose values would take more than 8 MiB of memory";
        case ENDLESS_HEADERS -> "an answer's head longer than 64 KiB";
        case DEEP_JSON -> "nested deeper than 128 levels";
        case INVALID_UTF8 -> "not valid UTF-8 at offset 38";
        case SILENCE -> "no answer within 1000 ms";
        default -> throw new AssertionError(hostile);
      };
      // Silence waits for the deadline; everything else is refused long before it.
      Duration deadline = Duration.ofSeconds(hostile == HostileDaemon.SILENCE ? 1 : 10);
      try (DockerApi api = api(deadline)) {
        for (int i = 0; i < 2; i++) {
          long allocated = threads.getCurrentThreadAllocatedBytes();
          // Refused for what it is (no answer only for silence), so not by the 10 s deadline.
          assertThatThrownBy(api::listContainers)
              .isInstanceOfSatisfying(DockerException.class,
                  e -> assertThat(e.noAnswer()).isEqualTo(hostile == HostileDaemon.SILENCE))
              .hasMessageContaining(why);
          assertThat(threads.getCurrentThreadAllocatedBytes() - allocated)
              .as("bytes allocated to read the answer").isLessThan(48L << 20);
        }
        Recorder recorder = new Recorder();
        try {
          api.events(0, List.of(), recorder);
          assertThat(recorder.ended.await(5, TimeUnit.SECONDS)).as("the stream ends").isTrue();
          assertThat(recorder.error.take()).isNotEqualTo("none");
        } catch (DockerException refused) {
          assertThat(refused.getMessage()).isNotBlank();
        }
      }
    }

    @Test
    void aStreamThatClosesAtOnceEndsAtOnceAndTheOtherCallsWork() throws Exception {
      daemon = HostileDaemon.EVENTS_CLOSE_AT_ONCE.start(dir.resolve("docker.sock"));
      try (DockerApi api = api(Duration.ofSeconds(5))) {
        api.ping();
        assertThat(api.listContainers()).hasSize(2);
        Recorder recorder = new Recorder();
        api.events(0, List.of(), recorder);
        assertThat(recorder.ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(recorder.error.take()).isEqualTo("the connection closed in a chunked answer");
      }
    }

    @Test
    void chunkFramingCountsAgainstTheLimit() throws Exception {
      // One byte of JSON a chunk, each behind a long chunk extension: the framing is read too.
      String chunk = "1;" + "x".repeat(1000) + "\r\n \r\n";
      daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n");
        String many = chunk.repeat(64);
        while (true) {
          out.write(many);
        }
      });
      try (DockerApi api = api(Duration.ofSeconds(20))) {
        // Refused for its size, not by the 20 s deadline.
        assertThatThrownBy(api::ping).hasMessageContaining("an answer larger than 64 KiB")
            .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.noAnswer()).isFalse());
      }
    }

    @Test
    void aLongHeaderLineIsRefused() throws Exception {
      daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
        out.write("HTTP/1.1 200 OK\r\nX-Long: ");
        String text = "y".repeat(8192);
        while (true) {
          out.write(text);
        }
      });
      try (DockerApi api = api(Duration.ofSeconds(20))) {
        assertThatThrownBy(api::ping).hasMessageContaining("an answer's head longer than 64 KiB");
      }
    }
  }

  @Nested
  class Events {

    @Test
    void eventsArriveOneALineAcrossChunksThenTheEndIsReported() throws Exception {
      String events = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"a\"}}\n"
          + "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"a\",\"Attributes\":"
          + "{\"exitCode\":\"3\",\"label\":\"line\\nbreak\"}}}\n";
      daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < events.length(); i += 10) {
          String piece = events.substring(i, Math.min(events.length(), i + 10));
          out.write(Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n");
          Thread.sleep(2);
        }
        out.write("0\r\n\r\n");
      });
      Recorder recorder = new Recorder();
      try (DockerApi api = api(Duration.ofSeconds(5))) {
        api.events(1700000000L, List.of("start", "die"), recorder);
        assertThat(recorder.ended.await(5, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(recorder.events).extracting(e -> e.get("Action")).containsExactly("start", "die");
      assertThat(Json.strings(Json.object(recorder.events.get(1), "Actor"), "Attributes"))
          .containsEntry("label", "line\nbreak");
      assertThat(recorder.error.take()).isEqualTo("none");
      String request = daemon.requests.get(0);
      assertThat(URLDecoder.decode(request, StandardCharsets.UTF_8)).isEqualTo(
          "GET /events?filters={\"type\":[\"container\"],\"event\":[\"start\",\"die\"]}"
              + "&since=1700000000 HTTP/1.1");
    }

    @Test
    void aRefusedStreamFailsTheCallAndAClosedOneIsSilent() throws Exception {
      AtomicInteger calls = new AtomicInteger();
      CountDownLatch hold = new CountDownLatch(1);
      daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
        if (calls.incrementAndGet() == 1) {
          out.write(json(500, "{\"message\":\"boom\"}"));
          return;
        }
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        hold.await();
      });
      Recorder recorder = new Recorder();
      try (DockerApi api = api(Duration.ofSeconds(5))) {
        assertThatThrownBy(() -> api.events(0, List.of(), recorder)).hasMessage("status 500: boom");
        EventStream stream = api.events(0, List.of(), recorder);
        stream.close();
        Thread.sleep(200);
      } finally {
        hold.countDown();
      }
      assertThat(recorder.ended.getCount()).as("onEnd after close").isEqualTo(1);
      assertThat(daemon.requests.get(1)).startsWith("GET /events?filters=").doesNotContain("since");
    }

    @Test
    void aBrokenStreamReportsWhy() throws Exception {
      daemon = new FakeDaemon(dir.resolve("docker.sock"), (request, out) -> {
        out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"a\":");
        out.close();
      });
      Recorder recorder = new Recorder();
      try (DockerApi api = api(Duration.ofSeconds(5))) {
        api.events(0, List.of(), recorder);
        assertThat(recorder.ended.await(5, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(recorder.error.take()).isEqualTo("the connection closed in a chunk");
    }
  }

  @Nested
  class Hosts {

    @Test
    void socketsAndTcpAreUnderstood() {
      assertThat(Endpoint.of("unix:///run/docker.sock", Map.of()).socket())
          .isEqualTo(Path.of("/run/docker.sock"));
      Endpoint tcp = Endpoint.of("tcp://10.0.0.1", Map.of());
      assertThat(tcp.tcpHost()).isEqualTo("10.0.0.1");
      assertThat(tcp.port()).isEqualTo(2375);
      assertThat(tcp.tls()).isNull();
      assertThat(tcp.hostHeader()).isEqualTo("10.0.0.1:2375");
      Endpoint v6 = Endpoint.of("tcp://[::1]:2400", Map.of());
      assertThat(v6.tcpHost()).isEqualTo("::1");
      assertThat(v6.hostHeader()).isEqualTo("[::1]:2400");
      assertThat(Endpoint.of("tcp://h:1", Map.of("DOCKER_TLS_VERIFY", "0")).tls()).isNull();
    }

    @Test
    void anythingElseIsRefusedByName() {
      assertThatThrownBy(() -> Endpoint.of("npipe:////./pipe/docker_engine", Map.of()))
          .hasMessage("not a Docker host: \"npipe:////./pipe/docker_engine\"; use"
              + " unix:///path/docker.sock or tcp://host:port");
      assertThat(Endpoint.of("unix:///a dir/docker.sock", Map.of()).socket())
          .isEqualTo(Path.of("/a dir/docker.sock"));
      assertThatThrownBy(() -> Endpoint.of("unix://", Map.of()))
          .hasMessageContaining("names no socket");
      assertThatThrownBy(() -> Endpoint.of("tcp://:2375", Map.of()))
          .hasMessageContaining("names no host");
    }

    @Test
    void tlsWithoutItsFilesNamesTheDirectory() {
      Path certs = dir.resolve("certs");
      assertThatThrownBy(() -> Endpoint.of("tcp://h:2376",
          Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("DOCKER_TLS_VERIFY is set but the TLS files in " + certs
              + " cannot be used: ");
    }

    @Test
    void theHostIsShownWithoutItsSecrets() {
      try (DockerApi api = DockerApi.create("tcp://admin:s3cret@127.0.0.1:1?token=abc", Map.of(),
          Duration.ofSeconds(1))) {
        assertThat(api.host()).isEqualTo("tcp://127.0.0.1:1?token=<secret>");
        assertThatThrownBy(api::ping).isInstanceOf(DockerException.class)
            .hasMessageStartingWith("tcp://127.0.0.1:1?token=<secret>: ")
            .hasMessageNotContaining("s3cret").hasMessageNotContaining("abc");
      }
      assertThatThrownBy(() -> Endpoint.of("tcp://admin:s3cret@h:1/a b", Map.of()))
          .hasMessageNotContaining("s3cret");
    }

    @Test
    void aNameIsOnePathSegment() {
      assertThat(DockerApi.segment("web_1.a-b")).isEqualTo("web_1.a-b");
      assertThat(DockerApi.segment("a/../b?c")).isEqualTo("a%2F..%2Fb%3Fc");
    }
  }

  private static String json(int status, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
        + bytes.length + "\r\n\r\n" + body;
  }

  /** Hears a stream's events and its end. */
  private static final class Recorder implements EventStream.Listener {
    final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
    final CountDownLatch ended = new CountDownLatch(1);
    final LinkedBlockingQueue<String> error = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Map<String, Object> event) {
      events.add(event);
    }

    @Override
    public void onEnd(Throwable e) {
      error.add(e == null ? "none" : String.valueOf(e.getMessage()));
      ended.countDown();
    }
  }
}
