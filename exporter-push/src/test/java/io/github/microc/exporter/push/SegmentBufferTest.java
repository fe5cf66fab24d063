package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentBufferTest {

  private static final long MIB = 1024 * 1024;

  @TempDir
  Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final Map<Drop, long[]> drops = new EnumMap<>(Drop.class);
  private final SegmentBuffer.Drops counter = (reason, batches, samples) -> {
    long[] counts = drops.computeIfAbsent(reason, r -> new long[2]);
    counts[0] += batches;
    counts[1] += samples;
  };

  private SegmentBuffer open(long maxSize, Duration maxAge) throws IOException {
    return SegmentBuffer.open(dir, maxSize, maxAge, clock, counter);
  }

  private Batch batch(int size, int samples) {
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) samples);
    return new Batch(clock.millis(), samples, body);
  }

  /** Sends everything, oldest first, returning the sequence numbers in order. */
  private static List<Long> drain(SegmentBuffer buffer) throws IOException {
    List<Long> sent = new ArrayList<>();
    for (SegmentBuffer.Entry e = buffer.oldest(); e != null; e = buffer.oldest()) {
      sent.add(e.seq());
      buffer.ack(e.seq());
    }
    return sent;
  }

  @Test
  void batchesComeBackOldestFirstWithTheirBytes() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      for (int i = 1; i <= 5; i++) {
        buffer.append(i, batch(100 * i, i));
        clock.advance(Duration.ofSeconds(15));
      }
      SegmentBuffer.Entry first = buffer.oldest();
      assertThat(first.seq()).isEqualTo(1);
      assertThat(first.batch().body()).hasSize(100).containsOnly((byte) 1);
      assertThat(buffer.pending().batches()).isEqualTo(5);
      assertThat(buffer.pending().samples()).isEqualTo(15);
      assertThat(buffer.pending().oldest()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
      assertThat(drain(buffer)).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(buffer.isEmpty()).isTrue();
      assertThat(buffer.pending()).isEqualTo(new SegmentBuffer.Pending(0, 0, 0, 0));
    }
    assertThat(segments()).as("sent segments are deleted").isEmpty();
  }

  @Test
  void whatWasNotSentSurvivesAReopenAndWhatWasSentIsNotSentAgain() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      for (int i = 1; i <= 4; i++) {
        buffer.append(i, batch(50, i));
      }
      buffer.ack(buffer.oldest().seq());
      buffer.ack(buffer.oldest().seq());
    }
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      assertThat(buffer.nextSeq()).isEqualTo(5);
      assertThat(drain(buffer)).containsExactly(3L, 4L);
    }
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      assertThat(buffer.isEmpty()).isTrue();
      long seq = buffer.nextSeq();
      buffer.append(seq, batch(10, 1));
      assertThat(drain(buffer)).as("a new batch is not taken for a sent one").containsExactly(seq);
    }
  }

  @Test
  void aTornLastRecordIsCutOffCountedAndTheRestIsKept() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      buffer.append(1, batch(300, 1));
      buffer.append(2, batch(300, 2));
    }
    Path segment = segments().get(0);
    long whole = Files.size(segment);
    // A crash in the middle of writing the third record: its header and part of its body.
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(whole);
      file.write(Arrays.copyOf(Files.readAllBytes(segment), SegmentBuffer.HEADER + 100));
    }
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      assertThat(Files.size(segment)).isEqualTo(whole);
      assertThat(drops.get(Drop.CORRUPT)[0]).isEqualTo(1);
      assertThat(drain(buffer)).containsExactly(1L, 2L);
      buffer.append(3, batch(10, 3));
      assertThat(drain(buffer)).containsExactly(3L);
    }
  }

  @Test
  void aFlippedByteInTheLastSegmentIsDetectedByItsChecksum() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      buffer.append(1, batch(300, 1));
      buffer.append(2, batch(300, 2));
    }
    Path segment = segments().get(0);
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(Files.size(segment) - 10);
      file.write(0x55);
    }
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      assertThat(drain(buffer)).containsExactly(1L);
      assertThat(drops.get(Drop.CORRUPT)[0]).isEqualTo(1);
    }
  }

  @Test
  void garbageInPlaceOfASegmentIsNoReasonNotToStart() throws IOException {
    Files.write(dir.resolve("00000000000000000001.seg"), "not a segment at all".getBytes());
    Files.write(dir.resolve("acked"), new byte[] {1, 2, 3});
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      assertThat(buffer.isEmpty()).isTrue();
      buffer.append(buffer.nextSeq(), batch(10, 1));
      assertThat(drain(buffer)).hasSize(1);
    }
  }

  @Test
  void whenFullTheOldestIsDroppedCountedAndTheFilesStayUnderTheLimit() throws IOException {
    long limit = 64 * 1024;
    try (SegmentBuffer buffer = open(limit, Duration.ofHours(1))) {
      for (int i = 1; i <= 40; i++) {
        buffer.append(i, batch(5000, 10));
        assertThat(diskUsage()).as("after batch " + i).isLessThanOrEqualTo(limit);
      }
      List<Long> kept = drain(buffer);
      assertThat(kept).isNotEmpty().endsWith(40L);
      assertThat(kept).isEqualTo(kept.stream().sorted().toList());
      long dropped = drops.get(Drop.BUFFER_FULL)[0];
      assertThat(dropped + kept.size()).isEqualTo(40);
      assertThat(kept.get(0)).isEqualTo(dropped + 1);
      assertThat(drops.get(Drop.BUFFER_FULL)[1]).isEqualTo(dropped * 10);
    }
  }

  @Test
  void aBatchLargerThanTheWholeBufferIsDroppedAlone() throws IOException {
    try (SegmentBuffer buffer = open(32 * 1024, Duration.ofHours(1))) {
      buffer.append(1, batch(100, 1));
      buffer.append(2, batch(64 * 1024, 7));
      assertThat(drops.get(Drop.BUFFER_FULL)).containsExactly(1, 7);
      assertThat(drain(buffer)).containsExactly(1L);
      buffer.append(3, batch(100, 1));
    }
  }

  @Test
  void batchesOlderThanMaxAgeAreSkippedAndCounted() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofMinutes(10))) {
      for (int i = 1; i <= 10; i++) {
        buffer.append(i, batch(10, 2));
        clock.advance(Duration.ofMinutes(2));
      }
      // Now 20 minutes after the first: the first five are older than ten minutes.
      assertThat(drain(buffer)).containsExactly(6L, 7L, 8L, 9L, 10L);
      assertThat(drops.get(Drop.TOO_OLD)).containsExactly(5, 10);
    }
  }

  @Test
  void sequenceNumbersOnlyGoUp() throws IOException {
    try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
      buffer.append(5, batch(10, 1));
      assertThatThrownBy(() -> buffer.append(5, batch(10, 1)))
          .isInstanceOf(IllegalArgumentException.class);
      buffer.ack(7);
      assertThatThrownBy(() -> buffer.append(6, batch(10, 1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(buffer.nextSeq()).isEqualTo(8);
    }
  }

  @Nested
  class Lock {
    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws IOException {
      try (SegmentBuffer buffer = open(MIB, Duration.ofHours(1))) {
        assertThatThrownBy(() -> open(MIB, Duration.ofHours(1)))
            .isInstanceOf(IOException.class).hasMessageContaining("in use by another Microc");
      }
      open(MIB, Duration.ofHours(1)).close();
    }
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  /** The blocks the files take, as du counts them. */
  private long diskUsage() throws IOException {
    long total = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        total += (Files.size(file) + 4095) / 4096 * 4096;
      }
    }
    return total;
  }

  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
