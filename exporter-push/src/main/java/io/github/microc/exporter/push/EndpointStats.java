package io.github.microc.exporter.push;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one endpoint's sender has done, for its self-metrics and the landing page. Thread-safe:
 * the sender and the collection thread write, scrapes read.
 */
final class EndpointStats implements SegmentBuffer.Drops {

  /** Why an attempt got no usable answer: the {@code reason} label of the failed counter. */
  enum Failure {
    /** Refused, reset or unreachable. */
    NETWORK,
    /** No answer within the timeout. */
    TIMEOUT,
    /** The TLS handshake failed: a certificate not trusted, a name that does not match. */
    TLS,
    /** 429 Too Many Requests. */
    STATUS_429,
    /** A 5xx. */
    STATUS_5XX,
    /** A 4xx other than 429: the batch is dropped. */
    STATUS_4XX;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The endpoint's state as the landing page shows it. */
  enum State { STARTING, OK, RETRYING, REJECTED }

  final LongAdder sentBatches = new LongAdder();
  final LongAdder sentSamples = new LongAdder();
  final LongAdder sentBytes = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder sends = new LongAdder();
  private final Map<Failure, LongAdder> failures = new EnumMap<>(Failure.class);
  private final Map<Drop, LongAdder> droppedBatches = new EnumMap<>(Drop.class);
  private final Map<Drop, LongAdder> droppedSamples = new EnumMap<>(Drop.class);
  /** Milliseconds since the epoch of the last 2xx; 0 before. */
  private final AtomicLong lastSuccess = new AtomicLong();
  private final AtomicLong sendNanos = new AtomicLong();
  private volatile State state = State.STARTING;
  private volatile String lastError;
  private volatile long lastErrorTime;

  EndpointStats() {
    for (Failure f : Failure.values()) {
      failures.put(f, new LongAdder());
    }
    for (Drop d : Drop.values()) {
      droppedBatches.put(d, new LongAdder());
      droppedSamples.put(d, new LongAdder());
    }
  }

  @Override
  public void dropped(Drop reason, int batches, long samples) {
    droppedBatches.get(reason).add(batches);
    droppedSamples.get(reason).add(samples);
  }

  void sent(int samples, int bytes, long nanos, long now) {
    sentBatches.increment();
    sentSamples.add(samples);
    sentBytes.add(bytes);
    took(nanos);
    lastSuccess.set(now);
    state = State.OK;
  }

  void failed(Failure failure, String error, long nanos, long now) {
    failures.get(failure).increment();
    took(nanos);
    lastError = error;
    lastErrorTime = now;
    state = failure == Failure.STATUS_4XX ? State.REJECTED : State.RETRYING;
  }

  private void took(long nanos) {
    sends.increment();
    sendNanos.addAndGet(nanos);
  }

  long failures(Failure f) {
    return failures.get(f).sum();
  }

  long droppedBatches(Drop d) {
    return droppedBatches.get(d).sum();
  }

  long droppedSamples(Drop d) {
    return droppedSamples.get(d).sum();
  }

  long droppedBatches() {
    return droppedBatches.values().stream().mapToLong(LongAdder::sum).sum();
  }

  long lastSuccess() {
    return lastSuccess.get();
  }

  double sendSeconds() {
    return sendNanos.get() / 1e9;
  }

  State state() {
    return state;
  }

  String lastError() {
    return lastError;
  }

  long lastErrorTime() {
    return lastErrorTime;
  }
}
