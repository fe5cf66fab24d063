package io.github.microc.exporter.docker.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.watchdog.Decision.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The watchdog's decisions, fed with the events and inspect facts Docker would give. */
class WatchdogPolicyTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String ID = "3f2a1b9c0d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a";

  static WatchdogSettings settings(UnaryOperator<Builder> customize) {
    return customize.apply(new Builder()).build();
  }

  static WatchdogPolicy policy() {
    return new WatchdogPolicy(settings(b -> b));
  }

  /** A watched container "web" that exited with the code at {@code at}. */
  static ContainerFacts exited(long exitCode, Instant at) {
    return facts("web", "exited", exitCode, false, "", "no", at);
  }

  static ContainerFacts facts(String name, String state, long exitCode, boolean oom, String health,
      String restartPolicy, Instant at) {
    return new ContainerFacts(ID, name, Map.of(), state, exitCode, oom, health, restartPolicy,
        false, T0.minusSeconds(3600), state.equals("running") ? null : at);
  }

  static Instant at(double seconds) {
    return T0.plusMillis((long) (seconds * 1000));
  }

  static Map<String, Long> restarts(WatchdogPolicy policy, String name, Instant now) {
    return row(policy, name, now).restarts();
  }

  static WatchdogPolicy.Row row(WatchdogPolicy policy, String name, Instant now) {
    return policy.snapshot(now).stream().filter(r -> r.name().equals(name)).findFirst()
        .orElseThrow();
  }

  /** Lets a due restart go ahead and succeed, as the Docker side does. */
  static void performed(WatchdogPolicy policy, Decision restart, ContainerFacts current,
      Instant now) {
    Optional<Decision> go = policy.beforeRestart(restart, current, now);
    assertThat(go).get().extracting(Decision::action).isEqualTo(Action.RESTART);
    policy.restarted(restart, now);
  }

  @Test
  void diedWithNonZeroExitIsRestarted() {
    WatchdogPolicy policy = policy();
    Decision d = policy.onDie(exited(3, at(1)), at(1)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.RESTART);
    assertThat(d.reason()).isEqualTo("exit_code");
    assertThat(d.exitCode()).isEqualTo(3L);
    assertThat(d.attempt()).isEqualTo(1);
    assertThat(d.delay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.nextBackoff()).isEqualTo(Duration.ofSeconds(4));
    performed(policy, d, exited(3, at(1)), at(3));
    assertThat(restarts(policy, "web", at(3))).containsEntry("exit_code", 1L);
  }

  @Test
  void stoppedByUserIsLeftAlone() {
    // docker stop: kill (signal 15), die, then stop.
    WatchdogPolicy policy = policy();
    assertThat(policy.onKill(ID, "web", Map.of(), "15", at(0))).isEmpty();
    Decision d = policy.onDie(exited(143, at(0.2)), at(0.2)).orElseThrow();
    assertThat(policy.onStop(ID, "web", Map.of(), at(0.3))).isEmpty();

    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("stopped_by_user");
    assertThat(d.detail()).contains("kill signal 15");
    // The sweeps that follow leave it alone too.
    assertThat(policy.onSweep(exited(143, at(0.2)), at(600))).isEmpty();
    assertThat(row(policy, "web", at(600)).skipped()).containsEntry("stopped_by_user", 1L);
  }

  @Test
  void stopThatOutlastsItsGracePeriodIsStillLeftAlone() {
    // docker stop -t 10 on a process that ignores SIGTERM: kill 15, kill 9 ten seconds later.
    WatchdogPolicy policy = policy();
    policy.onKill(ID, "web", Map.of(), "15", at(0));
    policy.onKill(ID, "web", Map.of(), "9", at(10));
    Decision d = policy.onDie(exited(137, at(10.1)), at(10.1)).orElseThrow();

    assertThat(d.reason()).isEqualTo("stopped_by_user");
  }

  @Test
  void killedByUserIsLeftAlone() {
    WatchdogPolicy policy = policy();
    policy.onKill(ID, "web", Map.of(), "9", at(0));
    Decision d = policy.onDie(exited(137, at(0.1)), at(0.1)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("stopped_by_user");
  }

  @Test
  void killLongBeforeTheDieIsNoLongerIntent() {
    // docker kill -s HUP to reload, then a crash much later.
    WatchdogPolicy policy = policy();
    policy.onKill(ID, "web", Map.of(), "1", at(0));
    Decision d = policy.onDie(exited(2, at(3600)), at(3600)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.RESTART);
  }

  @Test
  void exitZeroIsLeftAlone() {
    WatchdogPolicy policy = policy();
    Decision d = policy.onDie(exited(0, at(1)), at(1)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("exit_zero");
  }

  @Test
  void oomKilledIsRestarted() {
    WatchdogPolicy policy = policy();
    policy.onOom(ID, "web", Map.of(), at(0.9));
    Decision d = policy.onDie(facts("web", "exited", 137, true, "", "no", at(1)), at(1))
        .orElseThrow();

    assertThat(d.action()).isEqualTo(Action.RESTART);
    assertThat(d.reason()).isEqualTo("oom");
  }

  @Test
  void oomEventAloneMarksTheDieAsOom() {
    // The container is gone before it could be inspected: only the events tell.
    WatchdogPolicy policy = policy();
    policy.onOom(ID, "web", Map.of(), at(0.9));
    Decision d = policy.onDie(exited(137, at(1)), at(1)).orElseThrow();

    assertThat(d.reason()).isEqualTo("oom");
  }

  @Test
  void unhealthyIsRestarted() {
    WatchdogPolicy policy = policy();
    ContainerFacts sick = facts("web", "running", 0, false, "unhealthy", "always", null);
    Decision d = policy.onUnhealthy(sick, at(1)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.RESTART);
    assertThat(d.reason()).isEqualTo("unhealthy");
    // The same unhealthy run is judged once, whether the event or a sweep reports it.
    assertThat(policy.onSweep(sick, at(2))).isEmpty();
    performed(policy, d, sick, at(3));
    // Our own restart's kill, die and stop are not someone's intent.
    assertThat(policy.onKill(ID, "web", Map.of(), "15", at(3.1))).isEmpty();
    assertThat(policy.onDie(exited(143, at(3.2)), at(3.2))).isEmpty();
    assertThat(policy.onStop(ID, "web", Map.of(), at(3.3))).isEmpty();
    assertThat(policy.onStart(ID, "web", Map.of(), at(3.4))).isEmpty();
    assertThat(restarts(policy, "web", at(4))).containsEntry("unhealthy", 1L);
    assertThat(row(policy, "web", at(4)).skipped()).isEmpty();
  }

  @Test
  void unhealthyThatRecoversBeforeItsRestartIsLeftAlone() {
    WatchdogPolicy policy = policy();
    ContainerFacts sick = facts("web", "running", 0, false, "unhealthy", "no", null);
    Decision d = policy.onUnhealthy(sick, at(1)).orElseThrow();
    ContainerFacts well = facts("web", "running", 0, false, "healthy", "no", null);

    Decision after = policy.beforeRestart(d, well, at(3)).orElseThrow();
    assertThat(after.action()).isEqualTo(Action.SKIP);
    assertThat(after.reason()).isEqualTo("recovered");
  }

  @Test
  void crashLoopBacksOffThenGivesUp() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.maxRestarts(3)
        .initialBackoff(Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(3))));
    double t = 0;
    Duration[] delays = new Duration[3];
    for (int i = 0; i < 3; i++) {
      Decision d = policy.onDie(exited(1, at(t)), at(t)).orElseThrow();
      assertThat(d.action()).isEqualTo(Action.RESTART);
      assertThat(d.attempt()).isEqualTo(i + 1);
      assertThat(row(policy, "web", at(t)).restartDue()).isTrue();
      delays[i] = d.delay();
      t += d.delay().toMillis() / 1000.0;
      performed(policy, d, exited(1, at(t - d.delay().toMillis() / 1000.0)), at(t));
      policy.onStart(ID, "web", Map.of(), at(t));
      t += 0.1;
    }
    assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(3));

    Decision giveUp = policy.onDie(exited(1, at(t)), at(t)).orElseThrow();
    assertThat(giveUp.action()).isEqualTo(Action.GIVE_UP);
    assertThat(giveUp.logLine()).contains("give_up name=web", "attempt=3/3");
    WatchdogPolicy.Row row = row(policy, "web", at(t));
    assertThat(row.gaveUp()).isTrue();
    assertThat(row.restarts()).containsEntry("exit_code", 3L);
    assertThat(row.skipped()).containsEntry("gave_up", 1L);
    // A container started by hand that crashes again stays given up.
    policy.onStart(ID, "web", Map.of(), at(t + 1));
    Decision again = policy.onDie(exited(1, at(t + 2)), at(t + 2)).orElseThrow();
    assertThat(again.action()).isEqualTo(Action.SKIP);
    assertThat(again.reason()).isEqualTo("gave_up");
  }

  @Test
  void gaveUpEndsWhenTheWindowPassesAndTheSweepTriesAgain() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.maxRestarts(1)
        .window(Duration.ofMinutes(10))));
    Decision d = policy.onDie(exited(1, at(0)), at(0)).orElseThrow();
    performed(policy, d, exited(1, at(0)), at(2));
    policy.onStart(ID, "web", Map.of(), at(2));
    assertThat(policy.onDie(exited(1, at(3)), at(3))).get().extracting(Decision::action)
        .isEqualTo(Action.GIVE_UP);
    assertThat(policy.onSweep(exited(1, at(3)), at(60))).isEmpty();

    assertThat(policy.housekeeping(at(599))).isEmpty();
    assertThat(policy.housekeeping(at(603))).singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo("window_passed"));
    assertThat(row(policy, "web", at(603)).gaveUp()).isFalse();
    Decision retry = policy.onSweep(exited(1, at(3)), at(604)).orElseThrow();
    assertThat(retry.action()).isEqualTo(Action.RESTART);
    assertThat(retry.attempt()).isEqualTo(1);
  }

  @Test
  void gaveUpEndsOnceTheContainerRunsHealthyForAWhile() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.maxRestarts(0)
        .healthyAfter(Duration.ofMinutes(5))));
    assertThat(policy.onDie(exited(1, at(0)), at(0))).get().extracting(Decision::action)
        .isEqualTo(Action.GIVE_UP);
    policy.onStart(ID, "web", Map.of(), at(10)); // started by hand

    assertThat(row(policy, "web", at(200)).gaveUp()).isTrue();
    assertThat(row(policy, "web", at(311)).gaveUp()).isFalse();
    assertThat(policy.housekeeping(at(311))).singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo("healthy"));
  }

  @Test
  void aLongHealthyRunResetsTheBackoff() {
    WatchdogPolicy policy = policy();
    Decision first = policy.onDie(exited(1, at(0)), at(0)).orElseThrow();
    performed(policy, first, exited(1, at(0)), at(2));
    policy.onStart(ID, "web", Map.of(), at(2));
    Decision soon = policy.onDie(exited(1, at(5)), at(5)).orElseThrow();
    assertThat(soon.attempt()).isEqualTo(2);
    performed(policy, soon, exited(1, at(5)), at(9));
    policy.onStart(ID, "web", Map.of(), at(9));

    Decision late = policy.onDie(exited(1, at(9 + 301)), at(9 + 301)).orElseThrow();
    assertThat(late.attempt()).isEqualTo(1);
    assertThat(late.delay()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void dryRunRestartsNothingButCounts() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.dryRun(true)));
    Decision d = policy.onDie(exited(1, at(0)), at(0)).orElseThrow();
    assertThat(d.action()).isEqualTo(Action.RESTART);
    assertThat(d.dryRun()).isTrue();
    assertThat(d.logLine()).contains("dry_run=true");

    performed(policy, d, exited(1, at(0)), at(2));
    assertThat(restarts(policy, "web", at(2))).containsEntry("exit_code", 1L);
    // Nothing was started, so the container is still down; that death was judged already.
    assertThat(policy.onSweep(exited(1, at(0)), at(60))).isEmpty();
    // A dry run marks no restart as its own: a kill now is a person's.
    policy.onKill(ID, "web", Map.of(), "15", at(61));
    assertThat(policy.onDie(exited(143, at(61.1)), at(61.1))).get()
        .extracting(Decision::reason).isEqualTo("stopped_by_user");
  }

  @Test
  void unwatchedIsNeverTouched() {
    WatchdogPolicy policy = policy();
    ContainerFacts other = facts("other", "exited", 1, true, "", "no", at(0));
    ContainerFacts sick = facts("other", "running", 0, false, "unhealthy", "no", null);

    assertThat(policy.onKill(ID, "other", Map.of(), "9", at(0))).isEmpty();
    assertThat(policy.onStart(ID, "other", Map.of(), at(0))).isEmpty();
    assertThat(policy.onDie(other, at(1))).isEmpty();
    assertThat(policy.onUnhealthy(sick, at(1))).isEmpty();
    assertThat(policy.onSweep(other, at(2))).isEmpty();
    assertThat(policy.snapshot(at(2))).extracting(WatchdogPolicy.Row::name)
        .containsExactly("web");
  }

  @Test
  void labelledContainerIsWatchedAndForgottenWhenRemoved() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.containers(Set.of())));
    Map<String, String> labels = Map.of("microc.watchdog", "true", "name", "api");
    ContainerFacts api = new ContainerFacts(ID, "api", labels, "exited", 2, false, "", "no",
        false, null, at(0));
    assertThat(policy.isWatched("api", Map.of("microc.watchdog", "false"))).isFalse();

    assertThat(policy.onDie(api, at(0))).get().extracting(Decision::action)
        .isEqualTo(Action.RESTART);
    assertThat(policy.onDestroy(ID, "api", labels)).get()
        .satisfies(d -> assertThat(d.action()).isEqualTo(Action.CANCEL))
        .satisfies(d -> assertThat(d.reason()).isEqualTo("gone"));
    assertThat(policy.snapshot(at(1))).isEmpty();
  }

  @Test
  void restartPolicyIsLeftAloneButUnhealthyIsNot() {
    WatchdogPolicy policy = policy();
    Decision d = policy.onDie(facts("web", "exited", 1, false, "", "on-failure", at(0)), at(0))
        .orElseThrow();
    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("restart_policy");

    Decision sick = policy.onUnhealthy(
        facts("web", "running", 0, false, "unhealthy", "unless-stopped", null), at(5)).orElseThrow();
    assertThat(sick.action()).isEqualTo(Action.RESTART);
  }

  @Test
  void switchedOffReasonIsLeftAlone() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b.restartOnOom(false)));
    Decision d = policy.onDie(facts("web", "exited", 137, true, "", "no", at(0)), at(0))
        .orElseThrow();

    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("reason_disabled");
    assertThat(d.detail()).isEqualTo("restart-on-oom = false");
  }

  @Test
  void startedBySomeoneElseDuringBackoffCancelsTheRestart() {
    WatchdogPolicy policy = policy();
    Decision d = policy.onDie(exited(1, at(0)), at(0)).orElseThrow();
    Decision cancel = policy.onStart(ID, "web", Map.of(), at(1)).orElseThrow();

    assertThat(cancel.action()).isEqualTo(Action.CANCEL);
    assertThat(cancel.reason()).isEqualTo("already_running");
    assertThat(policy.beforeRestart(d, exited(1, at(0)), at(2))).isEmpty();
  }

  @Test
  void aSecondTriggerDuringBackoffAddsNoRestart() {
    WatchdogPolicy policy = policy();
    ContainerFacts sick = facts("web", "running", 0, false, "unhealthy", "no", null);
    policy.onUnhealthy(sick, at(0)).orElseThrow();
    Decision d = policy.onDie(exited(1, at(1)), at(1)).orElseThrow();

    assertThat(d.action()).isEqualTo(Action.SKIP);
    assertThat(d.reason()).isEqualTo("backoff");
  }

  @Test
  void failedRestartIsCountedAndRetriedWithTheNextBackoff() {
    WatchdogPolicy policy = policy();
    Decision d = policy.onDie(exited(1, at(0)), at(0)).orElseThrow();
    assertThat(policy.beforeRestart(d, exited(1, at(0)), at(2))).isPresent();

    Decision retry = policy.restartFailed(d, exited(1, at(0)), "port is already allocated", at(2))
        .orElseThrow();
    assertThat(retry.action()).isEqualTo(Action.RESTART);
    assertThat(retry.trigger()).isEqualTo("retry");
    assertThat(retry.attempt()).isEqualTo(2);
    assertThat(retry.delay()).isEqualTo(Duration.ofSeconds(4));
    assertThat(retry.detail()).contains("port is already allocated");
    assertThat(row(policy, "web", at(2)).failures()).isEqualTo(1);
  }

  @Nested
  class Sweeps {

    @Test
    void sweepRestartsAContainerThatCrashedUnseen() {
      Decision d = policy().onSweep(exited(1, at(0)), at(100)).orElseThrow();

      assertThat(d.action()).isEqualTo(Action.RESTART);
      assertThat(d.trigger()).isEqualTo("sweep");
    }

    @Test
    void sweepPresumesADeathByStopSignalIsOnPurpose() {
      WatchdogPolicy policy = policy();
      Decision d = policy.onSweep(exited(143, at(0)), at(100)).orElseThrow();

      assertThat(d.action()).isEqualTo(Action.SKIP);
      assertThat(d.reason()).isEqualTo("stop_signal");
      assertThat(policy.onSweep(exited(143, at(0)), at(160))).isEmpty();
    }

    @Test
    void sweepBetweenTheKillAndTheDieEventsJudgesTheStopAsTheDieWould() {
      // docker stop: kill (signal 15) seen; the sweep lists the dead container before the die.
      WatchdogPolicy policy = policy();
      policy.onKill(ID, "web", Map.of(), "15", at(0));
      Decision d = policy.onSweep(exited(143, at(1)), at(1.5)).orElseThrow();

      assertThat(d.action()).isEqualTo(Action.SKIP);
      assertThat(d.trigger()).isEqualTo("sweep");
      assertThat(d.reason()).isEqualTo("stopped_by_user");
      assertThat(d.detail()).contains("kill signal 15");
      assertThat(policy.onDie(exited(143, at(1)), at(1.6))).isEmpty();
      assertThat(row(policy, "web", at(2)).skipped()).containsEntry("stopped_by_user", 1L)
          .doesNotContainKey("stop_signal");
    }

    @Test
    void sweepJudgesEachDeathOnce() {
      WatchdogPolicy policy = policy();
      assertThat(policy.onDie(exited(0, at(0)), at(0))).isPresent();

      assertThat(policy.onSweep(exited(0, at(0)), at(60))).isEmpty();
      assertThat(policy.onSweep(exited(0, at(0)), at(120))).isEmpty();
      assertThat(row(policy, "web", at(120)).skipped()).containsEntry("exit_zero", 1L);
    }

    @Test
    void listedNameThatDoesNotExistIsShownAsMissing() {
      WatchdogPolicy policy = policy();
      policy.onListed(Set.of());
      assertThat(row(policy, "web", at(0)).present()).isFalse();

      policy.onSeenRunning(ID, "web", Map.of(), at(1));
      assertThat(row(policy, "web", at(1)).present()).isTrue();
    }
  }

  @Test
  void everyDecisionIsOneLineWithTheKeyFacts() {
    Decision d = policy().onDie(exited(3, at(0)), at(0)).orElseThrow();

    assertThat(d.logLine()).isEqualTo("watchdog restart name=web id=3f2a1b9c0d1e trigger=die"
        + " reason=exit_code exit_code=3 attempt=1/5 delay=2s next_backoff=4s dry_run=false");
    Decision odd = new Decision(Action.SKIP, "web", ID, "die", "gone", null, 0, 5, null, null,
        false, "line one\nline \"two\"", 0);
    assertThat(odd.logLine()).doesNotContain("\n")
        .endsWith("detail=\"line one line 'two'\"");
  }

  @Test
  void backoffDoublesUpToItsMaximum() {
    WatchdogPolicy policy = new WatchdogPolicy(settings(b -> b
        .initialBackoff(Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(3))));

    assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(policy.backoff(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.backoff(4)).isEqualTo(Duration.ofSeconds(3));
    assertThat(policy.backoff(60)).isEqualTo(Duration.ofSeconds(3));
  }

  /** Settings as reference.conf has them, watching "web". */
  static final class Builder {
    Set<String> containers = Set.of("web");
    boolean dryRun;
    boolean restartOnOom = true;
    Duration initialBackoff = Duration.ofSeconds(2);
    Duration maxBackoff = Duration.ofMinutes(2);
    int maxRestarts = 5;
    Duration window = Duration.ofMinutes(10);
    Duration healthyAfter = Duration.ofMinutes(5);

    Builder containers(Set<String> v) { containers = v; return this; }
    Builder dryRun(boolean v) { dryRun = v; return this; }
    Builder restartOnOom(boolean v) { restartOnOom = v; return this; }
    Builder initialBackoff(Duration v) { initialBackoff = v; return this; }
    Builder maxBackoff(Duration v) { maxBackoff = v; return this; }
    Builder maxRestarts(int v) { maxRestarts = v; return this; }
    Builder window(Duration v) { window = v; return this; }
    Builder healthyAfter(Duration v) { healthyAfter = v; return this; }

    WatchdogSettings build() {
      return new WatchdogSettings("", containers, "microc.watchdog", dryRun, true, restartOnOom,
          true, Duration.ofMinutes(2), initialBackoff, maxBackoff, maxRestarts, window,
          healthyAfter, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }
  }
}
