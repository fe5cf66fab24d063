package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpufreqCollectorTest {

  private static final Path CPUS = Path.of("src/test/parity/cpufreq/sys/devices/system/cpu");

  @Test
  void frequenciesRenderInHertzAsNodeExporterDoes() {
    try (CpufreqCollector collector = new CpufreqCollector(CPUS)) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_cpu_frequency_hertz Current cpu thread frequency in hertz.
          # TYPE node_cpu_frequency_hertz gauge
          node_cpu_frequency_hertz{cpu="0"} 2.1E9
          # HELP node_cpu_frequency_max_hertz Maximum cpu thread frequency in hertz.
          # TYPE node_cpu_frequency_max_hertz gauge
          node_cpu_frequency_max_hertz{cpu="0"} 3.6E9
          node_cpu_frequency_max_hertz{cpu="1"} 3.6E9
          node_cpu_frequency_max_hertz{cpu="3"} 2.4E9
          # HELP node_cpu_frequency_min_hertz Minimum cpu thread frequency in hertz.
          # TYPE node_cpu_frequency_min_hertz gauge
          node_cpu_frequency_min_hertz{cpu="0"} 8.0E8
          node_cpu_frequency_min_hertz{cpu="1"} 8.0E8
          node_cpu_frequency_min_hertz{cpu="3"} 1.2E9
          # HELP node_cpu_scaling_frequency_hertz Current scaled CPU thread frequency in hertz.
          # TYPE node_cpu_scaling_frequency_hertz gauge
          node_cpu_scaling_frequency_hertz{cpu="0"} 2.095321E9
          node_cpu_scaling_frequency_hertz{cpu="1"} 3.4E9
          node_cpu_scaling_frequency_hertz{cpu="10"} 1.0E9
          # HELP node_cpu_scaling_frequency_max_hertz Maximum scaled CPU thread frequency in hertz.
          # TYPE node_cpu_scaling_frequency_max_hertz gauge
          node_cpu_scaling_frequency_max_hertz{cpu="0"} 3.6E9
          node_cpu_scaling_frequency_max_hertz{cpu="1"} 3.6E9
          # HELP node_cpu_scaling_frequency_min_hertz Minimum scaled CPU thread frequency in hertz.
          # TYPE node_cpu_scaling_frequency_min_hertz gauge
          node_cpu_scaling_frequency_min_hertz{cpu="0"} 8.0E8
          node_cpu_scaling_frequency_min_hertz{cpu="1"} 8.0E8
          """);
    }
  }

  @Test
  void aMissingGovernorFailsTheCollectionAsInNodeExporter() {
    try (CpufreqCollector collector = new CpufreqCollector(
        Path.of("src/test/parity/cpufreq-no-governor/sys/devices/system/cpu"))) {
      assertThatThrownBy(collector::collect).hasMessageContaining("cpu1/cpufreq/scaling_available_governors");
    }
  }

  @Test
  void aFrequencyThatIsNotADecimalFailsAndACpuGoingOfflineIsLeftOut(@TempDir Path dir) throws IOException {
    Path cpufreq = Files.createDirectories(dir.resolve("cpu0/cpufreq"));
    for (String file : new String[] {"scaling_available_governors", "scaling_driver", "scaling_governor",
        "related_cpus", "scaling_setspeed"}) {
      Files.writeString(cpufreq.resolve(file), "x\n");
    }
    Files.writeString(cpufreq.resolve("scaling_cur_freq"), "<unknown>\n");
    try (CpufreqCollector collector = new CpufreqCollector(dir)) {
      assertThatThrownBy(collector::collect).hasMessageContaining("scaling_cur_freq").hasMessageContaining("<unknown>");

      Files.writeString(cpufreq.resolve("scaling_cur_freq"), "1800000\n");
      assertThat(Exposition.text(collector.collect())).contains("node_cpu_scaling_frequency_hertz{cpu=\"0\"} 1.8E9");

      Files.move(dir.resolve("cpu0"), dir.resolve("offline-cpu0"));
      assertThat(collector.collect()).isEmpty();
    }
  }

  @Test
  void unsignedValuesBeyondLongAreTheNearestDouble() {
    assertThat(CpufreqCollector.unsignedToDouble(-1L)).isEqualTo(1.8446744073709552E19);
    assertThat(CpufreqCollector.unsignedToDouble(2_100_000L)).isEqualTo(2_100_000.0);
  }
}
