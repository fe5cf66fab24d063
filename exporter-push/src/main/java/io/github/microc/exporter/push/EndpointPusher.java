package io.github.microc.exporter.push;

import io.github.microc.exporter.push.Delivery.Verdict;
import io.github.microc.exporter.push.EndpointStats.Failure;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's push: every interval a collection (on the push scheduler's thread) becomes a
 * batch; one sender thread of its own sends batches one at a time, oldest first, so that a
 * slow or absent receiver holds up nothing but this sender.
 *
 * <p>A new batch waits in memory for the sender; it goes to the {@link SegmentBuffer} when the
 * sender fails to deliver it, when the next interval's batch comes before it is delivered, and
 * at shutdown, so that no batch stays only in memory for longer than one interval. While the
 * buffer holds batches, the sender sends them first. Every batch has a sequence number, and
 * each one delivered (or rejected) is acknowledged in the buffer by it, wherever it was sent
 * from, so that a batch is never sent twice once delivered.
 */
final class EndpointPusher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EndpointPusher.class);
  /** A failure that does not change is logged again at most this often. */
  private static final long RELOG_MILLIS = Duration.ofMinutes(5).toMillis();

  private final EndpointSettings settings;
  private final Supplier<MetricSnapshots> source;
  private final BatchEncoder encoder;
  private final SegmentBuffer buffer;
  private final RemoteWriteClient client;
  private final EndpointStats stats;
  private final Clock clock;
  private final Delivery delivery;
  private final Thread sender;
  private final Object lock = new Object();
  private final Object tickGuard = new Object();
  private ScheduledFuture<?> ticks;

  /** The newest batch, not in the buffer. Guarded by lock. */
  private Held memory;
  /** Guarded by lock. */
  private long nextSeq;
  /** Guarded by lock. */
  private boolean running = true;

  /** When metadata last went with a batch; the tick thread's. */
  private long metadataSent = Long.MIN_VALUE;
  /** The sender's logging state. */
  private String lastLogged;
  private long lastLogTime;
  private int failedInARow;

  private record Held(long seq, Batch batch) {}

  EndpointPusher(EndpointSettings settings, Supplier<MetricSnapshots> source, Clock clock)
      throws IOException {
    this.settings = settings;
    this.source = source;
    this.clock = clock;
    this.stats = new EndpointStats();
    this.encoder = new BatchEncoder(settings.externalLabels());
    this.delivery = new Delivery(settings.minBackoff(), settings.maxBackoff(),
        () -> ThreadLocalRandom.current().nextDouble());
    this.buffer = SegmentBuffer.open(settings.buffer().dir(), settings.buffer().maxSize(),
        settings.buffer().maxAge(), clock, stats);
    try {
      this.client = new RemoteWriteClient(settings);
    } catch (IOException | RuntimeException e) {
      buffer.close();
      throw e;
    }
    this.nextSeq = buffer.nextSeq();
    this.sender = new Thread(this::send, "microc-push-" + settings.name());
    sender.setDaemon(true);
  }

  /** Starts sending, and collecting every interval from now on. */
  void start(ScheduledExecutorService scheduler) {
    SegmentBuffer.Pending pending = buffer.pending();
    if (pending.batches() > 0) {
      log.info("push {}: {} batches ({} samples) in {} from before, sent first",
          settings.name(), pending.batches(), pending.samples(), buffer.dir());
    }
    sender.start();
    ticks = scheduler.scheduleAtFixedRate(this::tick, 0, settings.interval().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  EndpointSettings settings() {
    return settings;
  }

  EndpointStats stats() {
    return stats;
  }

  SegmentBuffer.Pending pending() {
    return buffer.pending();
  }

  /** One interval: collect, encode, hand to the sender; the batch before goes to disk if unsent. */
  void tick() {
    synchronized (tickGuard) {
      try {
        long now = clock.millis();
        MetricSnapshots snapshots = source.get();
        long every = settings.metadataInterval().toMillis();
        boolean metadata = every > 0 && (metadataSent == Long.MIN_VALUE || now - metadataSent >= every);
        Batch batch = encoder.encode(snapshots, now, metadata);
        if (metadata) {
          metadataSent = now;
        }
        synchronized (lock) {
          if (!running) {
            return;
          }
          if (memory != null) {
            spill();
          }
          memory = new Held(nextSeq++, batch);
          lock.notifyAll();
        }
      } catch (RuntimeException e) {
        log.warn("push {}: collecting failed: {}", settings.name(), e.toString());
      }
    }
  }

  /** Puts the batch in memory into the buffer. Holds lock. */
  private void spill() {
    Held held = memory;
    memory = null;
    try {
      buffer.append(held.seq, held.batch);
    } catch (IOException | RuntimeException e) {
      stats.dropped(Drop.WRITE_FAILED, 1, held.batch.samples());
      log.warn("push {}: cannot write a batch to the buffer in {}: {}; dropped", settings.name(),
          buffer.dir(), e.toString());
    }
  }

  /** The sender thread: oldest first, one at a time, until closed. */
  private void send() {
    long failedSeq = -1;
    while (true) {
      SegmentBuffer.Entry next;
      try {
        next = next();
      } catch (InterruptedException e) {
        return;
      }
      if (next == null) {
        return;
      }
      if (next.seq() == failedSeq) {
        stats.retries.increment();
      }
      long start = System.nanoTime();
      Verdict verdict;
      Failure failure = null;
      String error = null;
      String retryAfter = null;
      try {
        RemoteWriteClient.Answer answer = client.send(next.batch().body());
        verdict = Delivery.verdict(answer.status());
        if (verdict != Verdict.SENT) {
          int status = answer.status();
          failure = status == 429 ? Failure.STATUS_429 : status >= 500 ? Failure.STATUS_5XX
              : Failure.STATUS_4XX;
          error = "HTTP " + status + (answer.body().isEmpty() ? "" : ": " + answer.body());
          retryAfter = status == 429 || status == 503 ? answer.retryAfter() : null;
        }
      } catch (IOException e) {
        verdict = Verdict.RETRY;
        failure = RemoteWriteClient.isTls(e) ? Failure.TLS
            : RemoteWriteClient.isTimeout(e) ? Failure.TIMEOUT : Failure.NETWORK;
        error = e.getMessage();
      } catch (InterruptedException e) {
        return;
      }
      long nanos = System.nanoTime() - start;
      long now = clock.millis();
      if (!isRunning() && verdict == Verdict.RETRY) {
        return;
      }
      switch (verdict) {
        case SENT -> {
          done(next.seq());
          stats.sent(next.batch().samples(), next.batch().body().length, nanos, now);
          delivery.reset();
          recovered();
        }
        case DROP -> {
          done(next.seq());
          String shown = redact(error);
          stats.failed(failure, shown, nanos, now);
          stats.dropped(Drop.REJECTED, 1, next.batch().samples());
          delivery.reset();
          logFailure("rejected a batch of " + next.batch().samples() + " samples, dropped: " + shown, now);
        }
        case RETRY -> {
          String shown = redact(error);
          stats.failed(failure, shown, nanos, now);
          keep(next.seq());
          failedSeq = next.seq();
          failedInARow++;
          logFailure(shown + "; retrying", now);
          if (!pause(delivery.next(retryAfter, clock.instant()))) {
            return;
          }
        }
        default -> throw new IllegalStateException(verdict.toString());
      }
    }
  }

  /** The oldest batch to send, waiting until there is one; null once closed. */
  private SegmentBuffer.Entry next() throws InterruptedException {
    synchronized (lock) {
      while (running) {
        try {
          SegmentBuffer.Entry oldest = buffer.oldest();
          if (oldest != null) {
            return oldest;
          }
        } catch (IOException e) {
          log.warn("push {}: cannot read the buffer in {}: {}", settings.name(), buffer.dir(), e.toString());
          lock.wait(settings.maxBackoff().toMillis());
          continue;
        }
        if (memory != null) {
          return new SegmentBuffer.Entry(memory.seq, memory.batch);
        }
        lock.wait();
      }
      return null;
    }
  }

  /** Delivered or rejected: acknowledged, and no longer held in memory. */
  private void done(long seq) {
    synchronized (lock) {
      try {
        buffer.ack(seq);
      } catch (IOException e) {
        log.warn("push {}: cannot record a sent batch in {}: {}", settings.name(), buffer.dir(), e.toString());
      }
      if (memory != null && memory.seq == seq) {
        memory = null;
      }
    }
  }

  /** Not delivered: if it was in memory, it goes to disk now, before any wait. */
  private void keep(long seq) {
    synchronized (lock) {
      if (memory != null && memory.seq == seq && running) {
        spill();
      }
    }
  }

  /** Waits, unless closed meanwhile; returns whether to go on. */
  private boolean pause(Duration wait) {
    long end = System.nanoTime() + wait.toNanos();
    synchronized (lock) {
      while (running) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        try {
          lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          return false;
        }
      }
      return false;
    }
  }

  private boolean isRunning() {
    synchronized (lock) {
      return running;
    }
  }

  private void logFailure(String message, long now) {
    if (!message.equals(lastLogged) || now - lastLogTime >= RELOG_MILLIS) {
      log.warn("push {} to {}: {}", settings.name(), settings.shownUrl(), message);
      lastLogged = message;
      lastLogTime = now;
    }
  }

  private void recovered() {
    if (failedInARow > 0 || lastLogged != null) {
      SegmentBuffer.Pending pending = buffer.pending();
      log.info("push {} to {}: sending again after {} failed attempts; {} batches to catch up",
          settings.name(), settings.shownUrl(), failedInARow, pending.batches());
    }
    failedInARow = 0;
    lastLogged = null;
  }

  /** A receiver's answer or an error with the endpoint's secrets blanked out. */
  private String redact(String text) {
    if (text == null) {
      return null;
    }
    String shown = text;
    List<String> secrets = client.secrets();
    for (String secret : secrets) {
      shown = shown.replace(secret, "<secret>");
    }
    return shown;
  }

  /**
   * Stops collecting and sending: a request under way is abandoned, and the batch in memory
   * goes to the buffer, to be sent after the next start.
   */
  @Override
  public void close() {
    if (ticks != null) {
      ticks.cancel(false);
    }
    synchronized (tickGuard) {
      synchronized (lock) {
        running = false;
        lock.notifyAll();
      }
    }
    client.abort();
    try {
      sender.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      if (memory != null) {
        spill();
      }
    }
    try {
      buffer.close();
    } catch (IOException e) {
      log.warn("push {}: closing the buffer in {}: {}", settings.name(), buffer.dir(), e.toString());
    }
    client.close();
  }
}
