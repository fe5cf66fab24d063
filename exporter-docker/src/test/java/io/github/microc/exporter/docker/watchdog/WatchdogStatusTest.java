package io.github.microc.exporter.docker.watchdog;

import static io.github.microc.exporter.docker.watchdog.WatchdogPolicyTest.ID;
import static io.github.microc.exporter.docker.watchdog.WatchdogPolicyTest.at;
import static io.github.microc.exporter.docker.watchdog.WatchdogPolicyTest.exited;
import static io.github.microc.exporter.docker.watchdog.WatchdogPolicyTest.row;
import static io.github.microc.exporter.docker.watchdog.WatchdogPolicyTest.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.watchdog.WatchdogStatus.Watch;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the landing page says of each watched container, from the policy's state on a fake clock. */
class WatchdogStatusTest {

  private static Watch watch(WatchdogPolicy policy, String name, Instant now) {
    return WatchdogStatus.of("unix:///var/run/docker.sock", true, policy.settings(),
        policy.snapshot(now), now).byName().get(name);
  }

  @Test
  void aRestartThatIsDueShowsItsReasonAttemptAndWhenItGoesAhead() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b));
    Decision d = policy.onDie(exited(3, at(1)), at(1)).orElseThrow();

    WatchdogPolicy.Row row = row(policy, "web", at(1.5));
    assertThat(row.last()).isEqualTo(d);
    assertThat(row.lastAt()).isEqualTo(at(1));
    assertThat(row.dueAt()).as("decided at 1 s with a 2 s backoff").isEqualTo(at(3));
    Watch w = watch(policy, "web", at(1.5));
    assertThat(w.decision()).isEqualTo("restart due (exit_code, exit 3, attempt 1/5), just now");
    assertThat(w.nextRestart()).isEqualTo("in 1.5s (2026-01-01T00:00:03Z)");
    assertThat(watch(policy, "web", at(4)).nextRestart()).isEqualTo("now (2026-01-01T00:00:03Z)");

    WatchdogPolicyTest.performed(policy, d, exited(3, at(1)), at(3));
    Watch after = watch(policy, "web", at(63));
    assertThat(after.decision()).isEqualTo("restarted (exit_code, exit 3, attempt 1/5), 1m ago");
    assertThat(after.nextRestart()).isEmpty();
    assertThat(after.restarts()).isEqualTo(1);
    assertThat(row(policy, "web", at(63)).lastRestartAt()).isEqualTo(at(3));
  }

  @Test
  void aStopOnPurposeIsLeftAloneWithItsReason() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b));
    policy.onKill(ID, "web", Map.of(), "15", at(0));
    policy.onDie(exited(143, at(1)), at(1));

    assertThat(watch(policy, "web", at(11)).decision())
        .isEqualTo("left alone: stopped_by_user (kill signal 15 1s before), 10s ago");
  }

  @Test
  void givingUpSaysWhyAndWhenItIsWatchedAgain() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.maxRestarts(0)
        .window(Duration.ofMinutes(10)).healthyAfter(Duration.ofMinutes(5))));
    policy.onDie(exited(1, at(0)), at(0));

    Watch w = watch(policy, "web", at(30));
    assertThat(w.decision()).startsWith("gave up: 0 restarts within 10m did not help (exit_code)")
        .endsWith(", 30s ago");
    assertThat(w.nextRestart()).isEqualTo("none before 2026-01-01T00:10:00Z, or once it runs 5m");
    assertThat(row(policy, "web", at(30)).gaveUpUntil()).isEqualTo(at(600));
  }

  @Test
  void aDryRunSaysSoAndAListedNameWithoutContainerIsMissing() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.dryRun(true).containers(Set.of("web", "db"))));
    policy.onDie(exited(1, at(0)), at(0));
    policy.onListed(Set.of("web"));

    assertThat(watch(policy, "web", at(0)).decision())
        .isEqualTo("dry run: restart due (exit_code, exit 1, attempt 1/5), just now");
    Watch db = watch(policy, "db", at(0));
    assertThat(db.present()).isFalse();
    assertThat(db.decision()).isEqualTo("dry run: watched, no such container");
  }
}
