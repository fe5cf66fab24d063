package io.github.microc.exporter.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PseudoFile} on regular files standing in for seq_files, and on this machine's procfs. */
class PseudoFileTest {

  @Test
  void readsTheCurrentContentThroughTheSameDescriptor(@TempDir Path dir) throws IOException {
    Path path = dir.resolve("loadavg");
    Files.writeString(path, "0.42 0.37 0.30 1/123 456\n");
    try (PseudoFile file = new PseudoFile(path)) {
      assertThat(file.read(StandardCharsets.UTF_8)).isEqualTo("0.42 0.37 0.30 1/123 456\n");
      // Rewritten in place, as the kernel regenerates a seq_file on each read from offset 0.
      try (var out = Files.newOutputStream(path, StandardOpenOption.WRITE)) {
        out.write("1.00 0.50 0.25 2/124 457\n".getBytes(StandardCharsets.UTF_8));
      }
      // Removed from the directory: the open descriptor still reads it.
      Files.move(path, dir.resolve("moved"));
      assertThat(file.read(StandardCharsets.UTF_8)).isEqualTo("1.00 0.50 0.25 2/124 457\n");
    }
  }

  @Test
  void contentLargerThanTheBufferIsReadWhole(@TempDir Path dir) throws IOException {
    Path path = dir.resolve("stat");
    String big = "intr 1 2 3 4 5 6 7 8 9\n".repeat(5000);
    Files.writeString(path, big);
    try (PseudoFile file = new PseudoFile(path)) {
      assertThat(file.read(StandardCharsets.UTF_8)).isEqualTo(big);
      assertThat(file.read(StandardCharsets.UTF_8)).isEqualTo(big);
    }
  }

  @Test
  void aMissingFileIsAnErrorUntilItAppears(@TempDir Path dir) throws IOException {
    Path path = dir.resolve("rx_nohandler");
    try (PseudoFile file = new PseudoFile(path)) {
      assertThatThrownBy(() -> file.read(StandardCharsets.UTF_8))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining(path.toString());
      Files.writeString(path, "7\n");
      assertThat(file.read(StandardCharsets.UTF_8)).isEqualTo("7\n");
    }
  }

  @Test
  void afterCloseAReadFails(@TempDir Path dir) throws IOException {
    Path path = dir.resolve("meminfo");
    Files.writeString(path, "MemTotal: 1 kB\n");
    PseudoFile file = new PseudoFile(path);
    file.read(StandardCharsets.UTF_8);
    file.close();

    assertThatThrownBy(() -> file.read(StandardCharsets.UTF_8)).isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void procfsIsGeneratedAfreshOnEveryRead() throws Exception {
    Path stat = Path.of("/proc/self/stat");
    assumeTrue(Files.isReadable(stat), "no procfs here");
    try (PseudoFile file = new PseudoFile(stat)) {
      String before = file.read(StandardCharsets.UTF_8);
      long deadline = System.nanoTime() + 5_000_000_000L;
      String after;
      do {
        burn(); // this process's CPU time, column 14 and on, moves
        after = file.read(StandardCharsets.UTF_8);
      } while (after.equals(before) && System.nanoTime() < deadline);

      assertThat(after).isNotEqualTo(before)
          .startsWith(before.substring(0, before.indexOf(')') + 1));
    }
  }

  @Test
  void aSeqFileOfManyRecordsIsReadPastItsFirstPage() throws Exception {
    // The JVM's memory map has hundreds of lines; procfs hands them out a page a read.
    Path maps = Path.of("/proc/self/maps");
    assumeTrue(Files.isReadable(maps), "no procfs here");
    try (PseudoFile file = new PseudoFile(maps)) {
      String text = file.read(StandardCharsets.UTF_8);
      long lines = Files.readAllLines(maps).size();

      assertThat(text.length()).isGreaterThan(3 * 4096);
      assertThat(text).endsWith("\n");
      // The map moves a little between two reads (threads, the heap): the same order of lines.
      assertThat((double) text.lines().count()).isCloseTo(lines, org.assertj.core.data.Percentage.withPercentage(10));
    }
  }

  private static long sink;

  private static void burn() {
    long end = System.nanoTime() + 20_000_000L;
    while (System.nanoTime() < end) {
      sink += sink * 31 + 7;
    }
  }
}
