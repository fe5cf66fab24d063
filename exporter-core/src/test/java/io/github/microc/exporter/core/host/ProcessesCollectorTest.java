package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesCollectorTest {

  /** A stat line of pid {@code pid}, command {@code comm}, state {@code state}, {@code threads} threads. */
  private static String stat(int pid, String comm, char state, int threads) {
    return pid + " (" + comm + ") " + state + " 1 " + pid + " " + pid
        + " 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 " + threads + " 0 199328 3133440 390 18446744073709551615 1 1 0\n";
  }

  private static void process(Path proc, int pid, String comm, char state, String... threads)
      throws IOException {
    Path dir = Files.createDirectories(proc.resolve(String.valueOf(pid)));
    Files.writeString(dir.resolve("stat"), stat(pid, comm, state, threads.length + 1));
    Files.createDirectories(dir.resolve("task").resolve(String.valueOf(pid)));
    for (int i = 0; i < threads.length; i++) {
      Path task = Files.createDirectories(dir.resolve("task").resolve(String.valueOf(pid + 1 + i)));
      Files.writeString(task.resolve("stat"), stat(pid + 1 + i, comm, threads[i].charAt(0), threads.length + 1));
    }
  }

  private static void limits(Path proc) throws IOException {
    Path kernel = Files.createDirectories(proc.resolve("sys/kernel"));
    Files.writeString(kernel.resolve("threads-max"), "192724\n");
    Files.writeString(kernel.resolve("pid_max"), "32768\n");
  }

  @Test
  void processesAndThreadsByStateWithTheLimits(@TempDir Path proc) throws IOException {
    process(proc, 1, "systemd", 'S', "D");
    process(proc, 42, "a (tricky) name", 'R');
    process(proc, 300, "java", 'S', "R", "I");
    Files.createDirectories(proc.resolve("self"));
    Files.createDirectories(proc.resolve("77"));
    Files.writeString(proc.resolve("77/stat"), stat(77, "defunct", 'Z', 1)); // no task directory
    limits(proc);

    String text = Exposition.text(new ProcessesCollector(proc).collect());

    assertThat(text).contains("node_processes_pids 4.0", "node_processes_threads 7.0",
        "node_processes_max_threads 192724.0", "node_processes_max_processes 32768.0",
        "node_processes_state{state=\"R\"} 1.0", "node_processes_state{state=\"S\"} 2.0",
        "node_processes_state{state=\"Z\"} 1.0",
        "node_processes_threads_state{thread_state=\"S\"} 2.0",
        "node_processes_threads_state{thread_state=\"R\"} 2.0",
        "node_processes_threads_state{thread_state=\"D\"} 1.0",
        "node_processes_threads_state{thread_state=\"I\"} 1.0")
        .doesNotContain("thread_state=\"Z\"");
    assertThat(text).contains("""
        # HELP node_processes_threads Allocated threads in system
        # TYPE node_processes_threads gauge
        """);
  }

  @Test
  void thisHostsProcessesAreCountedAndThisOneIsAmongThem() {
    String text = Exposition.text(new ProcessesCollector(Path.of("/proc")).collect());

    assertThat(text).containsPattern("node_processes_pids [1-9][0-9]*\\.0")
        .containsPattern("node_processes_threads_state\\{thread_state=\"R\"} [1-9]");
  }

  @Test
  void theCommandMayHoldParenthesesAndSpaces() {
    long[] fields = ProcessesCollector.parseStat("9 (x) y (z)) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 4 0\n",
        Path.of("9/stat"));

    assertThat(fields).containsExactly('Z', 4);
  }

  @Test
  void aStatWithoutCommandOrWithTooFewFieldsIsAnErrorNamingTheFile() {
    assertThatThrownBy(() -> ProcessesCollector.parseStat("9 x S 1 2\n", Path.of("/proc/9/stat")))
        .hasMessageContaining("/proc/9/stat").hasMessageContaining("comm");
    assertThatThrownBy(() -> ProcessesCollector.parseStat("9 (x) S 1 2\n", Path.of("/proc/9/stat")))
        .hasMessageContaining("/proc/9/stat");
  }

  @Test
  void aMissingLimitKeepsWhatCameBeforeIt(@TempDir Path proc) throws IOException {
    process(proc, 1, "init", 'S');

    assertThatThrownBy(() -> new ProcessesCollector(proc).collect())
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> assertThat(
            Exposition.text(e.collected())).contains("node_processes_threads 1.0")
            .doesNotContain("max_threads"));
  }
}
