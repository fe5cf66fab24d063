package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microc.e2e.support.MicrocProcess;
import io.github.microc.e2e.support.PrometheusServer;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes the real jar every second: one Microc with its defaults (job
 * {@code defaults}), one with node_exporter's off-by-default collectors that dashboards use on
 * top (job {@code extras}). The target is up, and the queries community dashboards and alert
 * rules make of each host collector return data, over the metric names and labels they expect.
 * Queries of hardware this host lacks (hwmon, thermal zones, mdadm, NFS) are left out: the
 * fixture-tree tests cover those collectors.
 */
class HostCollectorsPrometheusIT {

  private static final Duration READY = Duration.ofSeconds(60);
  private static final Duration SETTLE = Duration.ofSeconds(45);

  /** Per collector, queries a dashboard or alert makes, each of which must return series. */
  private static final Map<String, List<String>> QUERIES = new LinkedHashMap<>();

  static {
    QUERIES.put("pressure", List.of("node_pressure_cpu_waiting_seconds_total",
        "rate(node_pressure_io_waiting_seconds_total[1m])", "node_pressure_memory_stalled_seconds_total"));
    QUERIES.put("vmstat", List.of("rate(node_vmstat_pgfault[1m])", "rate(node_vmstat_pgmajfault[1m])",
        "node_vmstat_oom_kill", "rate(node_vmstat_pswpin[1m])"));
    QUERIES.put("netstat", List.of("node_netstat_Tcp_CurrEstab", "rate(node_netstat_Tcp_InSegs[1m])",
        "rate(node_netstat_Tcp_RetransSegs[1m]) / rate(node_netstat_Tcp_OutSegs[1m]) >= 0",
        "rate(node_netstat_TcpExt_ListenDrops[1m])", "node_netstat_Udp_InErrors", "node_netstat_IpExt_InOctets"));
    QUERIES.put("sockstat", List.of("node_sockstat_TCP_inuse", "node_sockstat_sockets_used",
        "node_sockstat_TCP_tw", "node_sockstat_TCP_mem_bytes"));
    QUERIES.put("filefd", List.of("node_filefd_allocated / node_filefd_maximum"));
    QUERIES.put("conntrack", List.of("node_nf_conntrack_entries / node_nf_conntrack_entries_limit"));
    QUERIES.put("timex", List.of("node_timex_sync_status", "node_timex_offset_seconds",
        "node_timex_maxerror_seconds", "node_timex_estimated_error_seconds"));
    QUERIES.put("entropy", List.of("node_entropy_available_bits"));
    QUERIES.put("softnet", List.of("rate(node_softnet_processed_total[1m])",
        "sum by (instance) (rate(node_softnet_dropped_total[1m]))"));
    QUERIES.put("udp_queues", List.of("node_udp_queues{ip=\"v4\",queue=\"rx\"}"));
    QUERIES.put("arp", List.of("node_arp_entries"));
    QUERIES.put("netclass", List.of("node_network_up", "node_network_info", "node_network_mtu_bytes"));
    QUERIES.put("textfile", List.of("node_textfile_scrape_error"));
    QUERIES.put("processes", List.of("node_processes_state{job=\"extras\"}",
        "node_processes_pids{job=\"extras\"} / node_processes_max_processes{job=\"extras\"}",
        "node_processes_threads{job=\"extras\"}"));
    QUERIES.put("tcpstat", List.of("node_tcp_connection_states{job=\"extras\",state=\"established\"}",
        "node_tcp_connection_states{job=\"extras\",state=\"listen\"}"));
    QUERIES.put("interrupts", List.of("sum by (type) (rate(node_interrupts_total{job=\"extras\"}[1m]))"));
  }

  private static final List<MicrocProcess> instances = new ArrayList<>();
  private static PrometheusServer prometheus;

  @BeforeAll
  static void start(@TempDir Path dir) throws IOException {
    Path prometheusBin = Engines.requireExecutable("prometheus",
        "install Debian's prometheus package (apt-get install prometheus)", "/usr/bin/prometheus");
    Path jar = Repository.appJar();
    long start = System.nanoTime();
    instances.add(MicrocProcess.start(jar, Map.of(), dir.resolve("defaults.log"), List.of()));
    instances.add(MicrocProcess.start(jar, Map.of(), dir.resolve("extras.log"),
        List.of("--collector.processes", "--collector.tcpstat", "--collector.interrupts")));
    for (MicrocProcess instance : instances) {
      instance.awaitReady(READY);
    }
    Path config = dir.resolve("prometheus.yml");
    // A scrape of every default collector takes well under a second, but not always on a loaded
    // machine: a timeout with room for that keeps up at 1 for the exporter's sake, not the machine's.
    Files.writeString(config, """
        global:
          scrape_interval: 3s
          scrape_timeout: 3s
        scrape_configs:
          - job_name: defaults
            static_configs: [{targets: ['%s']}]
          - job_name: extras
            static_configs: [{targets: ['%s']}]
        """.formatted(instances.get(0).address(), instances.get(1).address()));
    prometheus = PrometheusServer.start(prometheusBin, config, dir).awaitReady(READY);
    System.out.printf("HostCollectorsPrometheusIT: two Microc and Prometheus ready in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    instances.forEach(MicrocProcess::close);
  }

  @Test
  void bothTargetsAreUpAndEveryCollectorsDashboardQueriesReturnData() {
    long start = System.nanoTime();
    long deadline = start + SETTLE.toNanos();
    Map<String, String> failing = new LinkedHashMap<>();
    do {
      failing.clear();
      for (String job : List.of("defaults", "extras")) {
        JsonNode up = prometheus.query("up{job=\"" + job + "\"} == 1");
        if (up.size() != 1) {
          failing.put("up{job=\"" + job + "\"} == 1", "no series");
        }
      }
      QUERIES.forEach((collector, queries) -> {
        for (String query : queries) {
          JsonNode result = prometheus.query(query);
          if (result.isEmpty()) {
            failing.put(collector + ": " + query, "no series");
          }
        }
      });
      if (failing.isEmpty()) {
        break;
      }
      sleep(1000);
    } while (System.nanoTime() < deadline);
    System.out.printf("HostCollectorsPrometheusIT: every query answered in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(failing).as("queries without data after " + SETTLE.toSeconds() + " s; Microc's logs:\n"
        + instances.get(0).log() + "\n" + instances.get(1).log()).isEmpty();

    // The defaults leave node_exporter's off-by-default collectors off.
    assertThat(prometheus.query("node_processes_pids{job=\"defaults\"}")).isEmpty();
    assertThat(prometheus.query("node_tcp_connection_states{job=\"defaults\"}")).isEmpty();
    assertThat(prometheus.query("microc_scrape_collector_success{job=\"defaults\",collector=\"vmstat\"} == 1"))
        .hasSize(1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
