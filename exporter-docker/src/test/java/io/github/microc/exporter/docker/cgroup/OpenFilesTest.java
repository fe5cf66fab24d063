package io.github.microc.exporter.docker.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenFilesTest {

  @Test
  void readsTheCurrentContentThroughTheSameDescriptor(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("memory.usage_in_bytes");
    Files.writeString(file, "4096\n");
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.read(dir, file.getFileName().toString())).isEqualTo("4096\n");
      // Rewritten in place, as the kernel regenerates a seq_file on each read from offset 0.
      try (var out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.WRITE)) {
        out.write("8192\n".getBytes());
      }
      assertThat(files.read(dir, file.getFileName().toString())).isEqualTo("8192\n");
    }
  }

  @Test
  void contentLargerThanTheBufferIsReadWhole(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("memory.stat");
    String big = "total_cache 1\n".repeat(5000);
    Files.writeString(file, big);
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.read(dir, file.getFileName().toString())).isEqualTo(big);
      assertThat(files.read(dir, file.getFileName().toString())).isEqualTo(big);
    }
  }

  @Test
  void aMissingFileIsAnErrorAndNothingStaysOpen(@TempDir Path dir) {
    try (OpenFiles files = new OpenFiles()) {
      assertThatThrownBy(() -> files.read(dir, "gone")).isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void aMissingOptionalFileIsNotLookedForAgainByTheSameContainerProcess(@TempDir Path dir) throws IOException {
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.readOptional(dir, "memory.swap.current")).isNull();
      Files.writeString(dir.resolve("memory.swap.current"), "0\n");
      assertThat(files.readOptional(dir, "memory.swap.current")).isNull();
    }
    // The container's next process gets new files, which look again.
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.readOptional(dir, "memory.swap.current")).isEqualTo("0\n");
    }
  }

  @Test
  void anOptionalFileThatFailsOtherwiseIsTriedAgain(@TempDir Path dir) throws IOException {
    Path file = Files.createDirectory(dir.resolve("memory.events")); // a read fails: a directory
    try (OpenFiles files = new OpenFiles()) {
      assertThat(files.readOptional(dir, "memory.events")).isNull();
      Files.delete(file);
      Files.writeString(file, "oom 1\n");
      assertThat(files.readOptional(dir, "memory.events")).isEqualTo("oom 1\n");
    }
  }
}
