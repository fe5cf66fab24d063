package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cAdvisor's families beyond the basics, every set switched on, against the oracles: the
 * cgroup and procfs files read here, {@code du}, {@code docker inspect} (with {@code --size}),
 * {@code nproc} and {@code /proc/meminfo}; then {@code promtool check metrics} on the whole
 * exposition and a real Prometheus answering cAdvisor-style queries. Real containers on the
 * local dockerd, shared by every test:
 *
 * <ul>
 *   <li>{@code layer} writes 50 MB and 1,000 empty files into its writable layer;
 *   <li>{@code limits} runs under a memory limit, reservation, swap limit, pids limit and an
 *       open-files limit 20 tasks (its shell, {@code nc} listening, 18 {@code sleep}s) and
 *       holds 30 files open;
 *   <li>{@code io} does 500 direct 4 KiB writes when a test asks it to;
 *   <li>{@code cpu} spins under {@code --cpus 0.5}.
 * </ul>
 *
 * This host is cgroup v1 (per-CPU, limits, operations); cgroup v2 (pressure, memory.events,
 * memory.stat v2) is covered by the fixture trees of {@code CgroupReaderTest}.
 */
class CadvisorFamiliesIT {

  private static final String P = "microc-it-cadv-";
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static DockerCli docker;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    long t0 = System.nanoTime();
    docker = DockerCli.requireLocal();
    Engines.require(!Files.exists(CGROUP.resolve("cgroup.controllers")),
        "these values are read against cgroup v1 files; this host is cgroup v2");
    docker.removeLabelled("cadvisor");
    run("layer", "--network", "none", IMAGE, "sh", "-c",
        "head -c 50000000 /dev/zero > /big; mkdir /many; i=0; while [ $i -lt 1000 ]; do : > /many/f$i;"
            + " i=$((i+1)); done; touch /ready; exec sleep 3600");
    run("limits", "--network", "none", "--memory", "64m", "--memory-reservation", "32m",
        "--memory-swap", "128m", "--pids-limit", "100", "--ulimit", "nofile=1234:5678", IMAGE, "sh", "-c",
        "nc -l -p 9000 & i=0; while [ $i -lt 18 ]; do sleep 3600 & i=$((i+1)); done; "
            + openThirtyFiles() + "; touch /ready; wait");
    List<String> io = new ArrayList<>(docker.blkioCounted());
    io.addAll(List.of("--network", "none", IMAGE, "sleep", "3600"));
    run("io", io.toArray(String[]::new));
    // The most weight cgroup v1 gives: other containers on a shared engine cannot keep it
    // below its quota, so that it is throttled (a query below looks for that).
    run("cpu", "--network", "none", "--cpus", "0.5", "--cpu-shares", "262144", IMAGE, "sh", "-c",
        "while :; do :; done");
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.name-include", P + ".*",
        "microc.collectors.containers.relist-interval", "5s",
        "microc.collectors.containers.disk-usage-interval", "1s",
        "microc.collectors.containers.metrics",
        List.of("cpu", "percpu", "memory", "diskIO", "disk", "network", "oom_event", "process", "pressure")));
    await("the containers ready", Duration.ofSeconds(60),
        () -> docker.exit("exec", P + "layer", "test", "-f", "/ready") == 0
            && docker.exit("exec", P + "limits", "test", "-f", "/ready") == 0);
    await("the writable layer walked", Duration.ofSeconds(60),
        () -> exporter.metrics().value("container_fs_usage_bytes", P + "layer").orElse(0.0) > 50e6
            && exporter.metrics().value("container_processes", P + "limits").orElse(0.0) == 20);
    System.out.printf("CadvisorFamiliesIT: containers and exporter ready in %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
  }

  @AfterAll
  static void stop() {
    if (exporter != null) {
      exporter.close();
    }
    if (docker != null) {
      docker.removeLabelled("cadvisor");
    }
  }

  private static void run(String name, String... args) {
    docker.runDetached(P + name, "cadvisor", args);
  }

  /** {@code exec 3>/tmp/f3 ... 32>/tmp/f32}: the shell holds 30 files open. */
  private static String openThirtyFiles() {
    StringBuilder b = new StringBuilder("exec");
    for (int fd = 3; fd < 33; fd++) {
      b.append(' ').append(fd).append(">/tmp/f").append(fd);
    }
    return b.toString();
  }

  private static String id(String name) {
    return docker.run("inspect", "-f", "{{.Id}}", P + name);
  }

  private static String cgroup(String controller, String name, String file) throws IOException {
    return Files.readString(CGROUP.resolve(controller).resolve("docker").resolve(id(name)).resolve(file)).trim();
  }

  private static long stat(String text, String key) {
    return text.lines().filter(l -> l.startsWith(key + " ")).mapToLong(l -> Long.parseLong(l.substring(key.length() + 1)))
        .findFirst().orElseThrow();
  }

  private static long du(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("du", "-s", "-c"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String total = out.lines().reduce((a, b) -> b).orElseThrow();
    return Long.parseLong(total.split("\\s+")[0]);
  }

  @Test
  void writableLayerUsageMatchesDuAndDockerPsSize() throws Exception {
    String name = P + "layer";
    String upper = docker.run("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", name);
    String dir = "/var/lib/docker/containers/" + id("layer");
    Exposition e = exporter.metrics();
    Exposition.Sample usage = e.find("container_fs_usage_bytes", name, s -> true).orElseThrow();
    long duBytes = du("-B1", upper, dir);
    long duInodes = du("--inodes", upper, dir);
    long sizeRw = Long.parseLong(docker.run("inspect", "--size", "-f", "{{.SizeRw}}", name));
    assertThat(usage.value()).as("usage vs du " + duBytes).isCloseTo(duBytes, within(duBytes * 0.05));
    assertThat(usage.value()).as("usage vs docker ps --size " + sizeRw).isCloseTo(sizeRw, within(sizeRw * 0.05));
    assertThat(e.value("container_fs_inodes_total", name).orElseThrow()).as("inodes vs du --inodes")
        .isCloseTo(duInodes, within(duInodes * 0.05));
    assertThat(e.value("container_fs_inodes_total", name).orElseThrow()).isGreaterThan(1000);
    assertThat(e.named("microc_container_disk_usage_walks_total").get(0).value()).isGreaterThanOrEqualTo(4);
    assertThat(e.named("microc_container_disk_usage_walk_seconds_total").get(0).value()).isPositive();
    // The device is the mount source of /var/lib/docker's file system; the limit its size.
    String device = shell("findmnt", "-n", "-v", "-o", "SOURCE", "-T", upper).trim();
    long size = Long.parseLong(shell("findmnt", "-n", "-b", "-o", "SIZE", "-T", upper).trim());
    assertThat(usage.label("device")).isEqualTo(device);
    assertThat(e.value("container_fs_limit_bytes", name, "device", device)).contains((double) size);
    assertThat(e.value("container_fs_inodes_free", name)).as("cAdvisor's 0, left out").isEmpty();
  }

  @Test
  void reservationAndSwapLimitsMatchInspectAndTheCgroup() throws Exception {
    String name = P + "limits";
    Exposition e = exporter.metrics();
    long reservation = Long.parseLong(docker.run("inspect", "-f", "{{.HostConfig.MemoryReservation}}", name));
    long swap = Long.parseLong(docker.run("inspect", "-f", "{{.HostConfig.MemorySwap}}", name));
    assertThat(reservation).isEqualTo(32L << 20);
    assertThat(swap).isEqualTo(128L << 20);
    assertThat(e.value("container_spec_memory_reservation_limit_bytes", name)).contains((double) reservation);
    assertThat(e.value("container_spec_memory_swap_limit_bytes", name)).contains((double) swap);
    assertThat(Long.parseLong(cgroup("memory", "limits", "memory.soft_limit_in_bytes"))).isEqualTo(reservation);
    assertThat(Long.parseLong(cgroup("memory", "limits", "memory.memsw.limit_in_bytes"))).isEqualTo(swap);
    assertThat(e.value("container_spec_memory_limit_bytes", name)).contains((double) (64 << 20));
    // No reservation: the kernel's unlimited soft limit, which cAdvisor exposes as 0.
    assertThat(e.value("container_spec_memory_reservation_limit_bytes", P + "io")).contains(0.0);
  }

  @Test
  void processesThreadsFilesAndSocketsMatchProcfs() throws Exception {
    String name = P + "limits";
    List<Long> pids = cgroup("pids", "limits", "cgroup.procs").lines().map(Long::parseLong).toList();
    long fds = 0;
    long sockets = 0;
    for (long pid : pids) {
      try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
        for (Path fd : dir) {
          fds++;
          sockets += Files.readSymbolicLink(fd).toString().startsWith("socket:") ? 1 : 0;
        }
      }
    }
    Exposition e = exporter.metrics();
    assertThat(pids).hasSize(20);
    assertThat(e.value("container_processes", name)).contains(20.0);
    assertThat(e.value("container_threads", name)).contains(Double.parseDouble(cgroup("pids", "limits", "pids.current")));
    assertThat(e.value("container_threads", name)).contains(20.0);
    assertThat(e.value("microc_container_pids", name)).as("the same figure").contains(20.0);
    assertThat(e.value("container_threads_max", name)).contains(100.0);
    assertThat(e.value("container_file_descriptors", name)).contains((double) fds);
    assertThat(fds).as("30 files, a socket, and three standard ones each").isEqualTo(30 + 1 + 20 * 3);
    assertThat(e.value("container_sockets", name)).contains((double) sockets).contains(1.0);
    assertThat(e.value("container_ulimits_soft", name, "ulimit", "max_open_files")).contains(1234.0);
    assertThat(e.value("container_threads_max", P + "io")).as("no pids limit").contains(0.0);
  }

  @Test
  void fiveHundredDirectWritesAreFiveHundredWriteOperations() throws Exception {
    String name = P + "io";
    double before = writes(exporter.metrics(), name);
    docker.run("exec", name, "dd", "if=/dev/zero", "of=/data.bin", "bs=4k", "count=500", "oflag=direct");
    await("the writes counted", Duration.ofSeconds(10), () -> writes(exporter.metrics(), name) - before >= 500);
    Exposition e = exporter.metrics();
    double after = writes(e, name);
    assertThat(after - before).as("write operations").isBetween(500.0, 510.0);
    String device = e.find("container_fs_writes_total", name, s -> true).orElseThrow().label("device");
    assertThat(device).startsWith("/dev/");
    assertThat(e.value("container_fs_writes_bytes_total", name, "device", device).orElseThrow())
        .isGreaterThanOrEqualTo(500 * 4096.0);
    String ops = cgroup("blkio", "io", "blkio.throttle.io_serviced_recursive");
    long kernelWrites = ops.lines().filter(l -> l.matches("\\d+:\\d+ Write \\d+"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertThat(after).as("vs blkio.throttle.io_serviced_recursive").isEqualTo(kernelWrites);
    assertThat(e.value("container_blkio_device_usage_total", name, "operation", "Write").orElseThrow())
        .isEqualTo(e.value("container_fs_writes_bytes_total", name, "device", device).orElseThrow());
  }

  private static double writes(Exposition e, String name) {
    return e.named("container_fs_writes_total").stream().filter(s -> s.label("name").equals(name))
        .mapToDouble(Exposition.Sample::value).sum();
  }

  @Test
  void perCpuUsageIsTheKernelsPerCpuCounters() throws Exception {
    String name = P + "cpu";
    String cpuacct = CGROUP.resolve("cpuacct/docker").resolve(id("cpu")).toString();
    long[] before = perCpu(cpuacct);
    Exposition e = exporter.metrics();
    long[] after = perCpu(cpuacct);
    List<Exposition.Sample> series = e.named("container_cpu_usage_seconds_total").stream()
        .filter(s -> s.label("name").equals(name)).toList();
    assertThat(series).isNotEmpty().noneMatch(s -> s.label("cpu").equals("total"));
    for (Exposition.Sample s : series) {
      int cpu = Integer.parseInt(s.label("cpu").substring(3));
      assertThat(s.value() * 1e9).as(s.label("cpu")).isBetween(before[cpu] - 1.0, after[cpu] + 1.0);
    }
    assertThat(series.size()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
  }

  private static long[] perCpu(String dir) throws IOException {
    String[] f = Files.readString(Path.of(dir, "cpuacct.usage_percpu")).trim().split("\\s+");
    long[] out = new long[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = Long.parseLong(f[i]);
    }
    return out;
  }

  @Test
  void peakMappedKernelAndFaultsMatchTheCgroupFiles() throws Exception {
    String name = P + "limits";
    Exposition e = exporter.metrics();
    String memStat = cgroup("memory", "limits", "memory.stat");
    assertThat(e.value("container_memory_max_usage_bytes", name))
        .contains(Double.parseDouble(cgroup("memory", "limits", "memory.max_usage_in_bytes")));
    assertThat(e.value("container_memory_mapped_file", name)).contains((double) stat(memStat, "total_mapped_file"));
    double kernel = Double.parseDouble(cgroup("memory", "limits", "memory.kmem.usage_in_bytes"));
    assertThat(e.value("container_memory_kernel_usage", name).orElseThrow()).isCloseTo(kernel, within(kernel * 0.1));
    double pgfault = stat(memStat, "total_pgfault");
    assertThat(e.value("container_memory_failures_total", name, "scope", "hierarchy").orElseThrow())
        .isPositive();
    assertThat(e.find("container_memory_failures_total", name,
        s -> s.label("scope").equals("hierarchy") && s.label("failure_type").equals("pgfault"))
        .orElseThrow().value()).isCloseTo(pgfault, within(pgfault * 0.05 + 10));
    assertThat(e.value("container_memory_max_usage_bytes", name).orElseThrow())
        .isGreaterThanOrEqualTo(e.value("container_memory_usage_bytes", name).orElseThrow() * 0.9);
  }

  @Test
  void machineFiguresAreNprocAndMemTotal() throws Exception {
    Exposition e = Exposition.parse(exporter.scrape("machine"));
    long memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow() * 1024;
    assertThat(e.named("machine_cpu_cores").get(0).value()).isEqualTo(Double.parseDouble(shell("nproc").trim()));
    assertThat(e.named("machine_memory_bytes").get(0).value()).isEqualTo(memTotal);
    assertThat(e.named("machine_cpu_sockets").get(0).value()).isPositive();
    assertThat(e.named("machine_cpu_physical_cores").get(0).value()).isPositive();
  }

  @Test
  void theRootCgroupIsTheHostsRootCgroup() throws Exception {
    long cpuBefore = Long.parseLong(Files.readString(CGROUP.resolve("cpuacct/cpuacct.usage")).trim());
    long readBefore = rootBlkio("Read");
    Exposition e = exporter.metrics();
    long cpuAfter = Long.parseLong(Files.readString(CGROUP.resolve("cpuacct/cpuacct.usage")).trim());
    long readAfter = rootBlkio("Read");
    List<Exposition.Sample> root = e.samples().stream().filter(s -> s.label("id").equals("/")).toList();
    assertThat(root).allSatisfy(s -> assertThat(s.labels()).doesNotContainKeys("name", "image"));
    double cpu = root.stream().filter(s -> s.name().equals("container_cpu_usage_seconds_total"))
        .mapToDouble(Exposition.Sample::value).sum();
    assertThat(cpu * 1e9).as("per-CPU sum vs cpuacct.usage of the root").isBetween(cpuBefore - 1e7, cpuAfter + 1e7);
    double read = root.stream().filter(s -> s.name().equals("container_fs_reads_bytes_total"))
        .mapToDouble(Exposition.Sample::value).sum();
    assertThat(read).isBetween((double) readBefore, (double) readAfter);
    double usage = root.stream().filter(s -> s.name().equals("container_memory_usage_bytes")).findFirst()
        .orElseThrow().value();
    double fileUsage = Double.parseDouble(Files.readString(CGROUP.resolve("memory/memory.usage_in_bytes")).trim());
    assertThat(usage).isCloseTo(fileUsage, within(fileUsage * 0.1));
    assertThat(root).extracting(Exposition.Sample::name).contains("container_network_receive_bytes_total",
        "container_fs_usage_bytes", "container_pressure_cpu_waiting_seconds_total", "container_start_time_seconds");
    String rootDevice = shell("findmnt", "-n", "-v", "-o", "SOURCE", "/").trim();
    long size = Long.parseLong(shell("findmnt", "-n", "-b", "-o", "SIZE", "/").trim());
    long used = Long.parseLong(shell("findmnt", "-n", "-b", "-o", "USED", "/").trim());
    assertThat(root.stream().filter(s -> s.name().equals("container_fs_limit_bytes") && s.label("device").equals(rootDevice))
        .findFirst().orElseThrow().value()).isEqualTo(size);
    assertThat(root.stream().filter(s -> s.name().equals("container_fs_usage_bytes") && s.label("device").equals(rootDevice))
        .findFirst().orElseThrow().value()).isCloseTo(used, within(used * 0.05));
  }

  private static long rootBlkio(String op) throws IOException {
    return Files.readAllLines(CGROUP.resolve("blkio/blkio.throttle.io_service_bytes_recursive")).stream()
        .filter(l -> l.matches("\\d+:\\d+ " + op + " \\d+"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /**
   * promtool parses the whole exposition, every set on. Its only remark is the naming lint on
   * {@code microc_container_restart_count}, as in {@link HostileMetadataIT}: cAdvisor's own
   * names pass (its gauge {@code container_fs_inodes_total} is a counter here, its counter
   * {@code container_memory_failcnt} a gauge; see docs/metrics.md).
   */
  @Test
  void promtoolChecksEveryFamily() throws Exception {
    Engines.requireExecutable("promtool", "install prometheus", "/usr/bin/promtool");
    String text = exporter.scrape("containers", "machine");
    assertThat(Promtool.remarks(text)).as("promtool says").isEmpty();
    assertThat(text).contains("container_blkio_device_usage_total{", "container_fs_inodes_total{",
        "container_pressure_io_stalled_seconds_total{", "machine_cpu_cores{");
  }

  /** A real Prometheus scraping the four containers answers a cAdvisor-style query per family. */
  @Test
  void prometheusAnswersCadvisorQueries() throws Exception {
    TestPrometheus.require();
    long t0 = System.nanoTime();
    List<String> queries = List.of(
        "sum(rate(container_cpu_usage_seconds_total{id=\"/\"}[1m]))",
        "sum by (name) (rate(container_cpu_usage_seconds_total{image!=\"\"}[1m]))",
        "container_memory_max_usage_bytes{image!=\"\"}",
        "sum(container_fs_usage_bytes)",
        "sum(container_fs_usage_bytes{device=~\"^/dev/.*$\",id=\"/\"}) / sum(container_fs_limit_bytes{device=~\"^/dev/.*$\",id=\"/\"})",
        "container_fs_inodes_total{image!=\"\"} - 0",
        "sum by (name) (rate(container_fs_reads_bytes_total{image!=\"\"}[1m]))",
        "machine_cpu_cores",
        "sum(machine_memory_bytes) - sum(container_memory_working_set_bytes{id=\"/\"})",
        "rate(container_fs_writes_total{image!=\"\"}[1m])",
        "sum by (operation) (container_blkio_device_usage_total{id=\"/\"})",
        "container_memory_failures_total{failure_type=\"pgmajfault\",scope=\"hierarchy\"}",
        "container_memory_mapped_file{image!=\"\"}",
        "container_memory_kernel_usage{image!=\"\"}",
        "container_spec_memory_reservation_limit_bytes{name=\"" + P + "limits\"} > 0",
        "container_spec_memory_swap_limit_bytes{name=\"" + P + "limits\"} > 0",
        "container_processes{image!=\"\"}",
        "container_threads{name=\"" + P + "limits\"} / container_threads_max{name=\"" + P + "limits\"}",
        "container_file_descriptors{image!=\"\"}",
        "container_sockets{name=\"" + P + "limits\"} > 0",
        "container_ulimits_soft{ulimit=\"max_open_files\"}",
        "rate(container_pressure_cpu_waiting_seconds_total{id=\"/\"}[1m])",
        "rate(container_cpu_cfs_throttled_seconds_total{name=\"" + P + "cpu\"}[1m]) > 0",
        "container_memory_usage_bytes{image!=\"\"}");
    try (TestPrometheus prometheus = TestPrometheus.start(exporter, "containers", "machine")) {
      Map<String, Integer> answered = new LinkedHashMap<>();
      await("every query to return data", Duration.ofSeconds(60), () -> {
        for (String q : queries) {
          if (!answered.containsKey(q)) {
            int n = prometheus.query(q).size();
            if (n > 0) {
              answered.put(q, n);
            }
          }
        }
        return answered.size() == queries.size();
      });
      JsonNode cores = prometheus.query("machine_cpu_cores");
      assertThat(TestPrometheus.value(cores)).isEqualTo(Runtime.getRuntime().availableProcessors());
      JsonNode inodes = prometheus.query("container_fs_inodes_total{name=\"" + P + "layer\"}");
      assertThat(TestPrometheus.value(inodes)).isGreaterThan(1000);
    }
    System.out.printf("CadvisorFamiliesIT: Prometheus answered %d queries in %.1f s%n", queries.size(),
        (System.nanoTime() - t0) / 1e9);
  }

  private static String shell(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
