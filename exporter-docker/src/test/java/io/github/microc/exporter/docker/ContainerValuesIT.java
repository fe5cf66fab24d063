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
import java.nio.file.Files;
import java.nio.file.Path;
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
  /** The cpu container's weight: the most cgroup v1 allows, so that other containers do not starve it. */
  private static final int CPU_SHARES = 262_144;
  private static DockerCli docker;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    docker = DockerCli.requireLocal();
    docker.removeLabelled("values");
    docker.exit("network", "rm", P + "net");
    docker.run("network", "create", P + "net");
    run("cpu", "--network", "none", "--cpus", "0.5", "--cpu-shares", String.valueOf(CPU_SHARES), "--label", "com.docker.compose.project=shop", IMAGE, "sh", "-c", "while :; do :; done");
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
   * A busy loop under {@code --cpus 0.5}. How much of its half core it gets depends on what
   * else the machine runs (on a saturated 2-core host it may get a fraction and never reach its
   * quota), so the test holds Microc's figures against the kernel's own over the same window
   * instead of against a rate: every counter scraped lies between the cgroup's file read just
   * before and just after the scrape; the usage never exceeds the quota, per period and over
   * the window; every throttled period used its quota; and the loop reached its quota at least
   * once (waited for). Its high {@code cpu-shares} keeps other containers on a shared engine
   * from holding it below its quota. The usage counter is also checked against the stats
   * API's {@code total_usage}, read between two scrapes. The rate it got is printed.
   */
  @Test
  void cpuLimitedToHalfACoreUsesHalfACoreAndIsThrottled() throws Exception {
    String name = P + "cpu";
    String id = docker.run("inspect", "-f", "{{.Id}}", name);
    Path cpu = Path.of("/sys/fs/cgroup/cpu/docker", id);
    Path cpuacct = Path.of("/sys/fs/cgroup/cpuacct/docker", id);
    Window a = Window.scrape(cpu, cpuacct);
    double apiUsage = apiStats(name).path("cpu_stats").path("cpu_usage").path("total_usage").asLong() / 1e9;
    Window[] b = new Window[1];
    long t0 = System.nanoTime();
    // At least 4 s, and until the loop was throttled in a period after the first scrape.
    await("a throttled period after the first scrape", Duration.ofSeconds(90), () -> {
      Thread.sleep(Math.max(0, 4000 - (System.nanoTime() - t0) / 1_000_000));
      b[0] = Window.scrape(cpu, cpuacct);
      return b[0].microc("container_cpu_cfs_throttled_periods_total")
          > a.microc("container_cpu_cfs_throttled_periods_total");
    });
    Window w = b[0];
    for (Window x : new Window[] {a, w}) {
      x.assertBetweenKernelReads("container_cpu_usage_seconds_total", "usage", 1e-9);
      x.assertBetweenKernelReads("container_cpu_cfs_periods_total", "nr_periods", 1);
      x.assertBetweenKernelReads("container_cpu_cfs_throttled_periods_total", "nr_throttled", 1);
      x.assertBetweenKernelReads("container_cpu_cfs_throttled_seconds_total", "throttled_time", 1e-9);
    }
    double before = a.microc("container_cpu_usage_seconds_total");
    double after = w.microc("container_cpu_usage_seconds_total");
    assertThat(apiUsage).as("the stats API's total_usage, read between the scrapes").isBetween(before, after);
    double used = after - before;
    double seconds = (w.after - a.before) / 1e9;
    double periods = w.microc("container_cpu_cfs_periods_total") - a.microc("container_cpu_cfs_periods_total");
    double throttled = w.microc("container_cpu_cfs_throttled_periods_total")
        - a.microc("container_cpu_cfs_throttled_periods_total");
    System.out.printf("ContainerValuesIT: --cpus 0.5 loop used %.2f CPU over %.1f s; %d of %d periods"
        + " throttled%n", used / seconds, seconds, (long) throttled, (long) periods);
    // 50 ms a 100 ms period; a period straddling either end of the window counts once more.
    assertThat(used).as("usage against the quota over the window").isLessThanOrEqualTo(0.5 * seconds + 0.1);
    assertThat(used).as("usage against the quota per period").isLessThanOrEqualTo(0.05 * (periods + 2));
    // Each CPU may keep a few ms of the quota it was handed when the group is throttled.
    assertThat(used).as("each throttled period used (most of) its 50 ms").isGreaterThanOrEqualTo(0.04 * throttled);
    assertThat(w.microc("container_cpu_cfs_throttled_seconds_total"))
        .isGreaterThan(a.microc("container_cpu_cfs_throttled_seconds_total"));
    Exposition e = w.exposition;
    double user = e.value("container_cpu_user_seconds_total", name).orElseThrow();
    double system = e.value("container_cpu_system_seconds_total", name).orElseThrow();
    assertThat(user + system).as("user + system (ticks) against usage (ns)")
        .isCloseTo(after, within(after * 0.1 + 0.05));
    assertThat(e.value("container_spec_cpu_quota", name)).contains(50_000.0);
    assertThat(e.value("container_spec_cpu_period", name)).contains(100_000.0);
    assertThat(e.value("container_spec_cpu_shares", name)).contains((double) CPU_SHARES);
  }

  /** One scrape of the cpu container, with its cgroup's counters read just before and after it. */
  private static final class Window {
    final long before;
    final long after;
    final Map<String, Long> kernelBefore;
    final Map<String, Long> kernelAfter;
    final Exposition exposition;

    private Window(long before, Map<String, Long> kernelBefore, Exposition exposition, long after,
        Map<String, Long> kernelAfter) {
      this.before = before;
      this.kernelBefore = kernelBefore;
      this.exposition = exposition;
      this.after = after;
      this.kernelAfter = kernelAfter;
    }

    static Window scrape(Path cpu, Path cpuacct) throws Exception {
      long t0 = System.nanoTime();
      Map<String, Long> k0 = kernel(cpu, cpuacct);
      Exposition e = exporter.metrics();
      Map<String, Long> k1 = kernel(cpu, cpuacct);
      return new Window(t0, k0, e, System.nanoTime(), k1);
    }

    /** cpuacct.usage and cpu.stat, as the kernel counts them (ns and periods). */
    private static Map<String, Long> kernel(Path cpu, Path cpuacct) throws java.io.IOException {
      Map<String, Long> k = new HashMap<>();
      k.put("usage", Long.parseLong(Files.readString(cpuacct.resolve("cpuacct.usage")).trim()));
      for (String line : Files.readAllLines(cpu.resolve("cpu.stat"))) {
        String[] f = line.trim().split("\\s+");
        k.put(f[0], Long.parseLong(f[1]));
      }
      return k;
    }

    double microc(String family) {
      return exposition.value(family, P + "cpu").orElseThrow();
    }

    /** Microc's value, in the kernel's unit, lies between the kernel's reads around the scrape. */
    void assertBetweenKernelReads(String family, String key, double unit) {
      // The exposition's doubles carry the nanoseconds to within a few.
      double slack = unit < 1 ? 1e-6 : 0;
      assertThat(microc(family)).as(family + " against the cgroup's " + key + " read around the scrape")
          .isBetween(kernelBefore.get(key) * unit - slack, kernelAfter.get(key) * unit + slack);
    }
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
