package io.github.microc.exporter.core.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.NoDataException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.ByteOrder;

/**
 * The kernel's clock discipline, from {@code adjtimex(2)} in read-only mode: whether the clock
 * is synchronised, its offset, frequency and error estimates, and the PPS counters.
 *
 * <pre>
 * node_timex_sync_status 1
 * node_timex_offset_seconds -0.000123
 * node_timex_frequency_adjustment_ratio 1.0000123
 * node_timex_maxerror_seconds 0.016
 * node_timex_status 8193
 * node_timex_tick_seconds 0.01
 * </pre>
 *
 * <p>Converted as node_exporter 1.5 converts them: the offset and PPS jitter are nanoseconds
 * when the status has {@code STA_NANO}, microseconds otherwise; the frequencies are parts per
 * million with a 16-bit fraction; the errors and the tick are microseconds; a return value of
 * {@code TIME_ERROR} (5) means not synchronised. A system call, not a file: it is the kernel's
 * clock whatever the host paths. Thread-safe.
 */
public final class TimexCollector implements MultiCollector {

  /** The {@code adjtimex} return value of a clock that is not synchronised. */
  static final int TIME_ERROR = 5;
  /** The status bit saying that offset and jitter are in nanoseconds. */
  static final int STA_NANO = 0x2000;
  private static final int EPERM = 1;
  private static final double PPM16FRAC = 1000000.0 * 65536.0;
  private static final double MICROS = 1_000_000;
  private static final double NANOS = 1_000_000_000;

  /**
   * What {@code adjtimex} returned and the fields of its {@code struct timex} that are exposed.
   */
  record Timex(int state, long offset, long freq, long maxerror, long esterror, int status,
      long constant, long tick, long ppsfreq, long jitter, int shift, long stabil, long jitcnt,
      long calcnt, long errcnt, long stbcnt, int tai) {}

  /** Where a {@link Timex} comes from: the system call, or a test's values. */
  interface Source {
    Timex read() throws LastErrorException;
  }

  private final Source source;

  TimexCollector(Source source) {
    this.source = source;
  }

  @Override
  public MetricSnapshots collect() {
    Timex t;
    try {
      t = source.read();
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EPERM) {
        throw new NoDataException("adjtimex not permitted (errno " + EPERM + ")");
      }
      throw new IllegalStateException("adjtimex failed: errno " + e.getErrorCode(), e);
    }
    return render(t);
  }

  /** The families node_exporter 1.5 makes of one {@code adjtimex} call. */
  static MetricSnapshots render(Timex t) {
    double divisor = (t.status() & STA_NANO) != 0 ? NANOS : MICROS;
    return MetricSnapshots.of(
        MetricFamily.gauge("node_timex_sync_status",
            "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
            t.state() == TIME_ERROR ? 0 : 1),
        MetricFamily.gauge("node_timex_offset_seconds",
            "Time offset in between local system and reference clock.", t.offset() / divisor),
        MetricFamily.gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.",
            1 + t.freq() / PPM16FRAC),
        MetricFamily.gauge("node_timex_maxerror_seconds", "Maximum error in seconds.",
            t.maxerror() / MICROS),
        MetricFamily.gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.",
            t.esterror() / MICROS),
        MetricFamily.gauge("node_timex_status", "Value of the status array bits.", t.status()),
        MetricFamily.gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.",
            t.constant()),
        MetricFamily.gauge("node_timex_tick_seconds", "Seconds between clock ticks.", t.tick() / MICROS),
        MetricFamily.gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.",
            t.ppsfreq() / PPM16FRAC),
        MetricFamily.gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.",
            t.jitter() / divisor),
        MetricFamily.gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.",
            t.shift()),
        MetricFamily.gauge("node_timex_pps_stability_hertz",
            "Pulse per second stability, average of recent frequency changes.", t.stabil() / PPM16FRAC),
        MetricFamily.counter("node_timex_pps_jitter_total",
            "Pulse per second count of jitter limit exceeded events.", t.jitcnt()),
        MetricFamily.counter("node_timex_pps_calibration_total",
            "Pulse per second count of calibration intervals.", t.calcnt()),
        MetricFamily.counter("node_timex_pps_error_total",
            "Pulse per second count of calibration errors.", t.errcnt()),
        MetricFamily.counter("node_timex_pps_stability_exceeded_total",
            "Pulse per second count of stability limit exceeded events.", t.stbcnt()),
        MetricFamily.gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.",
            t.tai()));
  }

  /**
   * {@code adjtimex(2)} with {@code modes = 0} (read only, no privilege needed) through a JNA
   * direct mapping that fills a {@code long[]}: no {@code Structure} reflection on every scrape.
   * Only on 64-bit Linux, where {@code struct timex} is 26 words, each {@code long} field one
   * word and each {@code int} field the first half of one:
   *
   * <pre>
   * modes | offset freq maxerror esterror | status | constant precision tolerance
   * time.tv_sec time.tv_usec | tick ppsfreq jitter | shift | stabil jitcnt calcnt errcnt stbcnt
   * | tai | padding
   * </pre>
   */
  static final class Syscall implements Source {

    private static final int WORDS = 32;
    private static final boolean AVAILABLE = register();

    private static boolean register() {
      if (!Platform.isLinux() || !Platform.is64Bit()) {
        return false;
      }
      try {
        Native.register(Syscall.class, Platform.C_LIBRARY_NAME);
        return true;
      } catch (LinkageError | RuntimeException e) {
        return false;
      }
    }

    private static native int adjtimex(long[] buf) throws LastErrorException;

    static boolean available() {
      return AVAILABLE;
    }

    @Override
    public Timex read() throws LastErrorException {
      long[] w = new long[WORDS];
      int state = adjtimex(w);
      return new Timex(state, w[1], w[2], w[3], w[4], low(w[5]), w[6], w[11], w[12], w[13],
          low(w[14]), w[15], w[16], w[17], w[18], w[19], low(w[20]));
    }

    /** The {@code int} at the start of a word. */
    private static int low(long word) {
      return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? (int) word : (int) (word >>> 32);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "timex";
    }

    @Override
    public String description() {
      return "Clock synchronisation state, offset and frequency from adjtimex(2) (node_timex_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      if (!Syscall.available()) {
        throw new IllegalStateException("adjtimex is called on 64-bit Linux only");
      }
      return new TimexCollector(new Syscall());
    }
  }
}
