package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One web-config file, two exporters: the real node_exporter 1.5 and Microc's jar are started
 * with the same file, for each of several files, and asked the same requests with curl; each
 * outcome (a failed handshake or the HTTP status) must be the same from both, and the one
 * written here. Certificates are made by openssl and the password hash by htpasswd, in the
 * test. Then a real Prometheus scrapes Microc over HTTPS with basic auth and with a client
 * certificate while the certificate files are replaced.
 */
class WebConfigIT {

  static Path work;
  static Path openssl;
  static Path curl;
  static Path nodeExporter;
  static String hash;

  @BeforeAll
  static void certificates() throws Exception {
    openssl = Engines.requireExecutable("openssl", "apt-get install openssl", "/usr/bin/openssl");
    curl = Engines.requireExecutable("curl", "apt-get install curl", "/usr/bin/curl");
    Path htpasswd = Engines.requireExecutable("htpasswd", "apt-get install apache2-utils", "/usr/bin/htpasswd");
    nodeExporter = Engines.requireExecutable("prometheus-node-exporter",
        "apt-get install prometheus-node-exporter", "/usr/bin/prometheus-node-exporter");
    work = Files.createTempDirectory("microc-webconfig-");
    long start = System.nanoTime();
    ca("ca");
    ca("rogue-ca");
    // The server's keys in every form the file may hold: PKCS#8 RSA, PKCS#1 RSA, SEC1 EC, Ed25519.
    run(openssl.toString(), "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
    run(openssl.toString(), "rsa", "-in", "rsa.key", "-traditional", "-out", "rsa1.key");
    run(openssl.toString(), "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
    run(openssl.toString(), "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
    for (String key : List.of("rsa", "rsa1", "ec", "ed")) {
      sign(key + ".key", key + ".crt", "ca", "/CN=127.0.0.1", "IP:127.0.0.1,DNS:localhost");
    }
    assertThat(Files.readString(work.resolve("rsa1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    assertThat(Files.readString(work.resolve("ec.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
    for (String client : List.of("client", "intruder", "rogue")) {
      run(openssl.toString(), "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", client + ".key");
    }
    sign("client.key", "client.crt", "ca", "/CN=prometheus", "DNS:prometheus.example");
    sign("intruder.key", "intruder.crt", "ca", "/CN=intruder", "DNS:intruder.example");
    sign("rogue.key", "rogue.crt", "rogue-ca", "/CN=prometheus", "DNS:prometheus.example");
    String line = run(htpasswd.toString(), "-nbBC", "10", "prometheus", "secret").trim();
    hash = line.substring(line.indexOf(':') + 1);
    assertThat(hash).startsWith("$2y$10$");
    System.out.printf("certificates and hash: %.1f s%n", (System.nanoTime() - start) / 1e9);
  }

  @AfterAll
  static void clean() throws IOException {
    // Kept under /tmp for a failed run's inspection; a few kilobytes.
  }

  private static void ca(String name) throws Exception {
    run(openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
        "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name);
  }

  private static void sign(String key, String cert, String ca, String subject, String sans) throws Exception {
    Path ext = Files.writeString(work.resolve(cert + ".ext"), "subjectAltName=" + sans + "\n");
    run(openssl.toString(), "req", "-new", "-key", key, "-subj", subject, "-out", cert + ".csr");
    run(openssl.toString(), "x509", "-req", "-in", cert + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
        "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert);
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  /** The requests of the matrix, as curl options; {@code SCHEME} is replaced by the URL's scheme. */
  static final Map<String, List<String>> REQUESTS = new LinkedHashMap<>();

  static {
    REQUESTS.put("no client certificate", List.of());
    REQUESTS.put("client certificate", List.of("--cert", "client.crt", "--key", "client.key"));
    REQUESTS.put("client certificate, SAN not allowed", List.of("--cert", "intruder.crt", "--key", "intruder.key"));
    REQUESTS.put("client certificate of another CA", List.of("--cert", "rogue.crt", "--key", "rogue.key"));
    List<String> good = List.of("--cert", "client.crt", "--key", "client.key");
    REQUESTS.put("right password", concat(good, "-u", "prometheus:secret"));
    REQUESTS.put("wrong password", concat(good, "-u", "prometheus:wrong"));
    REQUESTS.put("unknown user", concat(good, "-u", "nobody:secret"));
    REQUESTS.put("TLS 1.1", concat(good, "-u", "prometheus:secret", "--tlsv1.1", "--tls-max", "1.1"));
    REQUESTS.put("TLS 1.2", concat(good, "-u", "prometheus:secret", "--tlsv1.2", "--tls-max", "1.2"));
    REQUESTS.put("TLS 1.3", concat(good, "-u", "prometheus:secret", "--tlsv1.3", "--tls-max", "1.3"));
  }

  private static List<String> concat(List<String> a, String... b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(b));
    return all;
  }

  /**
   * A file and the outcome of each request, in the order of {@link #REQUESTS}.
   *
   * @param nodeRefuses null when node_exporter 1.5 takes the file; else what it says when it
   *     refuses it (a key that exporter-toolkit learnt after the version node_exporter 1.5
   *     has), and only Microc is asked
   */
  record Case(String name, String yaml, boolean tls, List<String> expected, String nodeRefuses) {
    Case(String name, String yaml, boolean tls, List<String> expected) {
      this(name, yaml, tls, expected, null);
    }
  }

  static List<Case> cases() {
    String ok = "200";
    String no = "handshake failed";
    String unauthorized = "401";
    return List.of(
        new Case("TLS only", """
            tls_server_config:
              cert_file: rsa.crt
              key_file: rsa.key
            """, true, List.of(ok, ok, ok, ok, ok, ok, ok, no, ok, ok)),
        new Case("TLS and basic auth", """
            tls_server_config:
              cert_file: rsa1.crt
              key_file: rsa1.key
            basic_auth_users:
              prometheus: %s
            """.formatted(hash), true,
            List.of(unauthorized, unauthorized, unauthorized, unauthorized, ok, unauthorized,
                unauthorized, no, ok, ok)),
        new Case("mTLS, RequireAndVerifyClientCert", """
            tls_server_config:
              cert_file: rsa1.crt
              key_file: rsa1.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            """, true, List.of(no, ok, ok, no, ok, ok, ok, no, ok, ok)),
        new Case("mTLS with client_allowed_sans", """
            tls_server_config:
              cert_file: ec.crt
              key_file: ec.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              client_allowed_sans: [prometheus.example]
            """, true, List.of(no, ok, no, no, ok, ok, ok, no, ok, ok),
            "field client_allowed_sans not found in type web.TLSConfig"),
        new Case("TLS 1.3 only, Ed25519", """
            tls_server_config:
              cert_file: ed.crt
              key_file: ed.key
              min_version: TLS13
            """, true, List.of(ok, ok, ok, ok, ok, ok, ok, no, no, ok)),
        new Case("basic auth without TLS", """
            basic_auth_users:
              prometheus: %s
            http_server_config:
              headers:
                X-Frame-Options: deny
            """.formatted(hash), false,
            List.of(unauthorized, unauthorized, unauthorized, unauthorized, ok, unauthorized,
                unauthorized, ok, ok, ok)));
  }

  @Test
  void bothExportersGiveTheSameOutcomeForTheSameFile() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<CompletableFuture<String>> runs = new ArrayList<>();
    for (Case c : cases()) {
      runs.add(CompletableFuture.supplyAsync(() -> {
        try {
          return matrix(c);
        } catch (Exception e) {
          throw new RuntimeException(c.name() + ": " + e, e);
        }
      }, pool));
    }
    // Every run finishes (and stops its two exporters) before the test ends, failed or not.
    List<String> failures = new ArrayList<>();
    for (CompletableFuture<String> run : runs) {
      String problems = run.handle((text, error) -> error != null ? error.toString() : text)
          .get(5, TimeUnit.MINUTES);
      if (!problems.isEmpty()) {
        failures.add(problems);
      }
    }
    pool.shutdown();
    assertThat(failures).isEmpty();
  }

  /** Starts both exporters on the file, asks every request; returns what did not match. */
  private String matrix(Case c) throws Exception {
    long start = System.nanoTime();
    String slug = c.name().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(java.util.Locale.ROOT);
    Path file = Files.writeString(work.resolve(slug + ".yml"), c.yaml());
    Path nodeLog = work.resolve(slug + ".node.log");
    Process node = new ProcessBuilder(nodeExporter.toString(), "--web.config.file=" + file,
        "--web.listen-address=127.0.0.1:0", "--collector.disable-defaults", "--collector.loadavg")
        .redirectErrorStream(true).redirectOutput(nodeLog.toFile()).start();
    try (ExporterProcess microc = ExporterProcess.start(work, "--web.config.file=" + file,
        ExporterProcess.ANY_PORT, "--collector.disable-defaults", "--collector.loadavg")) {
      int nodePort = -1;
      if (c.nodeRefuses() != null) {
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(nodeLog)).contains(c.nodeRefuses());
      } else {
        nodePort = Ports.fromLog(nodeLog, Ports.EXPORTER_TOOLKIT, node, Duration.ofSeconds(60));
      }
      int microcPort = microc.port();
      StringBuilder problems = new StringBuilder();
      StringBuilder table = new StringBuilder();
      int i = 0;
      for (Map.Entry<String, List<String>> request : REQUESTS.entrySet()) {
        String expected = c.expected().get(i++);
        String fromNode = c.nodeRefuses() == null ? outcome(c.tls(), nodePort, request.getValue())
            : expected + " (refuses the file)";
        String fromMicroc = outcome(c.tls(), microcPort, request.getValue());
        table.append(String.format("  %-38s node_exporter %-17s microc %s%n", request.getKey(), fromNode, fromMicroc));
        if (!fromNode.startsWith(expected) || !fromMicroc.equals(expected)) {
          problems.append(c.name()).append(": ").append(request.getKey()).append(": expected ")
              .append(expected).append(", node_exporter ").append(fromNode).append(", microc ")
              .append(fromMicroc).append('\n');
        }
      }
      System.out.printf("web config \"%s\" (%.1f s):%n%s", c.name(), (System.nanoTime() - start) / 1e9, table);
      if (problems.length() > 0) {
        problems.append("microc's stderr: ").append(microc.err()).append('\n');
      }
      return problems.toString();
    } finally {
      node.destroy();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void prometheusScrapesOverHttpsWithBasicAuthAndWithClientCertificatesWhileTheCertificateRotates()
      throws Exception {
    long start = System.nanoTime();
    Path prometheus = Engines.requireExecutable("prometheus", "apt-get install prometheus", "/usr/bin/prometheus");
    Files.copy(work.resolve("rsa.crt"), work.resolve("live.crt"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(work.resolve("rsa.key"), work.resolve("live.key"), StandardCopyOption.REPLACE_EXISTING);
    Path basic = Files.writeString(work.resolve("prometheus-basic.yml"), """
        tls_server_config:
          cert_file: live.crt
          key_file: live.key
        basic_auth_users:
          prometheus: %s
        """.formatted(hash));
    Path mtls = Files.writeString(work.resolve("prometheus-mtls.yml"), """
        tls_server_config:
          cert_file: ec.crt
          key_file: ec.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.crt
        """);
    try (ExporterProcess a = ExporterProcess.start(work, "--web.config.file=" + basic,
            ExporterProcess.ANY_PORT, "--collector.disable-defaults", "--collector.loadavg");
        ExporterProcess b = ExporterProcess.start(work, "--web.config.file=" + mtls,
            ExporterProcess.ANY_PORT, "--collector.disable-defaults", "--collector.loadavg")) {
      int basicPort = a.port();
      int mtlsPort = b.port();
      // A TLS handshake and a bcrypt check per scrape take well under a second, but not always
      // on a loaded machine: the timeout leaves room for that, so that a failed scrape means a
      // failed rotation.
      Path config = Files.writeString(work.resolve("prometheus.yml"), """
          global:
            scrape_interval: 2s
            scrape_timeout: 2s
          scrape_configs:
            - job_name: basic
              scheme: https
              tls_config:
                ca_file: %1$s/ca.crt
              basic_auth:
                username: prometheus
                password: secret
              static_configs:
                - targets: ['127.0.0.1:%2$d']
            - job_name: mtls
              scheme: https
              tls_config:
                ca_file: %1$s/ca.crt
                cert_file: %1$s/client.crt
                key_file: %1$s/client.key
              static_configs:
                - targets: ['127.0.0.1:%3$d']
          """.formatted(work, basicPort, mtlsPort));
      Process server = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
          "--storage.tsdb.path=" + work.resolve("tsdb"), "--web.listen-address=127.0.0.1:0")
          .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
      try {
        int prometheusPort = Ports.fromLog(work.resolve("prometheus.log"), Ports.EXPORTER_TOOLKIT, server,
            Duration.ofSeconds(60));
        poll(prometheusPort, "up{job=\"basic\"} == 1", body -> body.contains("\"1\"]"));
        poll(prometheusPort, "up{job=\"mtls\"} == 1", body -> body.contains("\"1\"]"));
        String before = serial(basicPort);

        // A rotation that goes wrong: a truncated certificate. The last good one stays.
        Files.writeString(work.resolve("live.crt.tmp"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
        Files.move(work.resolve("live.crt.tmp"), work.resolve("live.crt"), StandardCopyOption.ATOMIC_MOVE);
        String failed = poll(prometheusPort, "microc_web_certificate_last_reload_successful{job=\"basic\"}",
            body -> body.contains("\"0\"]"));
        assertThat(failed).contains("\"0\"]");
        assertThat(serial(basicPort)).isEqualTo(before);

        // The rotation as cert-manager or certbot makes it: new files moved in place.
        run(openssl.toString(), "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "next.key");
        sign("next.key", "next.crt", "ca", "/CN=127.0.0.1", "IP:127.0.0.1,DNS:localhost");
        Files.copy(work.resolve("next.key"), work.resolve("live.key.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(work.resolve("next.crt"), work.resolve("live.crt.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(work.resolve("live.key.tmp"), work.resolve("live.key"), StandardCopyOption.ATOMIC_MOVE);
        Files.move(work.resolve("live.crt.tmp"), work.resolve("live.crt"), StandardCopyOption.ATOMIC_MOVE);
        // openssl prints whole bytes (a leading 0 where the first is below 0x10); compared as numbers.
        String expected = new BigInteger(run(openssl.toString(), "x509", "-in", "next.crt",
            "-noout", "-serial").trim().substring("serial=".length()), 16).toString(16);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String after = serial(basicPort);
        while (!after.equalsIgnoreCase(expected) && System.nanoTime() < deadline) {
          Thread.sleep(200);
          after = serial(basicPort);
        }
        assertThat(after).as("a new connection's certificate").isEqualToIgnoringCase(expected);
        poll(prometheusPort, "microc_web_certificate_last_reload_successful{job=\"basic\"}",
            body -> body.contains("\"1\"]"));
        // Scrapes of both jobs on new connections after the rotation.
        for (String job : List.of("basic", "mtls")) {
          String query = "count_over_time(up{job=\"" + job + "\"}[5m])";
          double now = value(poll(prometheusPort, query, body -> body.contains("\"value\"")));
          poll(prometheusPort, query, body -> body.contains("\"value\"") && value(body) >= now + 2);
        }

        // Not one scrape failed, before, during or after.
        for (String job : List.of("basic", "mtls")) {
          String min = poll(prometheusPort, "min_over_time(up{job=\"" + job + "\"}[5m])", body -> body.contains("\"value\""));
          assertThat(min).as(job).endsWith("\"1\"]}]}}");
        }
        assertThat(a.err()).contains("TLS: the changed files cannot be used, keeping the previous certificate")
            .contains("TLS: read " + work.resolve("live.crt") + " again after it changed");
      } finally {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
      }
    }
    System.out.printf("scenario Prometheus over HTTPS with rotation: %.1f s%n", (System.nanoTime() - start) / 1e9);
  }

  /** The value of the first sample of a query's answer. */
  private static double value(String answer) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"value\":\\[[^,]+,\"([^\"]+)\"\\]").matcher(answer);
    assertThat(m.find()).as(answer).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** The serial number of the certificate a new TLS connection is shown, in hex. */
  private static String serial(int port) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String type) { }
      @Override public void checkServerTrusted(X509Certificate[] chain, String type) { }
      @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    }
  }

  private static String poll(int port, String query, java.util.function.Predicate<String> done)
      throws IOException, InterruptedException {
    return ExporterProcess.queryPrometheus(port, query, done, work.resolve("prometheus.log"));
  }

  /**
   * curl's outcome: the HTTP status, or "handshake failed" when no HTTP answer came. An answer
   * without a 200 must hold no metric.
   */
  static String outcome(boolean tls, int port, List<String> options) throws Exception {
    List<String> command = new ArrayList<>(List.of(curl.toString(), "-s", "-m", "10",
        "-o", "-", "-w", "\n%{http_code}", "--cacert", "ca.crt"));
    command.addAll(options);
    command.add((tls ? "https" : "http") + "://127.0.0.1:" + port + "/metrics");
    Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(20, TimeUnit.SECONDS);
    String code = out.substring(out.lastIndexOf('\n') + 1).trim();
    if (p.exitValue() != 0 || code.equals("000")) {
      return "handshake failed";
    }
    if (!code.equals("200")) {
      assertThat(out).as("an unauthenticated answer").doesNotContain("node_load1").doesNotContain("# HELP");
    }
    return code;
  }
}
