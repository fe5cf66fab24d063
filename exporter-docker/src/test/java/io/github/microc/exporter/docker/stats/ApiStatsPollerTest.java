package io.github.microc.exporter.docker.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.client.Json;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ApiStatsPollerTest {


  /**
   * The stats API's answer for the container of the real cgroup v1 capture, taken right after
   * it: the same counters as the cgroup files (CPU time a few ticks on).
   */
  @Test
  void parsesARealCgroupV1Answer() throws IOException {
    ContainerStats s;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/docker-stats-v1.json")) {
      s = ApiStatsPoller.parseStats(Json.object(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8))));
    }
    assertThat(s.cpuUsageNanos()).isEqualTo(59_502_537_748L);
    assertThat(s.cpuUserNanos()).isEqualTo(24_200_000_000L);
    assertThat(s.cpuSystemNanos()).isEqualTo(35_290_000_000L);
    assertThat(s.cfsPeriods()).isEqualTo(1274);
    assertThat(s.cfsThrottledPeriods()).isEqualTo(992);
    assertThat(s.cfsThrottledNanos()).isEqualTo(40_796_332_182L);
    assertThat(s.memoryUsage()).isEqualTo(8_142_848);
    assertThat(s.memoryWorkingSet()).isEqualTo(8_142_848);
    assertThat(s.memoryRss()).isEqualTo(57_344);
    assertThat(s.memoryCache()).isEqualTo(7_340_032);
    assertThat(s.memoryLimit()).isEqualTo(64L << 20);
    assertThat(s.pids()).isEqualTo(1);
    assertThat(s.io()).isEmpty();
    assertThat(s.network()).containsExactly(new NetInterface("eth0", 1016, 12, 0, 0, 0, 0, 0, 0));
    assertThat(s.memoryMaxUsage()).isEqualTo(10_461_184);
    assertThat(s.memoryMappedFile()).isZero();
    assertThat(s.failures()).isEqualTo(new ContainerStats.Faults(2437, 0, 2437, 0));
    assertThat(s.perCpuNanos()).containsExactly(36_629_211_523L, 22_873_326_225L);
  }

  /** A cgroup v2 daemon's answer (hand-written, in the shape Docker 20.10+ sends). */
  @Test
  void parsesACgroupV2Answer() throws IOException {
    String json = """
        {"pids_stats":{"current":5,"limit":4915},
         "blkio_stats":{"io_service_bytes_recursive":[
           {"major":8,"minor":0,"op":"read","value":1048576},
           {"major":8,"minor":0,"op":"write","value":4096}]},
         "cpu_stats":{"cpu_usage":{"total_usage":5123456000,"usage_in_kernelmode":1123456000,
           "usage_in_usermode":4000000000},"throttling_data":{"periods":1200,
           "throttled_periods":350,"throttled_time":17500000000}},
         "memory_stats":{"usage":52428800,"stats":{"anon":31457280,"file":18874368,
           "inactive_file":12582912},"limit":67108864}}
        """;
    ContainerStats s = ApiStatsPoller.parseStats(Json.object(Json.parse(json)));
    assertThat(s.memoryWorkingSet()).isEqualTo(52_428_800 - 12_582_912);
    assertThat(s.memoryRss()).isEqualTo(31_457_280);
    assertThat(s.memoryCache()).isEqualTo(18_874_368);
    assertThat(s.memoryFailcnt()).isEqualTo(ContainerStats.UNKNOWN);
    long u = ContainerStats.UNKNOWN;
    assertThat(s.io()).containsExactly(new BlockIo("8:0", 8, 0, 1_048_576, 4096, 0, 0, 0, 0, u, u));
    assertThat(s.network()).isEmpty();
    assertThat(s.pids()).isEqualTo(5);
  }
}
