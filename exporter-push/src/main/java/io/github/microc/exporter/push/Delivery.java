package io.github.microc.exporter.push;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.DoubleSupplier;

/**
 * What to do after an attempt, and how long to wait before the next: no I/O, no clock of its
 * own, so that every decision is tested as it is made.
 *
 * <ul>
 *   <li>2xx: sent.
 *   <li>429 and 5xx, and any failure to get an answer (refused, reset, timed out, TLS): retried,
 *       after a wait that starts at {@code min-backoff} and doubles up to {@code max-backoff},
 *       each wait drawn between half and all of it (jitter, so that many hosts whose receiver
 *       comes back do not all retry at once); a {@code Retry-After} (seconds or an HTTP date)
 *       on a 429 or 503 is honoured, up to {@link #MAX_RETRY_AFTER}.
 *   <li>any other status: dropped, since sending the same bytes again would get the same
 *       answer (Prometheus answers 400 to out-of-order and too old samples).
 * </ul>
 *
 * <p>Not thread-safe: one per endpoint's sender.
 */
final class Delivery {

  /** A receiver's Retry-After beyond this is taken as this. */
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

  /** What an answer means for the batch. */
  enum Verdict { SENT, RETRY, DROP }

  private final Duration min;
  private final Duration max;
  private final DoubleSupplier random;
  private Duration current;

  /** @param random values in [0, 1), such as {@code ThreadLocalRandom.current()::nextDouble} */
  Delivery(Duration min, Duration max, DoubleSupplier random) {
    this.min = min;
    this.max = max;
    this.random = random;
  }

  static Verdict verdict(int status) {
    if (status >= 200 && status < 300) {
      return Verdict.SENT;
    }
    if (status == 429 || status >= 500 && status < 600) {
      return Verdict.RETRY;
    }
    return Verdict.DROP;
  }

  /** After a batch went through (or was dropped): the next failure waits {@code min} again. */
  void reset() {
    current = null;
  }

  /**
   * The wait before the next attempt after a failure.
   *
   * @param retryAfter the answer's Retry-After header, or null
   * @param now for a Retry-After given as a date
   */
  Duration next(String retryAfter, Instant now) {
    current = current == null ? min : min(current.multipliedBy(2), max);
    long nanos = current.toNanos();
    Duration wait = Duration.ofNanos(nanos / 2 + (long) (random.getAsDouble() * (nanos - nanos / 2)));
    Duration asked = retryAfter(retryAfter, now);
    return asked != null && asked.compareTo(wait) > 0 ? asked : wait;
  }

  /** A Retry-After header as a duration: delay-seconds or an HTTP date; null when absent or bad. */
  static Duration retryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.strip();
    Duration wait;
    try {
      wait = Duration.ofSeconds(Long.parseLong(text));
    } catch (NumberFormatException e) {
      try {
        wait = Duration.between(now, ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
    if (wait.isNegative()) {
      return Duration.ZERO;
    }
    return min(wait, MAX_RETRY_AFTER);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
