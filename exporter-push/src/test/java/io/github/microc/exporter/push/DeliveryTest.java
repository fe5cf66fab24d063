package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.push.Delivery.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeliveryTest {

  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void statusesDecideBetweenSentRetriedAndDropped() {
    assertThat(Delivery.verdict(200)).isEqualTo(Verdict.SENT);
    assertThat(Delivery.verdict(204)).isEqualTo(Verdict.SENT);
    assertThat(Delivery.verdict(429)).isEqualTo(Verdict.RETRY);
    assertThat(Delivery.verdict(500)).isEqualTo(Verdict.RETRY);
    assertThat(Delivery.verdict(503)).isEqualTo(Verdict.RETRY);
    assertThat(Delivery.verdict(400)).as("Prometheus's out of order").isEqualTo(Verdict.DROP);
    assertThat(Delivery.verdict(401)).isEqualTo(Verdict.DROP);
    assertThat(Delivery.verdict(404)).isEqualTo(Verdict.DROP);
    assertThat(Delivery.verdict(413)).isEqualTo(Verdict.DROP);
    assertThat(Delivery.verdict(302)).as("redirects are not followed").isEqualTo(Verdict.DROP);
  }

  @Test
  void backoffDoublesFromMinToMaxAndStartsOverAfterASuccess() {
    Delivery delivery = new Delivery(Duration.ofMillis(250), Duration.ofSeconds(5), () -> 0.999999);
    assertThat(waits(delivery, 7)).containsExactly(250L, 500L, 1000L, 2000L, 4000L, 5000L, 5000L);
    delivery.reset();
    assertThat(Math.round(delivery.next(null, NOW).toNanos() / 1e6)).isEqualTo(250);
  }

  @Test
  void jitterDrawsEachWaitBetweenHalfAndAllOfIt() {
    Delivery low = new Delivery(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 0.0);
    assertThat(waits(low, 4)).containsExactly(500L, 1000L, 2000L, 4000L);
    Delivery middle = new Delivery(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 0.5);
    assertThat(waits(middle, 2)).containsExactly(750L, 1500L);
  }

  @Test
  void retryAfterInSecondsOrAsADateIsHonouredWhenLonger() {
    Delivery delivery = new Delivery(Duration.ofMillis(250), Duration.ofSeconds(5), () -> 0.0);
    assertThat(delivery.next("7", NOW)).isEqualTo(Duration.ofSeconds(7));
    assertThat(delivery.next("Tue, 01 Dec 2026 12:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
    assertThat(delivery.next("0", NOW)).as("shorter than the backoff").isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aRetryAfterThatIsGarbageInThePastOrHugeIsTamed() {
    assertThat(Delivery.retryAfter("soon", NOW)).isNull();
    assertThat(Delivery.retryAfter("", NOW)).isNull();
    assertThat(Delivery.retryAfter("Tue, 01 Dec 2026 11:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    assertThat(Delivery.retryAfter("86400", NOW)).isEqualTo(Delivery.MAX_RETRY_AFTER);
  }

  private static long[] waits(Delivery delivery, int n) {
    long[] waits = new long[n];
    for (int i = 0; i < n; i++) {
      waits[i] = Math.round(delivery.next(null, NOW).toNanos() / 1e6);
    }
    return waits;
  }
}
