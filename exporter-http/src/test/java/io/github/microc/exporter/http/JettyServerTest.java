package io.github.microc.exporter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.TestPlugins;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Jetty server's limits, spoken to over raw sockets as a hostile client would. */
class JettyServerTest {

  private final CountDownLatch gate = new CountDownLatch(1);
  private final List<Microc> started = new ArrayList<>();

  @AfterEach
  void stop() {
    gate.countDown();
    started.forEach(Microc::close);
  }

  private ExporterServer start(List<CollectorPlugin> plugins, String... settings) throws IOException {
    Microc.Builder builder = Microc.builder().plugins(plugins).environment(Map.of())
        .set("microc.web.exporter-metrics", false, "test");
    for (int i = 0; i < settings.length; i += 2) {
      String key = settings[i].startsWith("microc.") ? settings[i] : "microc.web." + settings[i];
      builder.set(key, settings[i + 1], "test");
    }
    Microc microc = builder.build();
    started.add(microc);
    return microc.startServer(ListenAddress.parse("127.0.0.1:0"));
  }

  private static Socket connect(ExporterServer server) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** Sends {@code request} and reads until the server closes; the status line and the rest. */
  private static String exchange(ExporterServer server, String request) throws IOException {
    try (Socket socket = connect(server)) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * One byte every 200 ms, each of which would reset an idle timeout: the 1 s header deadline
   * cuts the client off while it is still sending, seconds before its request would be whole.
   */
  @Test
  void aClientThatSendsItsHeadersSlowlyIsDisconnectedAtTheDeadline() throws Exception {
    ExporterServer server = start(List.of(TestPlugins.constant("one")), "read-header-timeout", "1s");
    byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\nX-Slower: still sending\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII);
    try (Socket slow = connect(server)) {
      OutputStream out = slow.getOutputStream();
      int sent = 0;
      boolean closed = false;
      for (byte b : request) {
        try {
          out.write(b);
          out.flush();
        } catch (IOException e) {
          closed = true;
          break;
        }
        sent++;
        Thread.sleep(200);
        if (closedByServer(slow)) {
          closed = true;
          break;
        }
      }
      System.out.printf("JettyServerTest: the slow client was cut off after %d of %d bytes%n", sent,
          request.length);
      assertThat(closed).as("cut off before its request was whole").isTrue();
      assertThat(sent).isLessThan(request.length);
    }
  }

