package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VmstatCollectorTest {

  private static final Pattern DEFAULT = Pattern.compile("^(oom_kill|pgpg|pswp|pg.*fault).*");

  @Test
  void capturedVmstatWithNodeExportersDefaultFields() {
    VmstatCollector collector = new VmstatCollector(Fixtures.host().proc("vmstat"), DEFAULT);

    assertThat(Exposition.text(collector.collect())).isEqualTo("""
        # HELP node_vmstat_oom_kill /proc/vmstat information field oom_kill.
        # TYPE node_vmstat_oom_kill untyped
        node_vmstat_oom_kill 23.0
        # HELP node_vmstat_pgfault /proc/vmstat information field pgfault.
        # TYPE node_vmstat_pgfault untyped
        node_vmstat_pgfault 1.164856E7
        # HELP node_vmstat_pgmajfault /proc/vmstat information field pgmajfault.
        # TYPE node_vmstat_pgmajfault untyped
        node_vmstat_pgmajfault 1256.0
        # HELP node_vmstat_pgpgin /proc/vmstat information field pgpgin.
        # TYPE node_vmstat_pgpgin untyped
        node_vmstat_pgpgin 1902833.0
        # HELP node_vmstat_pgpgout /proc/vmstat information field pgpgout.
        # TYPE node_vmstat_pgpgout untyped
        node_vmstat_pgpgout 1914664.0
        # HELP node_vmstat_pswpin /proc/vmstat information field pswpin.
        # TYPE node_vmstat_pswpin untyped
        node_vmstat_pswpin 0.0
        # HELP node_vmstat_pswpout /proc/vmstat information field pswpout.
        # TYPE node_vmstat_pswpout untyped
        node_vmstat_pswpout 0.0
        """);
    // A second scrape of the same names reuses what was made of them, with the new values.
    assertThat(Exposition.text(collector.collect())).contains("node_vmstat_oom_kill 23.0");
  }

  @Test
  void theFieldsRegexMatchesAnywhereUnlessAnchored() {
    MetricSnapshots snapshots = new MetricSnapshots(VmstatCollector.parseVmstat(
        "nr_free_pages 5\nnr_dirty 7\npgfault 9\n", VmstatCollector.fields(Pattern.compile("dirty"))));

    assertThat(Exposition.text(snapshots)).contains("node_vmstat_nr_dirty 7.0")
        .doesNotContain("nr_free_pages", "pgfault");
  }

  @Test
  void namesThatMoveOrChangeBetweenReadsAreReadAgain() {
    LineNames<VmstatCollector.Field> fields = VmstatCollector.fields(DEFAULT);
    VmstatCollector.parseVmstat("pgfault 1\npswpin 2\n", fields);

    String text = Exposition.text(new MetricSnapshots(
        VmstatCollector.parseVmstat("pswpin 3\npgmajfault 4\nnr_x 5\n", fields)));

    assertThat(text).contains("node_vmstat_pswpin 3.0", "node_vmstat_pgmajfault 4.0")
        .doesNotContain("pgfault ", "nr_x");
  }

  @Test
  void valuesPastLongMaxFractionsAndLinesWithoutAValue() {
    String text = Exposition.text(new MetricSnapshots(VmstatCollector.parseVmstat(
        "pgfault 18446744073709551615\npgmajfault 1.5e3\npswpin\n\n", VmstatCollector.fields(DEFAULT))));

    assertThat(text).contains("node_vmstat_pgfault 1.8446744073709552E19",
        "node_vmstat_pgmajfault 1500.0").doesNotContain("pswpin");
  }

  @Test
  void aValueThatIsNotANumberFailsTheCollectionKeepingTheFieldsBeforeIt() {
    assertThatThrownBy(() -> VmstatCollector.parseVmstat("nr_free_pages x\npgfault 3\n",
        VmstatCollector.fields(DEFAULT)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"x\"").hasMessageContaining("nr_free_pages");
    assertThatThrownBy(() -> VmstatCollector.parseVmstat("pgfault 3\nnr_free_pages x\npswpin 1\n",
        VmstatCollector.fields(DEFAULT)))
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> assertThat(
            Exposition.text(e.collected())).contains("node_vmstat_pgfault 3.0").doesNotContain("pswpin"));
  }
}
