package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import io.github.microc.exporter.core.host.TimexCollector.Timex;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;

class TimexCollectorTest {

  /** A chrony-disciplined clock: PLL mode, nanoseconds (STA_PLL | STA_NANO). */
  private static final Timex SYNCED = new Timex(0, -123456, 1_638_400, 16_000, 4_000,
      0x2001, 7, 10_000, 65_536, 2_500, 4, 32_768, 1, 2, 3, 4, 37);

  @Test
  void nanosecondOffsetAndJitterWhenTheStatusSaysNano() {
    String text = Exposition.text(TimexCollector.render(SYNCED));

    assertThat(text).contains(
        "node_timex_sync_status 1.0", "node_timex_offset_seconds -1.23456E-4",
        "node_timex_frequency_adjustment_ratio 1.000025", "node_timex_maxerror_seconds 0.016",
        "node_timex_estimated_error_seconds 0.004", "node_timex_status 8193.0",
        "node_timex_loop_time_constant 7.0", "node_timex_tick_seconds 0.01",
        "node_timex_pps_frequency_hertz 1.0E-6", "node_timex_pps_jitter_seconds 2.5E-6",
        "node_timex_pps_shift_seconds 4.0", "node_timex_pps_stability_hertz 5.0E-7",
        "node_timex_pps_jitter_total 1.0", "node_timex_pps_calibration_total 2.0",
        "node_timex_pps_error_total 3.0", "node_timex_pps_stability_exceeded_total 4.0",
        "node_timex_tai_offset_seconds 37.0");
    assertThat(text).contains("""
        # HELP node_timex_pps_jitter_total Pulse per second count of jitter limit exceeded events.
        # TYPE node_timex_pps_jitter_total counter
        """, """
        # HELP node_timex_sync_status Is clock synchronized to a reliable server (1 = yes, 0 = no).
        # TYPE node_timex_sync_status gauge
        """);
  }

  @Test
  void microsecondsWithoutStaNanoAndTimeErrorIsNotSynchronised() {
    Timex unsynced = new Timex(TimexCollector.TIME_ERROR, -1500, 0, 16_000_000, 16_000_000, 0x40,
        2, 10_000, 0, 2_500, 0, 0, 0, 0, 0, 0, 0);

    String text = Exposition.text(TimexCollector.render(unsynced));

    assertThat(text).contains("node_timex_sync_status 0.0", "node_timex_offset_seconds -0.0015",
        "node_timex_pps_jitter_seconds 0.0025", "node_timex_frequency_adjustment_ratio 1.0",
        "node_timex_maxerror_seconds 16.0");
  }

  @Test
  void theSystemCallAnswersOnThisHost() {
    Timex now = new TimexCollector.Syscall().read();

    assertThat(now.tick()).as("tick: microseconds a clock tick, USER_HZ 100 on Linux").isEqualTo(10_000);
    assertThat(now.state()).isBetween(0, TimexCollector.TIME_ERROR);
    assertThat(Exposition.text(new TimexCollector(new TimexCollector.Syscall()).collect()))
        .contains("node_timex_tick_seconds 0.01");
  }

  @Test
  void notPermittedIsNoDataAndOtherErrorsFail() {
    assertThatThrownBy(() -> new TimexCollector(() -> {
      throw new LastErrorException(1);
    }).collect()).isInstanceOf(NoDataException.class);
    assertThatThrownBy(() -> new TimexCollector(() -> {
      throw new LastErrorException(22);
    }).collect()).isInstanceOf(IllegalStateException.class).hasMessageContaining("errno 22");
  }
}