  /** Whether the server closed the connection: a read that ends at once rather than waiting. */
  private static boolean closedByServer(Socket socket) throws IOException {
    int timeout = socket.getSoTimeout();
    socket.setSoTimeout(1);
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException open) {
      return false;
    } catch (IOException reset) {
      return true;
    } finally {
      socket.setSoTimeout(timeout);
    }
  }

  /**
   * The silent connection is closed by the 2 s header deadline: its read ends well within the
   * socket's 10 s read timeout, where the idle timeout (90 s) would leave it open. The kept-alive
   * one, idle for longer than the header deadline between its requests, is not.
   */
  @Test
  void aConnectionThatSendsNothingIsClosedAtTheDeadlineAndAKeptAliveOneIsNot() throws Exception {
    ExporterServer server = start(List.of(TestPlugins.constant("one")), "read-header-timeout", "2s");
    try (Socket silent = connect(server); Socket kept = connect(server)) {
      kept.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] answer = new byte[4096];
      int n = kept.getInputStream().read(answer);
      assertThat(new String(answer, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");

      assertThat(silent.getInputStream().read()).isEqualTo(-1);

      // Idle between requests is the idle timeout's business, not the header deadline's.
      Thread.sleep(2500);
      kept.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      n = kept.getInputStream().read(answer);
      assertThat(new String(answer, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
    }
  }

  /**
   * Two requests held inside the server (each in a collector of its own that waits for the gate)
   * fill the limit; a third is refused with 503 while they are still held, so at once: a server
   * that queued it would answer only after the gate opens, which is after the refusal.
   */
  @Test
  void requestsBeyondTheLimitGetA503AtOnce() throws Exception {
    CountDownLatch entered = new CountDownLatch(2);
    ExporterServer server = start(List.of(gated("gated_a", entered), gated("gated_b", entered)), "max-requests", "2",
        "microc.collectors.gated_a.timeout", "60s", "microc.collectors.gated_b.timeout", "60s");
    List<CompletableFuture<String>> held = new ArrayList<>();
    for (String collector : List.of("gated_a", "gated_b")) {
      held.add(CompletableFuture.supplyAsync(() -> {
        try {
          return exchange(server, "GET /metrics?collect[]=" + collector + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }));
    }
    assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("both requests held").isTrue();
    String refused = exchange(server, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(held).as("still held when the third was answered").noneMatch(CompletableFuture::isDone);
    assertThat(refused).startsWith("HTTP/1.1 503").endsWith("limit of concurrent requests reached (2), try again later\n");
    assertThat(exchange(server, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");

    gate.countDown();
    for (int i = 0; i < held.size(); i++) {
      assertThat(held.get(i).get()).startsWith("HTTP/1.1 200").contains(List.of("test_gated_a", "test_gated_b").get(i) + " 1.0");
    }
  }

  /** A collector that says it was entered, then waits for the gate. */
  private CollectorPlugin gated(String name, CountDownLatch entered) {
    return TestPlugins.of(name, () -> {
      entered.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return MetricSnapshots.of(io.github.microc.exporter.core.spi.MetricFamily.gauge("test_" + name, "Opened.", 1));
    });
  }

  @Test
  void oversizedRequestLineAndHeadersGet414And431AndBadInputNamesNoJavaClass() throws Exception {
    ExporterServer server = start(List.of(TestPlugins.constant("one")));
    String longLine = exchange(server, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    String bigHeaders = exchange(server, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n");
    String badUrl = exchange(server, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String badQuery = exchange(server, "GET /metrics?collect[]=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String tls = exchange(server, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003");

    assertThat(longLine).startsWith("HTTP/1.1 414");
    assertThat(bigHeaders).startsWith("HTTP/1.1 431");
    assertThat(badUrl).startsWith("HTTP/1.1 400");
    assertThat(badQuery).startsWith("HTTP/1.1 400").endsWith("malformed URL parameter \"%zz\"\n");
    assertThat(tls).startsWith("HTTP/1.1 400");
    for (String answer : List.of(longLine, bigHeaders, badUrl, badQuery, tls)) {
      assertThat(answer).doesNotContainPattern("Exception|java\\.|org\\.eclipse|Jetty");
    }
  }

  /**
   * A client that reads nothing of a 4 MB answer: the server gives up at its 2 s write deadline
   * (the client's side of the connection is then closed by the peer, as /proc/net/tcp shows),
   * and what the client can read afterwards is what was under way, not the answer.
   */
  @Test
  void aClientThatDoesNotReadIsDisconnectedAtTheWriteDeadline() throws Exception {
    // About 4 MB of text: more than the socket buffers hold.
    GaugeSnapshot.Builder wide = GaugeSnapshot.builder().name("test_wide").help("Wide.");
    for (int i = 0; i < 40_000; i++) {
      wide.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
          .labels(Labels.of("id", "/docker/" + "0123456789abcdef".repeat(4), "series", Integer.toString(i)))
          .value(i).build());
    }
    MetricSnapshots snapshots = MetricSnapshots.of(wide.build());
    ExporterServer server = start(List.of(TestPlugins.of("wide", () -> snapshots)), "write-timeout", "2s");
    try (Socket reader = connect(server)) {
      reader.setReceiveBufferSize(4096);
      reader.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      // Longer than the deadline, and then until the server has let go of the connection.
      Thread.sleep(2500);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!closedByPeer(reader.getLocalPort(), server.port()) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      InputStream in = reader.getInputStream();
      long total = 0;
      byte[] buffer = new byte[65536];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          total += n;
        }
      } catch (IOException e) {
        // reset by the server: as good as a close
      }
      assertThat(total).isLessThan(4_000_000);
    }
    // The thread that wrote is free again: a scrape is answered.
    assertThat(exchange(server, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
  }

  /**
   * Whether the loopback connection from {@code localPort} to {@code remotePort} was closed by
   * its peer: in /proc/net/tcp its state is CLOSE_WAIT (08) or CLOSE (07), or it is gone.
   */
  private static boolean closedByPeer(int localPort, int remotePort) throws IOException {
    String local = String.format(":%04X", localPort);
    String remote = String.format(":%04X", remotePort);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      java.nio.file.Path file = java.nio.file.Path.of(table);
      if (!java.nio.file.Files.exists(file)) {
        continue;
      }
      for (String line : java.nio.file.Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 3 && f[1].endsWith(local) && f[2].endsWith(remote)) {
          return f[3].equals("08") || f[3].equals("07");
        }
      }
    }
    return true;
  }

  /**
   * The request in flight waits in a collector until the test lets it go: the stop refuses new
   * connections while it is still in flight, then the request gets its whole answer.
   */
  @Test
  void stopRefusesNewConnectionsAtOnceAndLetsTheRequestInFlightFinish() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    ExporterServer server = start(List.of(gated("slow", entered)), "microc.collectors.slow.timeout", "60s");
    CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
      try {
        return exchange(server, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the request in flight").isTrue();
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(30)));
    boolean refused = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!refused && System.nanoTime() < deadline) {
      try (Socket late = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        Thread.sleep(10);
      } catch (SocketException e) {
        // Refused, or reset when it was in the listen queue as the port closed.
        refused = true;
      }
    }
    assertThat(refused).as("a new connection refused").isTrue();
    assertThat(inFlight).as("while the request was still in flight").isNotDone();

    gate.countDown();
    String answer = inFlight.get();
    stopping.get();
    assertThat(answer).startsWith("HTTP/1.1 200").contains("Connection: close").contains("test_slow 1.0");
  }

  @Test
  void aClientOfferingAesFirstGetsChaCha20OverTls13AndTls12() throws Exception {
    Path openssl = Engines.requireExecutable("openssl", "apt-get install openssl", "/usr/bin/openssl");
    Path dir = Files.createTempDirectory("microc-tls");
    try {
      run(dir, openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
          "-out", "server.crt", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
      Files.writeString(dir.resolve("web.yml"), "tls_server_config:\n  cert_file: server.crt\n"
          + "  key_file: server.key\n");
      ExporterServer server = start(List.of(TestPlugins.constant("one")),
          "config-file", dir.resolve("web.yml").toString());
      SSLContext trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new X509TrustManager() {
        @Override public void checkClientTrusted(X509Certificate[] chain, String type) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String type) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      }}, null);
      Map<String, String[]> offers = Map.of(
          "TLSv1.3", new String[] {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"},
          "TLSv1.2", new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"});
      for (Map.Entry<String, String[]> offer : offers.entrySet()) {
        try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory()
            .createSocket(InetAddress.getLoopbackAddress(), server.port())) {
          socket.setSoTimeout(10_000);
          socket.setEnabledProtocols(new String[] {offer.getKey()});
          socket.setEnabledCipherSuites(offer.getValue());
          socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
              + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

          assertThat(answer).startsWith("HTTP/1.1 200");
          assertThat(socket.getSession().getCipherSuite()).as(offer.getKey()).contains("_CHACHA20_POLY1305_");
        }
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  void chaCha20ComesFirstAndNothingIsLost() {
    assertThat(JettyServer.chaCha20First(new String[] {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}))
        .containsExactly("TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
