package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Netfilter connection tracking: the table's size and limit from
 * {@code /proc/sys/net/netfilter/nf_conntrack_{count,max}}, and its statistics summed over the
 * CPUs from {@code /proc/net/stat/nf_conntrack}.
 *
 * <pre>
 * node_nf_conntrack_entries 5
 * node_nf_conntrack_entries_limit 262144
 * node_nf_conntrack_stat_drop 0
 * node_nf_conntrack_stat_found 0
 * </pre>
 *
 * <p>Without the conntrack module there are no such files: no data, as node_exporter reports.
 * Thread-safe.
 */
public final class ConntrackCollector implements MultiCollector, AutoCloseable {

  /**
   * The statistics exposed: family suffix, column of {@code nf_conntrack} (the same on every
   * kernel since 2.6.35, which has 17 columns) and help.
   */
  private static final String[][] STATS = {
      {"found", "2", "Number of searched entries which were successful."},
      {"invalid", "4", "Number of packets seen which can not be tracked."},
      {"ignore", "5", "Number of packets seen which are already connected to a conntrack entry."},
      {"insert", "8", "Number of entries inserted into the list."},
      {"insert_failed", "9", "Number of entries for which list insertion was attempted but failed."},
      {"drop", "10", "Number of packets dropped due to conntrack failure."},
      {"early_drop", "11",
          "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."},
      {"search_restart", "16",
          "Number of conntrack table lookups which had to be restarted due to hashtable resizes."},
  };

  private final PseudoFile count;
  private final PseudoFile max;
  private final PseudoFile stat;

  /**
   * Reads {@code netfilter}'s {@code nf_conntrack_count} and {@code nf_conntrack_max} (a Linux
   * {@code /proc/sys/net/netfilter}) and {@code stat}, a Linux {@code /proc/net/stat/nf_conntrack}.
   */
  ConntrackCollector(Path netfilter, Path stat) {
    this.count = new PseudoFile(netfilter.resolve("nf_conntrack_count"));
    this.max = new PseudoFile(netfilter.resolve("nf_conntrack_max"));
    this.stat = new PseudoFile(stat);
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> collected = new ArrayList<>();
    try {
      collected.add(MetricFamily.gauge("node_nf_conntrack_entries",
          "Number of currently allocated flow entries for connection tracking.", readUint(count)));
      collected.add(MetricFamily.gauge("node_nf_conntrack_entries_limit",
          "Maximum size of connection tracking table.", readUint(max)));
      long[] sums = HostFiles.parse(stat, ConntrackCollector::parseStat);
      for (int i = 0; i < STATS.length; i++) {
        collected.add(MetricFamily.gauge("node_nf_conntrack_stat_" + STATS[i][0], STATS[i][2], sums[i]));
      }
    } catch (RuntimeException e) {
      // As node_exporter, what was read before the failure is kept.
      throw collected.isEmpty() ? e : new PartialCollectionException(collected, e);
    }
    return new MetricSnapshots(collected);
  }

  /** A count file; missing means the conntrack module is not loaded: no data. */
  private static double readUint(PseudoFile file) {
    try {
      return Numbers.parseUintFile(file.read(StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new NoDataException("conntrack probably not loaded: " + file + " does not exist");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @Override
  public void close() {
    count.close();
    max.close();
    stat.close();
  }

  /**
   * The statistics of {@code nf_conntrack}, in the order of {@link #STATS}, summed over its lines
   * (one per CPU, hexadecimal columns) after the header.
   *
   * @throws IllegalArgumentException for a line without 17 columns (as node_exporter 1.5), or
   *     one that is not hexadecimal
   */
  static long[] parseStat(String text) {
    long[] sums = new long[STATS.length];
    int[] columns = new int[STATS.length];
    for (int i = 0; i < STATS.length; i++) {
      columns[i] = Integer.parseInt(STATS[i][1]);
    }
    long[] row = new long[17];
    int length = text.length();
    int start = PseudoFiles.lineEnd(text, 0) + 1;
    while (start < length) {
      int end = PseudoFiles.lineEnd(text, start);
      int at = start;
      start = end + 1;
      int n = 0;
      for (at = PseudoFiles.skipBlanks(text, at, end); at < end; at = PseudoFiles.skipBlanks(text, at, end)) {
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        long value = Numbers.hex(text, at, fieldEnd);
        if (value == PseudoFiles.NOT_A_NUMBER) {
          throw new IllegalArgumentException("not hexadecimal in nf_conntrack: \""
              + text.substring(at, fieldEnd) + "\"");
        }
        if (n < row.length) {
          row[n] = value;
        }
        n++;
        at = fieldEnd;
      }
      if (n == 0) {
        continue;
      }
      if (n != row.length) {
        throw new IllegalArgumentException("invalid conntrackstat entry, missing fields: " + n
            + " columns where node_exporter 1.5 expects 17");
      }
      for (int i = 0; i < STATS.length; i++) {
        sums[i] += row[columns[i]];
      }
    }
    return sums;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "conntrack";
    }

    @Override
    public String description() {
      return "Netfilter connection tracking entries, limit and statistics (node_nf_conntrack_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new ConntrackCollector(context.hostPaths().proc("sys", "net", "netfilter"),
          context.hostPaths().proc("net", "stat", "nf_conntrack"));
    }
  }
}
