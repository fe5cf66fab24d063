package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcessCollector} against client_java's ProcessMetrics, read in the same process. */
class ProcessCollectorTest {

  @Test
  void sameFamiliesAndValuesAsClientJavasProcessMetrics() {
    PrometheusRegistry ours = new PrometheusRegistry();
    ProcessCollector.register(ours, PrometheusProperties.get());
    PrometheusRegistry theirs = new PrometheusRegistry();
    ProcessMetrics.builder(PrometheusProperties.get()).register(theirs);

    Map<String, MetricSnapshot> a = byName(ours.scrape());
    Map<String, MetricSnapshot> b = byName(theirs.scrape());

    assertThat(a.keySet()).containsExactlyInAnyOrderElementsOf(b.keySet())
        .contains("process_cpu_seconds", "process_resident_memory_bytes", "process_open_fds");
    for (String name : a.keySet()) {
      assertThat(a.get(name).getClass()).as(name).isEqualTo(b.get(name).getClass());
      assertThat(a.get(name).getMetadata().getHelp()).as(name).isEqualTo(b.get(name).getMetadata().getHelp());
      assertThat(a.get(name).getMetadata().getUnit()).as(name).isEqualTo(b.get(name).getMetadata().getUnit());
    }
    assertThat(value(a, "process_start_time_seconds")).isEqualTo(value(b, "process_start_time_seconds"));
    assertThat(value(a, "process_max_fds")).isEqualTo(value(b, "process_max_fds"));
    assertThat(value(a, "process_open_fds")).isCloseTo(value(b, "process_open_fds"), offset(5.0));
    assertThat(value(a, "process_cpu_seconds")).isPositive().isCloseTo(value(b, "process_cpu_seconds"),
        offset(1.0));
    assertThat(value(a, "process_resident_memory_bytes"))
        .isCloseTo(value(b, "process_resident_memory_bytes"), withinPercentage(10));
    assertThat(value(a, "process_virtual_memory_bytes"))
        .isCloseTo(value(b, "process_virtual_memory_bytes"), withinPercentage(10));
  }

  @Test
  void openDescriptorsFollowFilesOpenedAndClosed(@TempDir Path dir) throws IOException {
    PrometheusRegistry ours = new PrometheusRegistry();
    ProcessCollector.register(ours, PrometheusProperties.get());
    Path file = Files.writeString(dir.resolve("f"), "x");
    double before = value(byName(ours.scrape()), "process_open_fds");
    List<FileChannel> open = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        open.add(FileChannel.open(file));
      }
      double during = value(byName(ours.scrape()), "process_open_fds");
      // Other threads of the test JVM may open or close a few meanwhile.
      assertThat(during - before).isCloseTo(300, offset(5.0));
    } finally {
      for (FileChannel channel : open) {
        channel.close();
      }
    }
    assertThat(value(byName(ours.scrape()), "process_open_fds")).isCloseTo(before, offset(5.0));
  }

  @Test
  void parsesSizesFromStatus() {
    String status = "Name:\tjava\nUmask:\t0022\nVmPeak:\t 2000 kB\nVmSize:\t 1347564 kB\nVmLck:\t0 kB\n"
        + "VmHWM:\t 70000 kB\nVmRSS:\t   65268 kB\nRssAnon:\t 34000 kB\n";

    assertThat(ProcessCollector.parseStatus(status)).containsExactly(1347564L, 65268L);
    assertThat(ProcessCollector.parseStatus("Name:\tkthreadd\nVmSize:\n")).containsExactly(-1L, -1L);
  }

  private static Map<String, MetricSnapshot> byName(MetricSnapshots snapshots) {
    Map<String, MetricSnapshot> result = new LinkedHashMap<>();
    snapshots.forEach(s -> result.put(s.getMetadata().getName(), s));
    return result;
  }

  private static double value(Map<String, MetricSnapshot> families, String name) {
    DataPointSnapshot point = families.get(name).getDataPoints().get(0);
    return point instanceof CounterDataPointSnapshot c ? c.getValue() : ((GaugeDataPointSnapshot) point).getValue();
  }
}
