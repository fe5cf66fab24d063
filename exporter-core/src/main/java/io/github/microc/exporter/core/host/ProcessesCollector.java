package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Processes and threads by state, and the kernel's limits on them, from every
 * {@code /proc/<pid>/stat} and {@code /proc/<pid>/task/<tid>/stat}. Disabled by default, as in
 * node_exporter: a scrape reads one file per thread of the host.
 *
 * <pre>
 * node_processes_max_processes 32768
 * node_processes_max_threads 192724
 * node_processes_pids 103
 * node_processes_state{state="S"} 59
 * node_processes_threads 241
 * node_processes_threads_state{thread_state="S"} 196
 * </pre>
 *
 * <p>As node_exporter: a process or thread that exits while the scrape reads it is left out (a
 * process whose task directory is gone counts, its threads do not); a process's own thread takes
 * the process's state without a second read. Thread-safe.
 */
public final class ProcessesCollector implements MultiCollector, AutoCloseable {

  private final Path proc;
  private final PseudoFile threadsMax;
  private final PseudoFile pidMax;

  /** Reads the processes of {@code proc}, a Linux procfs. */
  ProcessesCollector(Path proc) {
    this.proc = proc;
    this.threadsMax = new PseudoFile(proc.resolve("sys/kernel/threads-max"));
    this.pidMax = new PseudoFile(proc.resolve("sys/kernel/pid_max"));
  }

  /** What one scrape counted. */
  static final class Counts {
    int pids;
    long threads;
    final Map<String, Integer> states = new TreeMap<>();
    final Map<String, Integer> threadStates = new TreeMap<>();
  }

  @Override
  public MetricSnapshots collect() {
    Counts counts = count();
    List<MetricSnapshot> collected = new ArrayList<>(6);
    try {
      collected.add(MetricFamily.gauge("node_processes_threads", "Allocated threads in system",
          counts.threads));
      collected.add(MetricFamily.gauge("node_processes_max_threads", "Limit of threads in the system",
          HostFiles.parse(threadsMax, Numbers::parseUintFile)));
      MetricFamily states = MetricFamily.gauge("node_processes_state", "Number of processes in each state.",
          "state");
      counts.states.forEach((state, n) -> states.add(n, state));
      collected.add(states.build());
      MetricFamily threadStates = MetricFamily.gauge("node_processes_threads_state",
          "Number of threads in each state.", "thread_state");
      counts.threadStates.forEach((state, n) -> threadStates.add(n, state));
      collected.add(threadStates.build());
      double max = HostFiles.parse(pidMax, Numbers::parseUintFile);
      collected.add(MetricFamily.gauge("node_processes_pids", "Number of PIDs", counts.pids));
      collected.add(MetricFamily.gauge("node_processes_max_processes", "Number of max PIDs limit", max));
    } catch (RuntimeException e) {
      // node_exporter sends each family as it goes and keeps those before a failed read.
      throw new PartialCollectionException(collected, e);
    }
    return new MetricSnapshots(collected);
  }

  /** Lists the processes and reads each one's stat, then its threads'. */
  private Counts count() {
    Counts counts = new Counts();
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc)) {
      for (Path pid : pids) {
        String name = pid.getFileName().toString();
        if (!numeric(name)) {
          continue;
        }
        String stat = readOrNull(pid.resolve("stat"));
        if (stat == null) {
          continue; // gone since the listing
        }
        long[] fields = parseStat(stat, pid);
        String state = String.valueOf((char) fields[0]);
        counts.pids++;
        counts.states.merge(state, 1, Integer::sum);
        counts.threads += fields[1];
        countThreads(pid, name, state, counts);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("unable to list all processes: cannot list " + proc, e);
    }
    return counts;
  }

  private static void countThreads(Path pid, String name, String state, Counts counts) {
    try (DirectoryStream<Path> tids = Files.newDirectoryStream(pid.resolve("task"))) {
      for (Path tid : tids) {
        String id = tid.getFileName().toString();
        if (!numeric(id)) {
          continue;
        }
        if (id.equals(name)) {
          counts.threadStates.merge(state, 1, Integer::sum);
          continue;
        }
        String stat = readOrNull(tid.resolve("stat"));
        if (stat == null) {
          continue; // exited since the listing
        }
        counts.threadStates.merge(String.valueOf((char) parseStat(stat, tid)[0]), 1, Integer::sum);
      }
    } catch (NoSuchFileException e) {
      // The process exited since its stat was read: its threads are not counted, as in node_exporter.
    } catch (IOException e) {
      throw new UncheckedIOException("unable to list all threads for pid: " + name, e);
    }
  }

  /** A file's content, or null when it (or its process) is gone. */
  private static String readOrNull(Path file) {
    try {
      return HostFiles.read(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).contains("No such process")) {
        return null;
      }
      throw new UncheckedIOException("error reading stat for " + file, e);
    }
  }

  private static boolean numeric(String name) {
    if (name.isEmpty() || name.length() > 18) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * The state (a character, as a number) and the thread count of a {@code stat} line
   * ({@code "25494 (cat) R 25492 ... 20 0 1 0 ..."}): the first and eighteenth fields after the
   * command, which is in parentheses and may hold anything, parentheses and spaces included.
   *
   * @throws IllegalArgumentException when the line has no command or too few fields, naming
   *     {@code where}
   */
  static long[] parseStat(String text, Path where) {
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("unexpected format, couldn't extract comm in " + where
          + ": \"" + text.strip() + "\"");
    }
    int end = PseudoFiles.lineEnd(text, close);
    int at = PseudoFiles.skipBlanks(text, close + 1, end);
    long state = PseudoFiles.NOT_A_NUMBER;
    long threads = PseudoFiles.NOT_A_NUMBER;
    for (int field = 1; field <= 18 && at < end; field++) {
      int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
      if (field == 1) {
        state = fieldEnd - at == 1 ? text.charAt(at) : PseudoFiles.NOT_A_NUMBER;
      } else if (field == 18) {
        threads = PseudoFiles.number(text, at, fieldEnd);
      }
      at = PseudoFiles.skipBlanks(text, fieldEnd, end);
    }
    if (state == PseudoFiles.NOT_A_NUMBER || threads == PseudoFiles.NOT_A_NUMBER) {
      throw new IllegalArgumentException("error reading stat for " + where + ": \"" + text.strip() + "\"");
    }
    return new long[] {state, threads};
  }

  @Override
  public void close() {
    threadsMax.close();
    pidMax.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "processes";
    }

    @Override
    public String description() {
      return "Processes and threads by state and their limits, from every /proc/<pid>/stat (node_processes_*).";
    }

    @Override
    public boolean enabledByDefault() {
      return false;
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new ProcessesCollector(context.hostPaths().proc());
    }
  }
}
