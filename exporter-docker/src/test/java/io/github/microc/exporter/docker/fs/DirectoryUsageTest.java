package io.github.microc.exporter.docker.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
      Files.writeString(sub.resolve("f" + i), "x".repeat(i * 50), StandardCharsets.US_ASCII);
    }
    Files.createFile(tree.resolve("empty"));
    Files.createSymbolicLink(tree.resolve("link"), Path.of("big"));
    Files.createLink(tree.resolve("a/hard"), tree.resolve("big"));
  }

  @Test
  void countsWhatDuCounts() throws Exception {
    DirectoryUsage.Usage u = DirectoryUsage.at(tree).walk(tree, far());
    assertThat(u.bytes()).isEqualTo(du("-s", "-B1"));
    assertThat(u.inodes()).isEqualTo(du("-s", "--inodes"));
    assertThat(u.entries()).isEqualTo(308);
  }

  @Test
  void aSparseFileCountsAtItsLength() throws Exception {
    long before = DirectoryUsage.at(tree).walk(tree, far()).bytes();
    try (FileChannel f = FileChannel.open(tree.resolve("sparse"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      f.write(ByteBuffer.wrap(new byte[] {1}), 8L << 20);
    }
    long after = DirectoryUsage.at(tree).walk(tree, far()).bytes();
    assertThat(after - before).as("8 MiB and a byte, rounded up to a block").isEqualTo((8L << 20) + 4096);
    assertThat(du("-s", "-B1")).as("du counts the one block written").isLessThan(before + (1 << 20));
  }

  @Test
  void aWalkPastItsDeadlineIsAbandoned() {
    assertThatThrownBy(() -> DirectoryUsage.at(tree).walk(tree, System.nanoTime() - 1))
        .isInstanceOf(DirectoryUsage.TooLong.class);
  }

  @Test
  void aMissingTreeIsAnError() {
    assertThatThrownBy(() -> DirectoryUsage.at(tree).walk(tree.resolve("gone"), far()))
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
