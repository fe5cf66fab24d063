package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.cgroup.CgroupSpec;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScrapeHistoryTest {

  static final long S = 1_000_000_000L;

  static ContainerInfo info(String id, long pid) {
    return new ContainerInfo(id, "c-" + id, "img", "", Map.of(), "running", pid, 0, 0, false,
        Instant.EPOCH, "", "default", 0, 100_000, 1024, 0, 0);
  }

  /** A scrape's row: the container with this CPU time and working set, under a 256 MiB limit. */
  static ContainerRow row(ContainerInfo c, long cpuNanos, long workingSet) {
    ContainerStats stats = ContainerStats.builder().cpu(cpuNanos, 0, 0)
        .memory(workingSet, workingSet, 0, 0, 0, 0, 256L << 20).build();
    return new ContainerRow(c, stats, null, CgroupSpec.NONE, List.of(), null);
  }

  @Test
  void cpuUseIsOverTheKeptScrapesAndMemoryIsTheLastOnes() {
    ScrapeHistory history = new ScrapeHistory();
    ContainerInfo c = info("a", 10);
    history.record(List.of(row(c, 0, 1 << 20)), 0);
    assertThat(Double.isNaN(history.figures("a", 0).cpuCores())).as("one scrape: no rate yet").isTrue();

    for (int i = 1; i <= 10; i++) {
      // Half a CPU for ten seconds.
      history.record(List.of(row(c, i * S / 2, (1 + i) << 20)), i * S);
    }
    ScrapeHistory.Figures f = history.figures("a", 12 * S);
    assertThat(f.cpuCores()).isEqualTo(0.5);
    assertThat(f.windowNanos()).as("the last %d scrapes", ScrapeHistory.KEPT).isEqualTo((ScrapeHistory.KEPT - 1) * S);
    assertThat(f.workingSet()).isEqualTo(11 << 20);
    assertThat(f.memoryLimit()).isEqualTo(256L << 20);
    assertThat(f.ageNanos()).isEqualTo(2 * S);
  }

  @Test
  void scrapesLessThanASecondApartDoNotShrinkTheWindow() {
    ScrapeHistory history = new ScrapeHistory();
    ContainerInfo c = info("a", 10);
    history.record(List.of(row(c, 0, 1)), 0);
    for (int i = 1; i <= 100; i++) {
      history.record(List.of(row(c, i * S / 100, 1)), i * S / 100);
    }
    ScrapeHistory.Figures f = history.figures("a", S);
    assertThat(f.windowNanos()).isEqualTo(S);
    assertThat(f.cpuCores()).isEqualTo(1.0);
  }

  @Test
  void aRestartStartsTheSamplesAgainAndAContainerGoneIsDropped() {
    ScrapeHistory history = new ScrapeHistory();
    ContainerInfo first = info("a", 10);
    history.record(List.of(row(first, 5 * S, 1), row(info("b", 11), 0, 1)), 0);
    history.record(List.of(row(first, 6 * S, 1), row(info("b", 11), 0, 1)), 2 * S);
    assertThat(history.figures("a", 2 * S).cpuCores()).isEqualTo(0.5);

    ContainerInfo restarted = info("a", 20);
    history.record(List.of(row(restarted, S / 10, 1)), 4 * S);
    assertThat(Double.isNaN(history.figures("a", 4 * S).cpuCores())).isTrue();
    assertThat(history.figures("b", 4 * S)).as("not in the last scrape").isNull();
    assertThat(history.lastScrapeNanos()).isEqualTo(4 * S);
  }
}
