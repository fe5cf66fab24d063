package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values from cgroup files against Docker's own figures: {@code docker stats --no-stream}
 * and {@code docker inspect} are the oracle. Real containers on the local dockerd; none uses
 * the default bridge, so the tests do not depend on {@code docker0}.
 */
class ContainerValuesIT {

  private static final String P = "microc-it-values-";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static DockerCli docker;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    docker = DockerCli.requireLocal();
    docker.removeLabelled("values");
    docker.exit("network", "rm", P + "net");
    docker.run("network", "create", P + "net");
    run("cpu", "--network", "none", "--cpus", "0.5", "--label", "com.docker.compose.project=shop", IMAGE, "sh", "-c", "while :; do :; done");
    run("mem", "--network", "none", "--memory", "64m", IMAGE, "sh", "-c",
        "head -c 20000000 /dev/zero > /dev/shm/fill; sleep 3600");
    run("pids", "--network", "none", IMAGE, "sh", "-c", "sleep 1000 & sleep 1000 & sleep 1000 & wait");
    run("server", "--network", P + "net", IMAGE, "sh", "-c",
        "mkdir -p /srv && head -c 2000000 /dev/zero > /srv/big && httpd -f -p 8080 -h /srv");
    run("client", "--network", P + "net", IMAGE, "sh", "-c",
        "sleep 1; for i in 1 2 3; do wget -q -O /dev/null http://" + P + "server:8080/big; done;"
            + " touch /tmp/done; sleep 3600");
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.name-include", P + ".*",
        "microc.collectors.containers.relist-interval", "5s"));
    await("the containers' metrics", Duration.ofSeconds(30), () -> {
      Exposition e = exporter.metrics();
      return e.value("container_cpu_usage_seconds_total", P + "cpu").isPresent()
          && e.value("container_memory_working_set_bytes", P + "mem").isPresent()
          && e.value("microc_container_pids", P + "pids").orElse(0.0) == 4;
    });
  }

  @AfterAll
  static void stop() {
    if (exporter != null) {
      exporter.close();
    }
    if (docker != null) {
      docker.removeLabelled("values");
      docker.exit("network", "rm", P + "net");
    }
  }

  private static void run(String name, String... args) {
    docker.runDetached(P + name, "values", args);
  }

  /**
   * The limit caps the rate at 0.5; on a 2-core CI machine shared with parallel builds the loop
   * may get somewhat less, hence the lower bound. The counter itself is checked against the
   * stats API's {@code total_usage}, read between two scrapes.
   */
  @Test
  void cpuLimitedToHalfACoreUsesHalfACoreAndIsThrottled() throws Exception {
    String name = P + "cpu";
    Exposition a = exporter.metrics();
    long t0 = System.nanoTime();
    double apiUsage = apiStats(name).path("cpu_stats").path("cpu_usage").path("total_usage").asLong() / 1e9;
    Thread.sleep(Math.max(0, 4000 - (System.nanoTime() - t0) / 1_000_000));
    Exposition b = exporter.metrics();
    double seconds = (System.nanoTime() - t0) / 1e9;
    double before = a.value("container_cpu_usage_seconds_total", name).orElseThrow();
    double after = b.value("container_cpu_usage_seconds_total", name).orElseThrow();
    assertThat(apiUsage).as("the stats API's total_usage, read between the scrapes").isBetween(before, after);
    double rate = (after - before) / seconds;
    assertThat(rate).as("CPU usage rate of a --cpus 0.5 busy loop").isBetween(0.3, 0.55);
    double user = b.value("container_cpu_user_seconds_total", name).orElseThrow();
    double system = b.value("container_cpu_system_seconds_total", name).orElseThrow();
    double total = b.value("container_cpu_usage_seconds_total", name).orElseThrow();
    assertThat(user + system).as("user + system (ticks) against usage (ns)")
        .isCloseTo(total, within(total * 0.1 + 0.05));
    assertThat(b.value("container_cpu_cfs_throttled_periods_total", name).orElseThrow())
        .isGreaterThan(a.value("container_cpu_cfs_throttled_periods_total", name).orElseThrow());
    assertThat(b.value("container_cpu_cfs_throttled_seconds_total", name).orElseThrow())
        .isGreaterThan(a.value("container_cpu_cfs_throttled_seconds_total", name).orElseThrow());
    assertThat(b.value("container_cpu_cfs_periods_total", name).orElseThrow())
        .isGreaterThan(a.value("container_cpu_cfs_periods_total", name).orElseThrow());
    assertThat(b.value("container_spec_cpu_quota", name)).contains(50_000.0);
    assertThat(b.value("container_spec_cpu_period", name)).contains(100_000.0);
  }

  @Test
  void memoryLimitAndWorkingSetMatchDockerStats() throws Exception {
    String name = P + "mem";
    JsonNode s = stats(name);
    Exposition e = exporter.metrics();
    String[] usage = s.path("MemUsage").asText().split(" / ");
    double dockerWorkingSet = bytes(usage[0]);
    assertThat(e.value("container_spec_memory_limit_bytes", name)).contains((double) (64 << 20));
    assertThat(Long.parseLong(docker.run("inspect", "-f", "{{.HostConfig.Memory}}", name)))
        .isEqualTo(64L << 20);
    assertThat(bytes(usage[1])).isEqualTo(64L << 20);
    double workingSet = e.value("container_memory_working_set_bytes", name).orElseThrow();
    assertThat(workingSet).as("working set vs docker stats " + usage[0])
        .isCloseTo(dockerWorkingSet, within(dockerWorkingSet * 0.05));
    assertThat(workingSet).isGreaterThan(19e6); // the 20 MB in /dev/shm
    assertThat(e.value("container_memory_usage_bytes", name).orElseThrow()).isGreaterThanOrEqualTo(workingSet);
  }

  @Test
  void networkCountersOfTwoContainersMatchDockerStats() throws Exception {
    await("the client's downloads", Duration.ofSeconds(30),
        () -> docker.exit("exec", P + "client", "test", "-f", "/tmp/done") == 0);
    for (String role : new String[] {"client", "server"}) {
      String name = P + role;
      String[] io = stats(name).path("NetIO").asText().split(" / ");
      Exposition e = exporter.metrics();
      double rx = e.value("container_network_receive_bytes_total", name, "interface", "eth0").orElseThrow();
      double tx = e.value("container_network_transmit_bytes_total", name, "interface", "eth0").orElseThrow();
      assertThat(rx).as(role + " received vs docker stats " + io[0]).isCloseTo(bytes(io[0]), within(bytes(io[0]) * 0.05));
      assertThat(tx).as(role + " sent vs docker stats " + io[1]).isCloseTo(bytes(io[1]), within(bytes(io[1]) * 0.05));
      assertThat(e.value("container_network_receive_packets_total", name, "interface", "eth0").orElseThrow())
          .isPositive();
    }
    assertThat(exporter.metrics().value("container_network_receive_bytes_total", P + "client", "interface", "eth0")
        .orElseThrow()).isGreaterThan(6e6); // three 2 MB downloads
  }

  @Test
  void pidsMatchDockerStats() throws Exception {
    String name = P + "pids";
    double dockerPids = Double.parseDouble(stats(name).path("PIDs").asText());
    assertThat(exporter.metrics().value("microc_container_pids", name)).contains(dockerPids);
    assertThat(dockerPids).isEqualTo(4);
  }

  @Test
  void labelsAreCadvisors() throws Exception {
    Exposition e = exporter.metrics();
    String id = docker.run("inspect", "-f", "{{.Id}}", P + "cpu");
    Exposition.Sample s = e.find("container_cpu_usage_seconds_total", P + "cpu", x -> true).orElseThrow();
    assertThat(s.labels()).containsEntry("id", "/docker/" + id).containsEntry("image", IMAGE)
        .containsEntry("cpu", "total").containsEntry("container_label_com_docker_compose_project", "shop")
        .doesNotContainKey("container_label_io_kubernetes_pod_name"); // allow-listed, but not set
    Exposition.Sample info = e.find("microc_container_info", P + "cpu", x -> true).orElseThrow();
    assertThat(info.label("image_id")).isEqualTo(docker.run("inspect", "-f", "{{.Image}}", P + "cpu"));
    double started = e.value("container_start_time_seconds", P + "cpu").orElseThrow();
    double inspected = java.time.Instant.parse(docker.run("inspect", "-f", "{{.State.StartedAt}}", P + "cpu"))
        .toEpochMilli() / 1000.0;
    assertThat(started).isCloseTo(inspected, within(0.002));
  }

  /** One-shot answer of the stats API, the figures {@code docker stats} computes from. */
  private static JsonNode apiStats(String name) throws Exception {
    // HTTP/1.0 on the socket, by hand: the answer ends with the connection, unchunked.
    try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      socket.connect(UnixDomainSocketAddress.of(URI.create(docker.host()).getPath()));
      socket.write(ByteBuffer.wrap(("GET /containers/" + name + "/stats?stream=false&one-shot=true"
          + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
      String answer = new String(Channels.newInputStream(socket).readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.0 200");
      return JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }
  }

  private static JsonNode stats(String name) throws Exception {
    return JSON.readTree(docker.run("stats", "--no-stream", "--format", "{{json .}}", name));
  }

  private static final Pattern SIZE = Pattern.compile("([0-9.]+)\\s*([a-zA-Z]*)");
  private static final Map<String, Double> UNITS = new HashMap<>(Map.of(
      "B", 1.0, "kB", 1e3, "KB", 1e3, "MB", 1e6, "GB", 1e9,
      "KiB", 1024.0, "MiB", 1024.0 * 1024, "GiB", 1024.0 * 1024 * 1024));

  /** docker's human sizes: binary units for memory, decimal ones for network and I/O. */
  static double bytes(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text);
    }
    Double unit = UNITS.get(m.group(2).isEmpty() ? "B" : m.group(2));
    if (unit == null) {
      throw new IllegalArgumentException("unknown unit in " + text);
    }
    return Double.parseDouble(m.group(1)) * unit;
  }
}
