package io.github.microc.exporter.app.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.app.PluginSettings;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.spi.HostPaths;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Microc's side of a plugin's JVM against stand-ins that misbehave as a hostile or broken one
 * could: real processes (bash scripts) speaking, or not speaking, the protocol.
 */
class PluginProcessTest {

  private static final PluginSettings SETTINGS =
      new PluginSettings(PluginSettings.Mode.PROCESS, "32m", List.of(), Duration.ofSeconds(2));
  /** A stand-in's hello: one plugin, "fake". */
  private static final String HELLO = """
      msg=$'plugin\\tfake\\ttrue\\tA fake.\\tfake.Fake\\n'
      printf 'hello 0 0 %d\\n%s' "${#msg}" "$msg"
      """;
  /** Answers create, and each collect with 20 samples of OpenMetrics text, then runs AFTER. */
  private static final String SERVES = HELLO + """
      body="$(printf '# TYPE fake_x gauge\\n'; for i in $(seq 20); do printf 'fake_x{i="%d"} 1.0\\n' "$i"; done; printf '# EOF')"$'\\n'
      while read -r kind id arg len; do
        dd bs=1 count="$len" status=none of=/dev/null
        case $kind in
          create) printf 'created %s 0 0\\n' "$id" ;;
          collect) printf 'metrics %s 3 %d\\n%s' "$id" "${#body}" "$body"; AFTER ;;
        esac
      done
      """;

  private final List<PluginProcess> started = new ArrayList<>();

  @AfterEach
  void close() {
    started.forEach(PluginProcess::close);
  }

  private PluginProcess start(String script) {
    PluginProcess process = PluginProcess.start(Path.of("fake.jar"), SETTINGS, List.of("bash", "-c", script));
    started.add(process);
    return process;
  }

  @Test
  void silentJvmStopsTheStartupAfterTheStartTimeout() {
    assertThatThrownBy(() -> start("sleep 30").hello())
        .isInstanceOf(StartupException.class)
        .hasMessage("plugin jar fake.jar: its JVM did not list its plugins within 2s"
            + " (microc.plugins.process.start-timeout)");
  }

  @Test
  void jvmThatExitsIsReportedWithItsStatusAndLastWords() {
    assertThatThrownBy(() -> start("echo 'boom: the end' >&2; exit 7").hello())
        .isInstanceOf(StartupException.class)
        .hasMessageStartingWith("plugin jar fake.jar: ")
        .hasMessageContaining("exited with status 7")
        .hasMessageContaining("its last words: boom: the end");
  }

  @Test
  void headerThatNeverEndsIsOutOfProtocol() {
    assertThatThrownBy(() -> start("head -c 100000 /dev/zero | tr '\\0' x; sleep 30").hello())
        .hasMessageContaining("answered out of protocol (and was killed): not a frame header: \"xxxxxxxx");
  }

  @Test
  void jvmThatDiesBeforeItsHelloIsReadIsAStartUpErrorAndNotStartedAgain() throws InterruptedException {
    PluginProcess process = start("printf 'nonsense\\n'; sleep 30");
    while (!process.where().endsWith("(not running)")) {
      Thread.sleep(10);
    }

    assertThatThrownBy(process::hello)
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("answered out of protocol (and was killed): not a frame header: \"nonsense\"");
    assertThat(process.restarts()).isZero();
  }

