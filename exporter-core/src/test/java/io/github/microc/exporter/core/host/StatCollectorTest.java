package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;
import oshi.SystemInfo;

class StatCollectorTest {

  @Test
  void capturedProcStat() {
    String text = Exposition.text(new StatCollector(Fixtures.host().proc("stat")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_boot_time_seconds Node boot time, in unixtime.
        # TYPE node_boot_time_seconds gauge
        node_boot_time_seconds 1.795290457E9
        # HELP node_context_switches_total Total number of context switches.
        # TYPE node_context_switches_total counter
        node_context_switches_total 956369.0
        # HELP node_forks_total Total number of forks.
        # TYPE node_forks_total counter
        node_forks_total 13970.0
        # HELP node_intr_total Total number of interrupts serviced.
        # TYPE node_intr_total counter
        node_intr_total 365263.0
        # HELP node_procs_blocked Number of processes blocked waiting for I/O to complete.
        # TYPE node_procs_blocked gauge
        node_procs_blocked 0.0
        # HELP node_procs_running Number of processes in runnable state.
        # TYPE node_procs_running gauge
        node_procs_running 8.0
        """);
  }

  @Test
  void missingAndMalformedLinesAreLeftOut() {
    assertThat(StatCollector.parseStat(Fixtures.text("nasty/stat")))
        .containsOnly(entry("intr", 42.0), entry("processes", 77.0));
  }

  @Test
  void oshiFallbackHasBootTime() {
    assertThat(Exposition.text(new StatCollector(new SystemInfo()).collect()))
        .contains("node_boot_time_seconds ").doesNotContain("node_forks_total");
  }
}
