package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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

  @Test
  void capturedCpuinfoGivesEachProcessorsInfoAndTheFirstOnesMatchingFlags(@TempDir Path dir) {
    try (CpuCollector collector = new CpuCollector(Fixtures.host().proc("stat"),
        new ProcCpuinfo(Fixtures.host().proc("cpuinfo"), dir.resolve("online"),
            Pattern.compile("^(aes|avx2)$"), Pattern.compile("^spectre_v[12]$")),
        null, false)) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_cpu_info{cachesize=\"491520 KB\",core=\"1\",cpu=\"1\",family=\"6\","
              + "microcode=\"0x1\",model=\"167\",model_name=\"Intel(R) Xeon(R) Processor\",package=\"0\","
              + "stepping=\"1\",vendor=\"GenuineIntel\"} 1")
          .contains("node_cpu_flag_info{flag=\"aes\"} 1", "node_cpu_flag_info{flag=\"avx2\"} 1")
          .doesNotContain("flag=\"avx512f\"")
          .contains("node_cpu_bug_info{bug=\"spectre_v1\"} 1", "node_cpu_bug_info{bug=\"spectre_v2\"} 1")
          .doesNotContain("spectre_v2_user")
          .contains("node_cpu_seconds_total{cpu=\"1\",mode=\"user\"}")
          .doesNotContain("node_cpu_guest_seconds_total");
    }
  }

  @Test
  void cpuinfoIsParsedAgainOnlyWhenTheOnlineCpusChange(@TempDir Path dir) throws IOException {
    Path cpuinfo = dir.resolve("cpuinfo");
    Path online = dir.resolve("online");
    Files.writeString(online, "0\n");
    Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: first\n");
    try (ProcCpuinfo info = new ProcCpuinfo(cpuinfo, online, null, null)) {
      assertThat(Exposition.text(new MetricSnapshots(info.collect()))).contains("model_name=\"first\"");

      Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: second\n");
      assertThat(Exposition.text(new MetricSnapshots(info.collect()))).contains("model_name=\"first\"");

      Files.writeString(online, "0-1\n");
      assertThat(Exposition.text(new MetricSnapshots(info.collect()))).contains("model_name=\"second\"");
    }
  }

  @Test
  void cpuinfoIsReadAsNodeExportersAmd64BuildReadsIt() {
    List<ProcCpuinfo.Processor> processors = ProcCpuinfo.parse("""

        processor\t: 0x1\r
        vendor_id\t: AuthenticAMD\r
        model name\t: AMD EPYC 7B13 \r
        cpuid level\t: 016\r
        flags\t\t: fpu  sse\tsse2\r
        bugs\t\t:\r
        power management: ts ttp\r

        processor\t: 2
        physical id\t: 1
        """);

    assertThat(processors).hasSize(2);
    assertThat(processors.get(0).number).isEqualTo(1);
    assertThat(processors.get(0).fields[ProcCpuinfo.Processor.VENDOR]).isEqualTo("AuthenticAMD");
    assertThat(processors.get(0).fields[ProcCpuinfo.Processor.MODEL_NAME]).isEqualTo("AMD EPYC 7B13 ");
    assertThat(processors.get(0).flags).containsExactly("fpu", "sse", "sse2");
    assertThat(processors.get(0).bugs).isEmpty();
    assertThat(processors.get(1).fields[ProcCpuinfo.Processor.PHYSICAL_ID]).isEqualTo("1");
    assertThat(processors.get(1).fields[ProcCpuinfo.Processor.CORE_ID]).isEmpty();
  }

  @Test
  void aCpuinfoThatIsNotAsExpectedFailsNamingTheLine() {
    assertThatThrownBy(() -> ProcCpuinfo.parse("vendor_id\t: GenuineIntel\nprocessor\t: 0\n"))
        .hasMessageContaining("invalid cpuinfo file: \"vendor_id\t: GenuineIntel\"");
    assertThatThrownBy(() -> ProcCpuinfo.parse("processor\t: 0\ncpu MHz\t\t: fast\n"))
        .hasMessageContaining("cpu MHz\t\t: fast");
    assertThatThrownBy(() -> ProcCpuinfo.parse("processor\t: -1\n")).hasMessageContaining("processor");
    assertThatThrownBy(() -> ProcCpuinfo.parse("processor\t: 4294967296\n")).hasMessageContaining("32-bit");
  }

  @Test
  void throttlesCountTheFirstCpuOfEachCoreAndPackageInNameOrder() {
    try (CpuThrottles throttles = new CpuThrottles(Path.of("src/test/parity/cpu-info/sys/devices/system/cpu"))) {
      assertThat(Exposition.text(new MetricSnapshots(throttles.collect()))).isEqualTo("""
          # HELP node_cpu_core_throttles_total Number of times this CPU core has been throttled.
          # TYPE node_cpu_core_throttles_total counter
          node_cpu_core_throttles_total{core="0",package="0"} 5.0
          node_cpu_core_throttles_total{core="0",package="1"} 0.0
          # HELP node_cpu_package_throttles_total Number of times this CPU package has been throttled.
          # TYPE node_cpu_package_throttles_total counter
          node_cpu_package_throttles_total{package="0"} 12.0
          node_cpu_package_throttles_total{package="1"} 3.0
          """);
    }
  }

  @Test
  void aFlagsIncludePatternTurnsTheInfoOnAsInNodeExporter() {
    try (Microc microc = Microc.builder().environment(Map.of()).plugins(List.of(new CpuCollector.Plugin()))
        .set("microc.collectors.cpu.flags-include", "^fpu$", "test").build()) {
      assertThat(Exposition.text(microc.engine().collect()))
          .contains("node_cpu_info{", "node_cpu_flag_info{flag=\"fpu\"} 1")
          .doesNotContain("node_cpu_bug_info");
    }
  }
}