  @Test
  void jvmThatDiesJustAfterItsHelloIsStartedAgainAsAnyOther() throws InterruptedException {
    PluginProcess process = start(HELLO + "exit 0");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (process.restarts() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(process.restarts()).as("started again").isPositive();

    // Its plugins are listed; its collectors are made in the JVM started again.
    assertThat(process.hello()).singleElement().satisfies(f -> assertThat(f[1]).isEqualTo("fake"));
  }

  @Test
  void answerLargerThanTheLimitIsRefusedUnread() {
    assertThatThrownBy(() -> start("printf 'hello 0 0 104857600\\n'; head -c 1000000 /dev/zero; sleep 30").hello())
        .hasMessageContaining("answered out of protocol (and was killed): an answer of 104857600 bytes, more"
            + " than 4194304");
  }

  @Test
  void answerOverMaxSeriesFailsTheCollectionAndTheJvmStays() {
    PluginProcess process = start(SERVES.replace("AFTER", ":"));
    assertThat(process.hello()).singleElement().satisfies(f -> assertThat(f).containsExactly(
        "plugin", "fake", "true", "A fake.", "fake.Fake"));
    assertThat(process.create("fake", "microc.collectors.fake", HostPaths.DEFAULT, ConfigFactory.empty())).isNull();

    assertThatThrownBy(() -> process.collect("fake", 10, Duration.ofSeconds(2)))
        .isInstanceOf(CollectorFailure.class)
        .hasMessage("its answer could not be read: more than 10 samples (max-series)");
    MetricSnapshots snapshots = process.collect("fake", 20, Duration.ofSeconds(2));

    assertThat(snapshots.get(0).getDataPoints()).hasSize(20);
    assertThat(process.threads()).isEqualTo(3);
    assertThat(process.restarts()).isZero();
  }

  @Test
  void jvmThatStopsAnsweringIsKilledAfterTwoUnansweredCollections(@TempDir Path dir) throws Exception {
    // Says hello, creates, then never answers a collection (a JVM wedged, or stopped). The one
    // started again after it answers each collection at once, should this test be slower than
    // its 1 s backoff.
    Path mark = dir.resolve("started-once");
    PluginProcess process = start(HELLO + """
        again=$([ -e 'MARK' ] && echo yes); touch 'MARK'
        read -r kind id arg len; dd bs=1 count="$len" status=none of=/dev/null; printf 'created %s 0 0\\n' "$id"
        [ -n "$again" ] || sleep 60
        msg='the JVM started again'
        while read -r kind id arg len; do printf 'failed %s 0 %d\\n%s' "$id" "${#msg}" "$msg"; done
        """.replace("MARK", mark.toString()));
    process.hello();
    process.create("fake", "microc.collectors.fake", HostPaths.DEFAULT, ConfigFactory.empty());

    for (int i = 0; i < 2; i++) {
      // As the engine does at a collector's timeout: the collecting thread is interrupted.
      Thread collecting = new Thread(() -> assertThatThrownBy(
          () -> process.collect("fake", 10, Duration.ofMillis(200))).hasMessage("interrupted"));
      collecting.start();
      Thread.sleep(200);
      collecting.interrupt();
      collecting.join(2000);
    }

    assertThat(process.restarts()).isEqualTo(1);
    assertThatThrownBy(() -> process.collect("fake", 10, Duration.ofMillis(200)))
        .hasMessageMatching("its JVM (stopped answering \\(two collections of fake in a row had no answer\\)"
            + " \\(starting it again in 1\\.0s\\)|is starting again .*)|the JVM started again");
  }

  @Test
  void collectionStuckForFiveTimeoutsEndsTheJvm() throws Exception {
    // Answers every collection at once: the last one still runs.
    PluginProcess process = start(HELLO + """
        stuck='previous collection still running (it ignored the interrupt)'
        while read -r kind id arg len; do
          dd bs=1 count="$len" status=none of=/dev/null
          case $kind in
            create) printf 'created %s 0 0\\n' "$id" ;;
            collect) printf 'failed %s 1 %d\\n%s' "$id" "${#stuck}" "$stuck" ;;
          esac
        done
        """);
    process.hello();
    process.create("fake", "microc.collectors.fake", HostPaths.DEFAULT, ConfigFactory.empty());

    long start = System.nanoTime();
    while (process.restarts() == 0 && System.nanoTime() - start < Duration.ofSeconds(5).toNanos()) {
      assertThatThrownBy(() -> process.collect("fake", 10, Duration.ofMillis(100)))
          .isInstanceOf(CollectorFailure.class);
      Thread.sleep(50);
    }

    assertThat(process.restarts()).isEqualTo(1);
    // Five timeouts are 0.5 s here; it is not ended before.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
  }

  @Test
  void jvmThatExitsIsStartedAgainAndItsCollectorsCreatedAgain(@TempDir Path dir) throws Exception {
    // The first one exits after its first answer; the next one stays.
    Path mark = dir.resolve("exited-once");
    PluginProcess process = start(SERVES.replace("AFTER", "[ -e '" + mark + "' ] || { touch '" + mark + "'; exit 0; }"));
    process.hello();
    process.create("fake", "microc.collectors.fake", HostPaths.DEFAULT, ConfigFactory.empty());

    assertThat(process.collect("fake", 100, Duration.ofSeconds(2)).get(0).getDataPoints()).hasSize(20);
    // It exits after answering: the next collections fail at once with the reason, until a new
    // one (after 1 s) has said hello and created the collector again.
    List<String> failures = new ArrayList<>();
    MetricSnapshots again = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (again == null && System.nanoTime() < deadline) {
      try {
        again = process.collect("fake", 100, Duration.ofSeconds(2));
      } catch (CollectorFailure e) {
        failures.add(e.getMessage());
        Thread.sleep(100);
      }
    }

    assertThat(again).isNotNull();
    assertThat(failures).anyMatch(f -> f.matches("its JVM exited with status 0 \\(starting it again in 1\\.0s\\)"
        + "|its JVM is starting again \\(it exited with status 0\\)"));
    assertThat(process.restarts()).isEqualTo(1);
  }

  @Test
  void tableOutOfProtocolOrNeverAnsweredFailsThatPageAndTheJvmStays() {
    // Created with two tables; table 0 is answered with text that is not a table, table 1 never.
    PluginProcess process = start(HELLO + """
        while read -r kind id arg len; do
          index=$(dd bs=1 count="$len" status=none)
          case $kind in
            create) printf 'created %s 0 1\\n2' "$id" ;;
            status) [ "$index" = 0 ] && printf 'status %s 0 9\\nnonsense\\n' "$id" ;;
          esac
        done
        """);
    process.hello();
    assertThat(process.create("fake", "microc.collectors.fake", HostPaths.DEFAULT, ConfigFactory.empty())).isNull();
    assertThat(process.tables("fake")).isEqualTo(2);

    assertThatThrownBy(() -> process.status("fake", 0, Duration.ofSeconds(10)))
        .isInstanceOf(CollectorFailure.class)
        .hasMessage("its JVM answered a table out of protocol: not a table line: \"nonsense\"");
    assertThatThrownBy(() -> process.status("fake", 1))
        .isInstanceOf(CollectorFailure.class)
        .hasMessage("its JVM made no table: no answer within 1s");
    assertThat(process.restarts()).isZero();
    assertThat(process.where()).contains("pid");
  }
}
