package io.github.microc.exporter.docker.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walk against GNU {@code du} on a real tree: the oracle for blocks and inodes. */
class DirectoryUsageTest {

  @TempDir
  Path tree;

  @BeforeEach
  void makeTree() throws IOException {
    Files.write(tree.resolve("big"), new byte[3 * 1024 * 1024 + 17]);
    Path sub = Files.createDirectories(tree.resolve("a/b/c"));
    for (int i = 0; i < 300; i++) {
      Files.writeString(sub.resolve("f" + i), "x".repeat(i), StandardCharsets.US_ASCII);
    }
    Files.createFile(tree.resolve("empty"));
    Files.createSymbolicLink(tree.resolve("link"), Path.of("big"));
    Files.createLink(tree.resolve("a/hard"), tree.resolve("big"));
    // A sparse file: 8 MiB long, one block written.
    try (var f = java.nio.channels.FileChannel.open(tree.resolve("sparse"),
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      f.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 8L << 20);
    }
  }

  @Test
  void statxCountsWhatDuCounts() throws Exception {
    assertThat(Statx.available()).as("statx in this C library").isTrue();
    DirectoryUsage.Usage u = new DirectoryUsage(FileStats.best()).walk(tree, far());
    assertThat(u.bytes()).isEqualTo(du("-s", "-B1"));
    assertThat(u.inodes()).isEqualTo(du("-s", "--inodes"));
  }

  @Test
  void javasAttributesApproachIt() throws Exception {
    DirectoryUsage.Usage exact = new DirectoryUsage(FileStats.best()).walk(tree, far());
    DirectoryUsage.Usage approx = new DirectoryUsage(FileStats.attributes()).walk(tree, far());
    assertThat(approx.inodes()).isEqualTo(exact.inodes());
    // The sparse file counts at its length: 8 MiB more than its one block.
    assertThat(approx.bytes() - exact.bytes()).isBetween(8L << 20, (8L << 20) + 64 * 1024);
  }

  @Test
  void aWalkPastItsDeadlineIsAbandoned() {
    assertThatThrownBy(() -> new DirectoryUsage(FileStats.best()).walk(tree, System.nanoTime() - 1))
        .isInstanceOf(DirectoryUsage.TooLong.class);
  }

  @Test
  void aMissingTreeIsAnError() {
    assertThatThrownBy(() -> new DirectoryUsage(FileStats.best()).walk(tree.resolve("gone"), far()))
        .isInstanceOf(IOException.class);
  }

  private static long far() {
    return System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
  }

  private long du(String... options) throws Exception {
    String[] command = new String[options.length + 2];
    command[0] = "du";
    System.arraycopy(options, 0, command, 1, options.length);
    command[command.length - 1] = tree.toString();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor()).as(out).isZero();
    return Long.parseLong(out.split("\\s+")[0]);
  }
}
