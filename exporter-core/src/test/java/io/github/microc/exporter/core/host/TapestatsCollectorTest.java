package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TapestatsCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void aDrivesStatisticsRenderInSecondsAsNodeExporterDoes() {
    try (TapestatsCollector collector = new TapestatsCollector(PARITY.resolve("tapestats/sys/class/scsi_tape"),
        Pattern.compile("^st1"))) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_tape_io_now The number of I/Os currently outstanding to this device.
          # TYPE node_tape_io_now gauge
          node_tape_io_now{device="st0"} 0.0
          # HELP node_tape_io_others_total The number of I/Os issued to the tape drive other than read or write commands. The time taken to complete these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-write_time_seconds_total
          # TYPE node_tape_io_others_total counter
          node_tape_io_others_total{device="st0"} 12.0
          # HELP node_tape_io_time_seconds_total The amount of time spent waiting for all I/O to complete (including read and write). This includes tape movement commands such as seeking between file or set marks and implicit tape movement such as when rewind on close tape devices are used.
          # TYPE node_tape_io_time_seconds_total counter
          node_tape_io_time_seconds_total{device="st0"} 1.5
          # HELP node_tape_read_bytes_total The number of bytes read from the tape drive.
          # TYPE node_tape_read_bytes_total counter
          node_tape_read_bytes_total{device="st0"} 196608.0
          # HELP node_tape_read_time_seconds_total The amount of time spent waiting for read requests to complete.
          # TYPE node_tape_read_time_seconds_total counter
          node_tape_read_time_seconds_total{device="st0"} 0.5
          # HELP node_tape_reads_completed_total The number of read requests issued to the tape drive.
          # TYPE node_tape_reads_completed_total counter
          node_tape_reads_completed_total{device="st0"} 3.0
          # HELP node_tape_residual_total The number of times during a read or write we found the residual amount to be non-zero. This should mean that a program is issuing a read larger thean the block size on tape. For write not all data made it to tape.
          # TYPE node_tape_residual_total counter
          node_tape_residual_total{device="st0"} 0.0
          # HELP node_tape_write_time_seconds_total The amount of time spent waiting for write requests to complete.
          # TYPE node_tape_write_time_seconds_total counter
          node_tape_write_time_seconds_total{device="st0"} 0.75
          # HELP node_tape_writes_completed_total The number of write requests issued to the tape drive.
          # TYPE node_tape_writes_completed_total counter
          node_tape_writes_completed_total{device="st0"} 1024.0
          # HELP node_tape_written_bytes_total The number of bytes written to the tape drive.
          # TYPE node_tape_written_bytes_total counter
          node_tape_written_bytes_total{device="st0"} 1.073741824E9
          """);
    }
  }

  @Test
  void aDriveWithoutStatsIsNoData() {
    try (TapestatsCollector collector = new TapestatsCollector(PARITY.resolve("tapestats-no-stats/sys/class/scsi_tape"),
        Pattern.compile("^$"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class).hasMessageContaining("st1/stats");
    }
  }
}
