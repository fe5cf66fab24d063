package io.github.microc.exporter.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import org.junit.jupiter.api.Test;

class MetricFamilyTest {

  @Test
  void aCounterIsExposedUnderTheNameItWasGiven() {
    MetricSnapshot s = MetricFamily.counter("node_cpu_seconds_total", "Seconds.", "cpu", "mode")
        .add(12.5, "0", "idle")
        .add(3, "0", "user")
        .build();

    assertThat(s).isInstanceOf(CounterSnapshot.class);
    assertThat(Exposition.text(MetricSnapshots.of(s))).isEqualTo("""
        # HELP node_cpu_seconds_total Seconds.
        # TYPE node_cpu_seconds_total counter
        node_cpu_seconds_total{cpu="0",mode="idle"} 12.5
        node_cpu_seconds_total{cpu="0",mode="user"} 3.0
        """);
  }

  @Test
  void anUntypedFamilyIsExposedAsUntyped() {
    MetricSnapshot s = MetricFamily.untyped("node_vmstat_pgfault", "/proc/vmstat information field pgfault.", 42);

    assertThat(s).isInstanceOf(UnknownSnapshot.class);
    assertThat(Exposition.text(MetricSnapshots.of(s))).isEqualTo("""
        # HELP node_vmstat_pgfault /proc/vmstat information field pgfault.
        # TYPE node_vmstat_pgfault untyped
        node_vmstat_pgfault 42.0
        """);
  }

  @Test
  void labelsAreSortedByNameWhateverTheOrderTheyWereDeclaredIn() {
    MetricSnapshot s = MetricFamily.gauge("x", "X.", "zone", "app", "mid").add(1, "z", "a", "m").build();

    Labels labels = s.getDataPoints().get(0).getLabels();
    assertThat((Object) labels).isEqualTo(Labels.of("app", "a", "mid", "m", "zone", "z"));
  }

  @Test
  void theFirstSampleOfALabelSetWinsAndANullValueIsEmpty() {
    MetricSnapshot s = MetricFamily.gauge("x", "X.", "a").add(1, "v").add(2, "v").add(3, (String) null)
        .build();

    assertThat(Exposition.text(MetricSnapshots.of(s))).contains("x{a=\"v\"} 1.0", "x{a=\"\"} 3.0")
        .doesNotContain("2.0");
  }

  @Test
  void familiesBuiltAgainAreEqualAndIndependent() {
    MetricSnapshot first = MetricFamily.gauge("x", "X.", "a", "b").add(1, "p", "q").build();
    MetricSnapshot second = MetricFamily.gauge("x", "X.", "a", "b").add(2, "p", "r").build();

    assertThat(first.getMetadata()).isSameAs(second.getMetadata());
    assertThat(Exposition.text(MetricSnapshots.of(first))).contains("x{a=\"p\",b=\"q\"} 1.0");
    assertThat(Exposition.text(MetricSnapshots.of(second))).contains("x{a=\"p\",b=\"r\"} 2.0");
  }

  @Test
  void badNamesAndCountsAreRejectedWithTheName() {
    assertThatThrownBy(() -> MetricFamily.gauge("x", "X.", "__reserved").add(1, "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__reserved");
    assertThatThrownBy(() -> MetricFamily.gauge("x", "X.", "a", "a").add(1, "v", "w"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a");
    assertThatThrownBy(() -> MetricFamily.gauge("x", "X.", "a", "b").add(1, "v"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("x: 2 label values expected, got 1");
    assertThatThrownBy(() -> MetricFamily.counter("x", "X.")).hasMessageContaining("_total");
    assertThatThrownBy(() -> MetricFamily.info("x", "X.")).hasMessageContaining("_info");
  }

  @Test
  void anInfoMetricHasTheValueOne() {
    MetricSnapshot s = MetricFamily.info("node_uname_info", "Uname.", "sysname").addInfo("Linux").build();

    assertThat(Exposition.text(MetricSnapshots.of(s))).contains("node_uname_info{sysname=\"Linux\"} 1");
  }
}
