package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.docker.cgroup.CgroupReader;
import io.github.microc.exporter.docker.cgroup.CgroupReaderTest;
import io.github.microc.exporter.docker.metadata.Caches;
import io.github.microc.exporter.docker.metadata.ContainerCache;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.watchdog.LogCapture;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector over the real cgroup v1 capture and hand-made metadata: golden exposition. */
class ContainerCollectorTest {

  @Test
  void uncountedBlockIoIsSaidOnceAtTheFirstCollectionWithTheDisksAndTheRuleThatTurnsCountingOn(
      @TempDir Path root) throws IOException {
    HostPaths host = CgroupReaderTest.blkioHost(root, CgroupReaderTest.UNCOUNTED);
    try (LogCapture logs = LogCapture.start()) {
      ContainerCollector collector = new ContainerCollector(ContainerSettingsTest.settings(
          "stats-source = cgroup"), Caches.of(true), new CgroupReader(host), () -> null, null, List.of());
      assertThat(warnings(logs)).as("not before the first collection").isEmpty();
      collector.collect();
      collector.collect();
      List<String> lines = warnings(logs);
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).contains("vda (254:0), cciss/c0d0 (104:0) did I/O",
          "container_fs_reads*", "echo '254:0 0' > /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device");
      new ContainerCollector(ContainerSettingsTest.settings("stats-source = cgroup\nmetrics = [cpu]"),
          Caches.of(true), new CgroupReader(host), () -> null, null, List.of()).collect();
      assertThat(warnings(logs)).as("not with the diskIO set off").hasSize(1);
    }
  }

  private static List<String> warnings(LogCapture logs) {
    return logs.lines().stream().filter(l -> l.contains("WARN") && l.contains("ContainerCollector")).toList();
  }

  static final String ID = "a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87";

  static ContainerInfo running() {
    return new ContainerInfo(ID, "fixture", "microc-test/busybox:1", "sha256:d5d2",
        Map.of("com.docker.compose.project", "shop", "not.allowed", "x"), "running", 7750, 0, 2,
        false, Instant.parse("2026-11-21T19:53:53.5Z"), "healthy", "default", 50_000, 100_000,
        1024, 64L << 20, 0);
  }

  static ContainerInfo exited() {
    return new ContainerInfo("b".repeat(64), "done", "microc-test/busybox:1", "sha256:d5d2",
        Map.of(), "exited", 0, 137, 0, true, Instant.parse("2026-11-21T19:00:00Z"), "",
        "default", 0, 100_000, 1024, 0, 1);
  }

  static String render(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }

  ContainerCollector collector(ContainerCache cache, String hocon) throws URISyntaxException {
    return collector("cgroup-v1", cache, hocon);
  }

  ContainerCollector collector(String fixture, ContainerCache cache, String hocon) {
    CgroupReader reader = new CgroupReader(CgroupReaderTest.hostPaths(fixture));
    return new ContainerCollector(ContainerSettingsTest.settings(hocon), cache, reader,
        () -> {
          throw new AssertionError("no stats API with stats-source = cgroup");
        }, null, List.of());
  }

  @Test
  void exposesCadvisorNamesAndMicrocStateFromCgroupFiles() throws Exception {
    ContainerCollector collector = collector(Caches.of(true, running(), exited()),
        "stats-source = cgroup\nlabel-allow-list = [\"com.docker.compose.project\"]");
    String text = render(collector.collect()).lines()
        .filter(l -> !l.startsWith("container_last_seen"))
        .collect(Collectors.joining("\n", "", "\n"));
    assertThat(text).isEqualTo(GOLDEN);
  }

  static final String FULL_ID = CgroupReaderTest.V1_FULL_ID;

  /** The container of the cgroup-v1-full capture, as inspect described it. */
  static ContainerInfo full() {
    return new ContainerInfo(FULL_ID, "full", "microc-test/busybox:1", "sha256:d5d2", Map.of(),
        "running", 3634, 0, 0, false, Instant.parse("2026-12-03T15:16:00Z"), "", "none", 50_000,
        100_000, 1024, 64L << 20, 0, new ContainerInfo.Detail("", "", List.of(), 32L << 20, 128L << 20));
  }

  static final String EVERY_SET = "stats-source = cgroup\nmetrics = [cpu, percpu, memory, diskIO,"
      + " disk, network, oom_event, process, pressure]";

  @Nested
  class FullCapture {

    Exposition scrape(String hocon) throws IOException {
      return Exposition.parse(render(collector("cgroup-v1-full", Caches.of(true, full()), hocon).collect()));
    }

    @Test
    void perCpuSeriesReplaceTheTotalWhereTheKernelCountsPerCpu() throws IOException {
      Exposition e = scrape(EVERY_SET);
      assertThat(e.find("container_cpu_usage_seconds_total", "full", x -> true)).isPresent();
      assertThat(e.named("container_cpu_usage_seconds_total").stream()
          .filter(x -> x.label("name").equals("full")).map(x -> x.label("cpu")))
          .containsExactly("cpu00", "cpu01");
      assertThat(e.value("container_cpu_usage_seconds_total", "full", "cpu", "cpu01")).contains(4.445920246);
      assertThat(scrape("stats-source = cgroup").value("container_cpu_usage_seconds_total", "full", "cpu", "total"))
          .as("by default").contains(10.287649749);
    }

    @Test
    void blockIoPerDeviceAndOperation() throws IOException {
      Exposition e = scrape(EVERY_SET);
      assertThat(e.value("container_fs_writes_total", "full", "device", "/dev/vda")).contains(500.0);
      assertThat(e.value("container_fs_reads_total", "full", "device", "/dev/vda")).contains(1.0);
      assertThat(e.value("container_fs_writes_bytes_total", "full", "device", "/dev/vda")).contains(2_048_000.0);
      List<Exposition.Sample> usage = e.named("container_blkio_device_usage_total").stream()
          .filter(x -> x.label("name").equals("full")).toList();
      assertThat(usage).extracting(x -> x.label("operation"))
          .containsExactlyInAnyOrder("Read", "Write", "Sync", "Async", "Discard", "Total");
      assertThat(usage).allSatisfy(x -> assertThat(x.labels()).containsEntry("device", "/dev/vda")
          .containsEntry("major", "254").containsEntry("minor", "0"));
      assertThat(e.value("container_blkio_device_usage_total", "full", "operation", "Sync")).contains(2_052_096.0);
    }

    @Test
    void memoryPeakFailuresAndTheSpecsLimits() throws IOException {
      Exposition e = scrape(EVERY_SET);
      assertThat(e.value("container_memory_max_usage_bytes", "full")).contains(11_239_424.0);
      assertThat(e.value("container_memory_kernel_usage", "full")).contains(450_560.0);
      assertThat(e.value("container_memory_mapped_file", "full")).contains(0.0);
      assertThat(e.named("container_memory_failures_total").stream()
          .filter(x -> x.label("name").equals("full"))
          .map(x -> x.label("failure_type") + "/" + x.label("scope") + "=" + x.value()))
          .containsExactlyInAnyOrder("pgfault/container=1245.0", "pgmajfault/container=0.0",
              "pgfault/hierarchy=1245.0", "pgmajfault/hierarchy=0.0");
      assertThat(e.value("container_spec_memory_reservation_limit_bytes", "full")).contains((double) (32 << 20));
      assertThat(e.value("container_spec_memory_swap_limit_bytes", "full")).contains((double) (128 << 20));
    }

    @Test
    void processCounts() throws IOException {
      Exposition e = scrape(EVERY_SET);
      assertThat(e.value("container_processes", "full")).contains(3.0);
      assertThat(e.value("container_threads", "full")).contains(3.0);
      assertThat(e.value("container_threads_max", "full")).as("pids.max is max").contains(0.0);
      assertThat(e.value("container_file_descriptors", "full")).contains(9.0);
      assertThat(e.value("container_sockets", "full")).contains(0.0);
      assertThat(e.value("container_ulimits_soft", "full", "ulimit", "max_open_files")).contains(20_000.0);
      assertThat(scrape("stats-source = cgroup").named("container_processes")).as("off by default").isEmpty();
    }

    @Test
    void theRootCgroupIsTheContainerSlashWithTheIdLabelAlone() throws IOException {
      Exposition e = scrape(EVERY_SET);
      List<Exposition.Sample> root = e.samples().stream().filter(x -> x.label("id").equals("/")).toList();
      assertThat(root).extracting(Exposition.Sample::name).contains("container_cpu_usage_seconds_total",
          "container_memory_working_set_bytes", "container_network_receive_bytes_total",
          "container_fs_reads_bytes_total", "container_start_time_seconds",
          "container_pressure_cpu_waiting_seconds_total", "container_spec_cpu_shares")
          .doesNotContain("microc_container_info", "microc_container_state",
              "container_cpu_cfs_periods_total", "container_processes");
      assertThat(root).allSatisfy(x -> assertThat(x.labels().keySet())
          .isSubsetOf("id", "cpu", "interface", "device", "major", "minor", "operation", "failure_type", "scope"));
      assertThat(root.stream().filter(x -> x.name().equals("container_start_time_seconds")).findFirst()
          .orElseThrow().value()).isEqualTo(1_796_309_527.0);
      assertThat(scrape("stats-source = cgroup\nroot-cgroup = false").samples())
          .noneMatch(x -> x.label("id").equals("/"));
    }

    @Test
    void aSetThatIsOffIsNotExposed() throws IOException {
      Exposition e = scrape("stats-source = cgroup\nroot-cgroup = false\nmetrics = [cpu]");
      assertThat(e.samples()).extracting(Exposition.Sample::name)
          .contains("container_cpu_usage_seconds_total", "container_cpu_cfs_periods_total",
              "microc_container_pids", "container_spec_memory_limit_bytes")
          .noneMatch(n -> n.startsWith("container_memory_") || n.startsWith("container_network_")
              || n.startsWith("container_fs_") || n.equals("container_oom_events_total"));
    }

    @Test
    void throttlingIsOnlyForContainersWithAQuota() throws IOException {
      ContainerInfo unlimited = new ContainerInfo(FULL_ID, "full", "img", "", Map.of(), "running",
          3634, 0, 0, false, null, "", "none", 0, 100_000, 1024, 0, 0);
      Exposition e = Exposition.parse(render(collector("cgroup-v1-full", Caches.of(true, unlimited),
          "stats-source = cgroup").collect()));
      assertThat(e.value("container_cpu_usage_seconds_total", "full")).isPresent();
      assertThat(e.value("container_cpu_cfs_periods_total", "full")).isEmpty();
      assertThat(e.value("container_spec_cpu_quota", "full")).isEmpty();
    }
  }

  @Test
  void aDaemonThatIsDownIsAGaugeNotAFailure() throws Exception {
    ContainerCollector collector = collector(Caches.of(false), "stats-source = cgroup");
    String text = render(collector.collect());
    assertThat(text).contains("microc_docker_up 0.0");
  }

  @Test
  void labelValuesThatCouldBreakTheExpositionAreEscaped() throws Exception {
    ContainerInfo evil = new ContainerInfo("c".repeat(64), "evil", "img", "",
        Map.of("com.docker.compose.project", "a\"b\\c\nd}, x=\"y"), "created", 0, 0, 0, false,
        null, "", "default", 0, 100_000, 1024, 0, 0);
    String text = render(collector(Caches.of(true, evil), "stats-source = cgroup").collect());
    assertThat(text).contains("container_label_com_docker_compose_project=\"a\\\"b\\\\c\\nd}, x=\\\"y\"");
    Exposition parsed = Exposition.parse(text);
    assertThat(parsed.find("microc_container_info", "evil", s -> true).orElseThrow()
        .label("container_label_com_docker_compose_project")).isEqualTo("a\"b\\c\nd}, x=\"y");
  }

  static final String GOLDEN = """
      # HELP container_cpu_cfs_periods_total Number of elapsed enforcement period intervals.
      # TYPE container_cpu_cfs_periods_total counter
      container_cpu_cfs_periods_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 1274.0
      # HELP container_cpu_cfs_throttled_periods_total Number of throttled period intervals.
      # TYPE container_cpu_cfs_throttled_periods_total counter
      container_cpu_cfs_throttled_periods_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 992.0
      # HELP container_cpu_cfs_throttled_seconds_total Total time duration the container has been throttled.
      # TYPE container_cpu_cfs_throttled_seconds_total counter
      container_cpu_cfs_throttled_seconds_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 40.796332182
      # HELP container_cpu_system_seconds_total Cumulative system cpu time consumed in seconds.
      # TYPE container_cpu_system_seconds_total counter
      container_cpu_system_seconds_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 35.28
      # HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.
      # TYPE container_cpu_usage_seconds_total counter
      container_cpu_usage_seconds_total{container_label_com_docker_compose_project="shop",cpu="total",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 59.49210881
      # HELP container_cpu_user_seconds_total Cumulative user cpu time consumed in seconds.
      # TYPE container_cpu_user_seconds_total counter
      container_cpu_user_seconds_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 24.2
      # HELP container_health_state Health check state: 1 for the current one; only containers with a health check.
      # TYPE container_health_state gauge
      container_health_state{container_label_com_docker_compose_project="shop",health="healthy",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 1.0
      container_health_state{container_label_com_docker_compose_project="shop",health="starting",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      container_health_state{container_label_com_docker_compose_project="shop",health="unhealthy",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_last_seen Last time a container was seen by the exporter
      # TYPE container_last_seen gauge
      # HELP container_memory_cache Number of bytes of page cache memory.
      # TYPE container_memory_cache gauge
      container_memory_cache{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 7340032.0
      # HELP container_memory_failcnt Number of memory usage hits limits.
      # TYPE container_memory_failcnt gauge
      container_memory_failcnt{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_memory_failures_total Cumulative count of memory allocation failures.
      # TYPE container_memory_failures_total counter
      container_memory_failures_total{container_label_com_docker_compose_project="shop",failure_type="pgfault",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture",scope="container"} 2437.0
      container_memory_failures_total{container_label_com_docker_compose_project="shop",failure_type="pgfault",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture",scope="hierarchy"} 2437.0
      container_memory_failures_total{container_label_com_docker_compose_project="shop",failure_type="pgmajfault",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture",scope="container"} 0.0
      container_memory_failures_total{container_label_com_docker_compose_project="shop",failure_type="pgmajfault",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture",scope="hierarchy"} 0.0
      # HELP container_memory_mapped_file Size of memory mapped files in bytes.
      # TYPE container_memory_mapped_file gauge
      container_memory_mapped_file{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_memory_rss Size of RSS in bytes.
      # TYPE container_memory_rss gauge
      container_memory_rss{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 57344.0
      # HELP container_memory_swap Container swap usage in bytes.
      # TYPE container_memory_swap gauge
      container_memory_swap{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_memory_usage_bytes Current memory usage in bytes, including all memory regardless of when it was accessed.
      # TYPE container_memory_usage_bytes gauge
      container_memory_usage_bytes{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 8142848.0
      # HELP container_memory_working_set_bytes Current working set in bytes.
      # TYPE container_memory_working_set_bytes gauge
      container_memory_working_set_bytes{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 8142848.0
      # HELP container_network_receive_bytes_total Cumulative count of bytes received.
      # TYPE container_network_receive_bytes_total counter
      container_network_receive_bytes_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 1016.0
      # HELP container_network_receive_errors_total Cumulative count of errors encountered while receiving.
      # TYPE container_network_receive_errors_total counter
      container_network_receive_errors_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_network_receive_packets_total Cumulative count of packets received.
      # TYPE container_network_receive_packets_total counter
      container_network_receive_packets_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 12.0
      # HELP container_network_receive_packets_dropped_total Cumulative count of packets dropped while receiving.
      # TYPE container_network_receive_packets_dropped_total counter
      container_network_receive_packets_dropped_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_network_transmit_bytes_total Cumulative count of bytes transmitted.
      # TYPE container_network_transmit_bytes_total counter
      container_network_transmit_bytes_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_network_transmit_errors_total Cumulative count of errors encountered while transmitting.
      # TYPE container_network_transmit_errors_total counter
      container_network_transmit_errors_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_network_transmit_packets_total Cumulative count of packets transmitted.
      # TYPE container_network_transmit_packets_total counter
      container_network_transmit_packets_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_network_transmit_packets_dropped_total Cumulative count of packets dropped while transmitting.
      # TYPE container_network_transmit_packets_dropped_total counter
      container_network_transmit_packets_dropped_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",interface="eth0",name="fixture"} 0.0
      # HELP container_oom_events_total Count of out of memory events observed for the container.
      # TYPE container_oom_events_total counter
      container_oom_events_total{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      container_oom_events_total{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",name="done"} 1.0
      # HELP container_spec_cpu_period CPU period of the container.
      # TYPE container_spec_cpu_period gauge
      container_spec_cpu_period{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 100000.0
      # HELP container_spec_cpu_quota CPU quota of the container.
      # TYPE container_spec_cpu_quota gauge
      container_spec_cpu_quota{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 50000.0
      # HELP container_spec_cpu_shares CPU share of the container.
      # TYPE container_spec_cpu_shares gauge
      container_spec_cpu_shares{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 1024.0
      # HELP container_spec_memory_limit_bytes Memory limit for the container; 0: none.
      # TYPE container_spec_memory_limit_bytes gauge
      container_spec_memory_limit_bytes{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 6.7108864E7
      # HELP container_spec_memory_reservation_limit_bytes Memory reservation limit for the container.
      # TYPE container_spec_memory_reservation_limit_bytes gauge
      container_spec_memory_reservation_limit_bytes{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_spec_memory_swap_limit_bytes Memory swap limit for the container.
      # TYPE container_spec_memory_swap_limit_bytes gauge
      container_spec_memory_swap_limit_bytes{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      # HELP container_start_time_seconds Start time of the container since unix epoch in seconds.
      # TYPE container_start_time_seconds gauge
      container_start_time_seconds{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 1.7952908335E9
      # HELP microc_container_info Container metadata; value 1.
      # TYPE microc_container_info gauge
      microc_container_info{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",image_id="sha256:d5d2",name="fixture"} 1
      microc_container_info{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",image_id="sha256:d5d2",name="done"} 1
      # HELP microc_container_exit_code The container's last exit code.
      # TYPE microc_container_exit_code gauge
      microc_container_exit_code{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      microc_container_exit_code{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",name="done"} 137.0
      # HELP microc_container_oom_killed 1 when the container's last exit was an OOM kill.
      # TYPE microc_container_oom_killed gauge
      microc_container_oom_killed{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 0.0
      microc_container_oom_killed{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",name="done"} 1.0
      # HELP microc_container_pids Number of processes and threads in the container.
      # TYPE microc_container_pids gauge
      microc_container_pids{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 1.0
      # HELP microc_container_restart_count Restarts by the daemon's restart policy.
      # TYPE microc_container_restart_count gauge
      microc_container_restart_count{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture"} 2.0
      microc_container_restart_count{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",name="done"} 0.0
      # HELP microc_container_state The container's current state (created, restarting, running, removing, paused, exited, dead); always 1.
      # TYPE microc_container_state gauge
      microc_container_state{container_label_com_docker_compose_project="shop",id="/docker/a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87",image="microc-test/busybox:1",name="fixture",state="running"} 1.0
      microc_container_state{id="/docker/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",image="microc-test/busybox:1",name="done",state="exited"} 1.0
      # HELP microc_docker_up 1 while the Docker daemon answers and its events stream is followed.
      # TYPE microc_docker_up gauge
      microc_docker_up 1.0
      """;
}
