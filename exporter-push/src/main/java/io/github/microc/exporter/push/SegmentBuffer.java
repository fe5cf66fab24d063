package io.github.microc.exporter.push;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches of one endpoint that are not sent yet, on disk: segment files of records, each
 * a batch with its sequence number, read back oldest first. What was sent is marked by its
 * sequence number in {@code acked}; a segment whose records are all sent is deleted.
 *
 * <pre>
 * dir/lock                       held while open: one process per buffer
 * dir/acked                      the last sequence number sent (with a checksum)
 * dir/00000000000000000042.seg   records from sequence number 42 on
 * </pre>
 *
 * <p>A record is a 32-byte header (magic, body length, sequence number, timestamp, samples,
 * CRC-32C of the rest) and the body. Records go to the page cache as they are appended, so a
 * crash of the process loses nothing written; at open, a record cut short by a crash (or
 * otherwise unreadable) at the end of a segment is detected by its checksum, the segment is
 * truncated there and the loss counted. When the files would grow past {@code maxSize} the
 * oldest segment is deleted, its unsent batches counted as {@link Drop#BUFFER_FULL} (the size
 * counts whole 4 KiB blocks, as a file system allocates them and {@code du} shows); batches
 * older than {@code maxAge} are skipped as {@link Drop#TOO_OLD}.
 *
 * <p>Thread-safe; every method holds the buffer's lock only for its own file I/O.
 */
final class SegmentBuffer implements Closeable {

  /** Told of each batch given up on. */
  interface Drops {
    void dropped(Drop reason, int batches, long samples);
  }

  /** A batch read back from the buffer. */
  record Entry(long seq, Batch batch) {}

  /**
   * What waits in the buffer.
   *
   * @param batches unsent batches
   * @param samples their samples
   * @param bytes the segment files' size on disk
   * @param oldest the oldest unsent batch's timestamp in milliseconds, 0 when none
   */
  record Pending(int batches, long samples, long bytes, long oldest) {}

  static final int HEADER = 32;
  private static final int MAGIC = 0x4d435042; // "MCPB"
  private static final int ACKED_SIZE = 16;
  /** File systems allocate whole blocks: the limit counts them, as du does. */
  private static final long BLOCK = 4096;
  private static final long ACKED_BLOCK = BLOCK;
  private static final String SUFFIX = ".seg";
  private static final long MIN_SEGMENT = 4 * 1024;
  private static final long MAX_SEGMENT = 16L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(SegmentBuffer.class);

  private final Path dir;
  private final long maxSize;
  private final long segmentSize;
  private final Duration maxAge;
  private final Clock clock;
  private final Drops drops;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FileChannel ackedChannel;
  private final Deque<Segment> segments = new ArrayDeque<>();
  private final ByteBuffer ackedBuffer = ByteBuffer.allocate(ACKED_SIZE);
  /** The active segment's channel, open for appending; null until the first append. */
  private FileChannel active;
  /** Every record up to this one is sent (or dropped). */
  private long acked;
  private long lastSeq;
  private long bytes;
  private boolean closed;

  private SegmentBuffer(Path dir, long maxSize, Duration maxAge, Clock clock, Drops drops,
      FileChannel lockChannel, FileLock lock, FileChannel ackedChannel) {
    this.dir = dir;
    this.maxSize = maxSize;
    this.segmentSize = Math.max(MIN_SEGMENT, Math.min(MAX_SEGMENT, maxSize / 16));
    this.maxAge = maxAge;
    this.clock = clock;
    this.drops = drops;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.ackedChannel = ackedChannel;
  }

  /**
   * Opens (creating it if need be) and recovers the buffer in {@code dir}.
   *
   * @throws IOException when the directory cannot be used or another process holds it
   */
  static SegmentBuffer open(Path dir, long maxSize, Duration maxAge, Clock clock, Drops drops)
      throws IOException {
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException(dir + " is in use by another Microc (its lock file is held)");
    }
    FileChannel acked = null;
    try {
      acked = FileChannel.open(dir.resolve("acked"), StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE);
      SegmentBuffer buffer = new SegmentBuffer(dir, maxSize, maxAge, clock, drops, lockChannel,
          lock, acked);
      buffer.recover();
      return buffer;
    } catch (IOException | RuntimeException e) {
      if (acked != null) {
        acked.close();
      }
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  /** The sequence number the next batch should take. */
  synchronized long nextSeq() {
    return Math.max(acked, lastSeq) + 1;
  }

  /**
   * Appends a batch; the oldest segments go first when the files would pass the size limit.
   * A batch larger than the whole limit is itself dropped.
   *
   * @param seq above every sequence number appended or acknowledged before
   */
  synchronized void append(long seq, Batch batch) throws IOException {
    ensureOpen();
    if (seq <= Math.max(acked, lastSeq)) {
      throw new IllegalArgumentException("sequence number " + seq + " after " + Math.max(acked, lastSeq));
    }
    expire();
    long size = HEADER + batch.body().length;
    if (blocks(size) + ACKED_BLOCK > maxSize) {
      drops.dropped(Drop.BUFFER_FULL, 1, batch.samples());
      log.warn("{}: a batch of {} bytes is larger than the buffer's max-size of {} bytes; dropped",
          dir, size, maxSize);
      lastSeq = seq;
      return;
    }
    Segment segment;
    boolean roll;
    while (true) {
      segment = segments.peekLast();
      roll = segment == null || active == null
          || segment.size + size > segmentSize && !segment.records.isEmpty();
      long cost = roll ? blocks(size) : blocks(segment.size + size) - blocks(segment.size);
      if (segments.isEmpty() || usage() + cost <= maxSize) {
        break;
      }
      dropOldestSegment();
    }
    if (roll) {
      segment = startSegment(seq);
    }
    ByteBuffer header = header(seq, batch);
    ByteBuffer body = ByteBuffer.wrap(batch.body());
    long offset = segment.size;
    try {
      long written = 0;
      while (written < size) {
        written += active.write(new ByteBuffer[] {header, body});
      }
    } catch (IOException e) {
      // A part may be on disk; cut it off so that the segment stays readable.
      try {
        active.truncate(offset);
      } catch (IOException ignored) {
        // Recovery at the next start finds the torn record.
      }
      throw e;
    }
    segment.records.add(new Record(seq, batch.timestamp(), batch.samples(), offset, (int) size));
    segment.size += size;
    bytes += size;
    lastSeq = seq;
  }

  /** The oldest batch not sent yet, read from disk; null when there is none. */
  synchronized Entry oldest() throws IOException {
    ensureOpen();
    expire();
    while (true) {
      Record record = firstPending();
      if (record == null) {
        return null;
      }
      Segment segment = segmentOf(record);
      Batch batch = read(segment, record);
      if (batch != null) {
        return new Entry(record.seq, batch);
      }
      log.warn("{}: the record of batch {} in {} is damaged; skipped", dir, record.seq, segment.path.getFileName());
      drops.dropped(Drop.CORRUPT, 1, record.samples);
      advance(record.seq);
    }
  }

  /** Marks every batch up to {@code seq} as sent; deletes the segments that are all sent. */
  synchronized void ack(long seq) throws IOException {
    ensureOpen();
    if (seq > acked) {
      advance(seq);
    }
  }

  /** What waits in the buffer now. */
  synchronized Pending pending() {
    int batches = 0;
    long samples = 0;
    long oldest = 0;
    for (Segment segment : segments) {
      for (Record record : segment.records) {
        if (record.seq > acked) {
          batches++;
          samples += record.samples;
          if (oldest == 0) {
            oldest = record.timestamp;
          }
        }
      }
    }
    return new Pending(batches, samples, bytes, oldest);
  }

  /** Whether any batch waits here. */
  synchronized boolean isEmpty() {
    return firstPending() == null;
  }

  Path dir() {
    return dir;
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (active != null) {
        active.close();
      }
      ackedChannel.close();
    } finally {
      lock.release();
      lockChannel.close();
    }
  }

  // --- internals

  private static long blocks(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  /** The disk the buffer takes: each segment in whole blocks, and the acked file. */
  private long usage() {
    long usage = ACKED_BLOCK;
    for (Segment segment : segments) {
      usage += blocks(segment.size);
    }
    return usage;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException(dir + ": the buffer is closed");
    }
  }

  private Record firstPending() {
    for (Segment segment : segments) {
      for (Record record : segment.records) {
        if (record.seq > acked) {
          return record;
        }
      }
    }
    return null;
  }

  private Segment segmentOf(Record record) {
    for (Segment segment : segments) {
      if (segment.records.contains(record)) {
        return segment;
      }
    }
    throw new IllegalStateException("record " + record.seq + " in no segment");
  }

  /** Skips the batches older than max-age. */
  private void expire() throws IOException {
    long limit = clock.millis() - maxAge.toMillis();
    long last = acked;
    int batches = 0;
    long samples = 0;
    scan:
    for (Segment segment : segments) {
      for (Record record : segment.records) {
        if (record.seq <= acked) {
          continue;
        }
        if (record.timestamp >= limit) {
          break scan;
        }
        last = record.seq;
        batches++;
        samples += record.samples;
      }
    }
    if (batches > 0) {
      drops.dropped(Drop.TOO_OLD, batches, samples);
      log.warn("{}: {} batches older than the buffer's max-age of {} dropped", dir, batches, maxAge);
      advance(last);
    }
  }

  /** Acknowledges up to {@code seq}: persisted while records remain, spent segments deleted. */
  private void advance(long seq) throws IOException {
    acked = Math.max(acked, seq);
    while (!segments.isEmpty()) {
      Segment first = segments.peekFirst();
      boolean spent = first.records.isEmpty() || first.records.get(first.records.size() - 1).seq <= acked;
      if (!spent) {
        break;
      }
      deleteSegment(first);
    }
    if (!segments.isEmpty()) {
      writeAcked();
    }
  }

  private void dropOldestSegment() throws IOException {
    Segment first = segments.peekFirst();
    int batches = 0;
    long samples = 0;
    long last = acked;
    for (Record record : first.records) {
      if (record.seq > acked) {
        batches++;
        samples += record.samples;
        last = record.seq;
      }
    }
    if (batches > 0) {
      drops.dropped(Drop.BUFFER_FULL, batches, samples);
      log.warn("{}: the buffer is full (max-size {} bytes); its oldest {} batches dropped", dir, maxSize, batches);
    }
    acked = Math.max(acked, last);
    deleteSegment(first);
    if (!segments.isEmpty()) {
      writeAcked();
    }
  }

  private void deleteSegment(Segment segment) throws IOException {
    segments.removeFirst();
    if (segments.isEmpty() && active != null) {
      active.close();
      active = null;
    }
    bytes -= segment.size;
    Files.deleteIfExists(segment.path);
  }

  private Segment startSegment(long seq) throws IOException {
    if (active != null) {
      active.close();
      active = null;
    }
    Path path = dir.resolve(String.format("%020d%s", seq, SUFFIX));
    active = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    Segment segment = new Segment(path, seq);
    segment.size = active.size();
    bytes += segment.size;
    segments.addLast(segment);
    return segment;
  }

  private void writeAcked() throws IOException {
    ackedBuffer.clear();
    ackedBuffer.putInt(MAGIC).putLong(acked);
    CRC32C crc = new CRC32C();
    crc.update(ackedBuffer.array(), 0, 12);
    ackedBuffer.putInt((int) crc.getValue());
    ackedBuffer.flip();
    while (ackedBuffer.hasRemaining()) {
      ackedChannel.write(ackedBuffer, ackedBuffer.position());
    }
  }

  private long readAcked() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(ACKED_SIZE);
    while (buffer.hasRemaining() && ackedChannel.read(buffer, buffer.position()) > 0) {
      // read on
    }
    if (buffer.position() < ACKED_SIZE) {
      return 0;
    }
    buffer.flip();
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), 0, 12);
    if (buffer.getInt(0) != MAGIC || buffer.getInt(12) != (int) crc.getValue()) {
      log.warn("{}: its acked file is damaged; every batch in the buffer will be sent", dir);
      return 0;
    }
    return buffer.getLong(4);
  }

  private static ByteBuffer header(long seq, Batch batch) {
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    header.putInt(MAGIC).putInt(batch.body().length).putLong(seq).putLong(batch.timestamp())
        .putInt(batch.samples());
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 8, 20);
    crc.update(batch.body());
    header.putInt((int) crc.getValue());
    header.flip();
    return header;
  }

  /** The record's batch, or null when its bytes do not check out. */
  private Batch read(Segment segment, Record record) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(record.length);
    try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ)) {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, record.offset + buffer.position()) < 0) {
          return null;
        }
      }
    }
    return parse(buffer.array(), 0, record.length);
  }

  /** A record's batch from {@code bytes}, or null when its header or checksum is wrong. */
  private static Batch parse(byte[] bytes, int offset, int available) {
    if (available < HEADER) {
      return null;
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, offset, HEADER);
    if (header.getInt() != MAGIC) {
      return null;
    }
    int length = header.getInt();
    if (length < 0 || length > available - HEADER) {
      return null;
    }
    header.getLong();
    long timestamp = header.getLong();
    int samples = header.getInt();
    int expected = header.getInt();
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset + 8, 20);
    crc.update(bytes, offset + HEADER, length);
    if ((int) crc.getValue() != expected) {
      return null;
    }
    byte[] body = new byte[length];
    System.arraycopy(bytes, offset + HEADER, body, 0, length);
    return new Batch(timestamp, samples, body);
  }

  /**
   * Reads the segments back: each record's header, and the checksum of every record of the
   * last segment, where a crash leaves a torn record. A segment is cut at its first bad record.
   */
  private void recover() throws IOException {
    acked = readAcked();
    TreeMap<Long, Path> found = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          found.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), file);
        } catch (NumberFormatException e) {
          log.warn("{}: {} is not a segment of Microc's; left alone", dir, name);
        }
      }
    }
    long last = acked;
    for (var file : found.entrySet()) {
      boolean isLast = file.getKey().equals(found.lastKey());
      Segment segment = new Segment(file.getValue(), file.getKey());
      scan(segment, isLast);
      if (segment.records.isEmpty()) {
        Files.deleteIfExists(segment.path);
        continue;
      }
      segments.addLast(segment);
      bytes += segment.size;
      last = Math.max(last, segment.records.get(segment.records.size() - 1).seq);
    }
    lastSeq = last;
    // Segments already sent in full (a crash between the last send and the deletion).
    advance(acked);
  }

  private void scan(Segment segment, boolean verify) throws IOException {
    try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long size = channel.size();
      long offset = 0;
      long previous = -1;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      String problem = null;
      while (offset < size) {
        header.clear();
        while (header.hasRemaining() && channel.read(header, offset + header.position()) > 0) {
          // read on
        }
        if (header.hasRemaining()) {
          problem = "a record cut short";
          break;
        }
        int magic = header.getInt(0);
        int length = header.getInt(4);
        long seq = header.getLong(8);
        if (magic != MAGIC || length < 0 || offset + HEADER + length > size || seq <= previous) {
          problem = magic != MAGIC || seq <= previous ? "an unreadable record" : "a record cut short";
          break;
        }
        if (verify) {
          ByteBuffer whole = ByteBuffer.allocate(HEADER + length);
          while (whole.hasRemaining() && channel.read(whole, offset + whole.position()) > 0) {
            // read on
          }
          if (parse(whole.array(), 0, whole.position()) == null) {
            problem = "a record whose checksum does not match";
            break;
          }
        }
        segment.records.add(new Record(seq, header.getLong(16), header.getInt(24), offset, HEADER + length));
        previous = seq;
        offset += HEADER + length;
      }
      if (problem != null) {
        log.warn("{}: {} at byte {} of {} (left by a crash while writing); the {} bytes from"
            + " there are dropped", dir, problem, offset, segment.path.getFileName(), size - offset);
        drops.dropped(Drop.CORRUPT, 1, 0);
        channel.truncate(offset);
      }
      segment.size = offset;
    }
  }

  private record Record(long seq, long timestamp, int samples, long offset, int length) {}

  private static final class Segment {
    final Path path;
    final long firstSeq;
    final List<Record> records = new ArrayList<>();
    long size;

    Segment(Path path, long firstSeq) {
      this.path = path;
      this.firstSeq = firstSeq;
    }
  }
}
