package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.host.SchedstatCollector.Cpu;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedstatCollectorTest {

  @Test
  void version15SchedstatInSecondsPerCpu() {
    String text = Exposition.text(new SchedstatCollector(Fixtures.host().proc("schedstat")).collect());

    assertThat(text).contains("""
        # HELP node_schedstat_running_seconds_total Number of seconds CPU spent running a process.
        # TYPE node_schedstat_running_seconds_total counter
        node_schedstat_running_seconds_total{cpu="0"} 2554.548542339
        node_schedstat_running_seconds_total{cpu="1"} 2409.09993838
        """, "node_schedstat_waiting_seconds_total{cpu=\"0\"} 253.513424505",
        "node_schedstat_timeslices_total{cpu=\"1\"} 3160829.0");
  }

  @Test
  void domainLinesShortCpuLinesAndOthersAreSkipped() {
    assertThat(SchedstatCollector.parseSchedstat("version 15\ncpu0 0 0 0 0 0 0 1 2 3 99\n"
        + "domain0 00000003 1086 1060\ncpu1 0 0 0 0 0 0 24090\ncpuX 0 0 0 0 0 0 1 2 3\ncpu2 0 0 0 0 0 0 4 5 6\n"))
        .containsExactly(new Cpu("0", 1, 2, 3), new Cpu("2", 4, 5, 6));
  }

  @Test
  void aKernelWithoutSchedstatsHasNoData(@TempDir Path proc) {
    assertThatThrownBy(() -> new SchedstatCollector(proc.resolve("schedstat")).collect())
        .isInstanceOf(NoDataException.class).hasMessageContaining("CONFIG_SCHEDSTATS");
  }
}
