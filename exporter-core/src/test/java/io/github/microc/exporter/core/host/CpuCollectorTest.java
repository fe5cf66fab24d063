package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

class CpuCollectorTest {

  @Test
  void capturedProcStatRendersAsNodeExporterDoes() {
    String text = Exposition.text(new CpuCollector(Fixtures.host().proc("stat")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_cpu_guest_seconds_total Seconds the CPUs spent in guests (VMs) for each mode.
        # TYPE node_cpu_guest_seconds_total counter
        node_cpu_guest_seconds_total{cpu="0",mode="nice"} 0.0
        node_cpu_guest_seconds_total{cpu="0",mode="user"} 0.0
        node_cpu_guest_seconds_total{cpu="1",mode="nice"} 0.0
        node_cpu_guest_seconds_total{cpu="1",mode="user"} 0.0
        # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total{cpu="0",mode="idle"} 369.19
        node_cpu_seconds_total{cpu="0",mode="iowait"} 0.38
        node_cpu_seconds_total{cpu="0",mode="irq"} 0.0
        node_cpu_seconds_total{cpu="0",mode="nice"} 0.0
        node_cpu_seconds_total{cpu="0",mode="softirq"} 0.09
        node_cpu_seconds_total{cpu="0",mode="steal"} 0.06
        node_cpu_seconds_total{cpu="0",mode="system"} 48.4
        node_cpu_seconds_total{cpu="0",mode="user"} 131.08
        node_cpu_seconds_total{cpu="1",mode="idle"} 370.1
        node_cpu_seconds_total{cpu="1",mode="iowait"} 3.15
        node_cpu_seconds_total{cpu="1",mode="irq"} 0.0
        node_cpu_seconds_total{cpu="1",mode="nice"} 0.0
        node_cpu_seconds_total{cpu="1",mode="softirq"} 0.51
        node_cpu_seconds_total{cpu="1",mode="steal"} 0.08
        node_cpu_seconds_total{cpu="1",mode="system"} 42.48
        node_cpu_seconds_total{cpu="1",mode="user"} 131.39
        """);
  }

  @Test
  void perCpuLinesAreSecondsAndTheTotalLineIsSkipped() {
    Map<String, double[]> times = CpuCollector.parseCpuTimes(Fixtures.text("proc/stat"));

    assertThat(times).containsOnlyKeys("0", "1");
    assertThat(times.get("0")[3]).isCloseTo(369.19, within(1e-9)); // idle 36919 ticks
  }

  @Test
  void oldKernelColumnsAreZeroAndBadLinesAreSkipped() {
    Map<String, double[]> times = CpuCollector.parseCpuTimes(Fixtures.text("nasty/stat"));

    assertThat(times).containsOnlyKeys("0", "1");
    assertThat(times.get("0")).containsExactly(1, 2, 3, 4, 0, 0, 0, 0, 0, 0);
    assertThat(times.get("1")).containsExactly(0.5, 0, 0.25, 10, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1);
  }

  @Test
  void counterThatJumpsBackKeepsItsValueUnlessIdleJumpedFar(@TempDir Path dir) throws IOException {
    Path stat = dir.resolve("stat");
    CpuCollector collector = new CpuCollector(stat);

    Files.writeString(stat, "cpu0 1000 0 500 10000 300 0 0 0 0 0\n");
    collector.collect();
    Files.writeString(stat, "cpu0 1001 0 500 10100 200 0 0 0 0 0\n"); // iowait went back
    assertThat(Exposition.text(collector.collect()))
        .contains("node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 3.0")
        .contains("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10.01");

    Files.writeString(stat, "cpu0 5 0 5 50 0 0 0 0 0 0\n"); // idle back by 100 s: a new CPU
    assertThat(Exposition.text(collector.collect()))
        .contains("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 0.5")
        .contains("node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.0");
  }

  @Test
  void oshiFallbackExposesTheSameModesWithoutGuest() {
    var processor = new SystemInfo().getHardware().getProcessor();

    String text = Exposition.text(new CpuCollector(processor).collect());

    assertThat(text).contains("node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}")
        .contains("mode=\"steal\"").doesNotContain("node_cpu_guest_seconds_total");
  }
}
