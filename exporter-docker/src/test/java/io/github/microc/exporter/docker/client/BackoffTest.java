package io.github.microc.exporter.docker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(3));

  @Test
  void eachFailureDoublesTheWaitUpToTheLongest() {
    assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.delay(4)).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.delay(5)).isEqualTo(Duration.ofSeconds(3));
    assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aSuccessStartsOver() {
    Backoff.Attempts attempts = backoff.attempts();
    assertThat(attempts.failed()).isEqualTo(Duration.ofMillis(250));
    assertThat(attempts.failed()).isEqualTo(Duration.ofMillis(500));
    assertThat(attempts.failures()).isEqualTo(2);
    attempts.succeeded();
    assertThat(attempts.failed()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aFailureThatASoonRetryWillNotMendWaitsAtLeastWhatItAsks() {
    Backoff.Attempts attempts = backoff.attempts();
    assertThat(attempts.failed(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(attempts.failed(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(attempts.failed(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(attempts.failed(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(2));
    assertThat(attempts.failed(Duration.ofMinutes(1))).as("never past the longest")
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aLongestWaitBelowTheFirstIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
