package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * bcache cache sets from {@code /sys/fs/bcache/<uuid>}, as node_exporter 1.5 reads them: the
 * set's btree and journal, each backing device's dirty data, writeback controller and totals,
 * each cache device's writes and errors.
 *
 * <pre>
 * node_bcache_btree_cache_size_bytes{uuid="deaddd54-…"} 7.544832e+06
 * node_bcache_dirty_data_bytes{backing_device="bdev0",uuid="deaddd54-…"} 2.122317824e+09
 * node_bcache_written_bytes_total{cache_device="cache0",uuid="deaddd54-…"} 5.78813952e+09
 * </pre>
 *
 * <p>The kernel writes sizes in {@code bch_hprint}'s human form ({@code 7.2M}, {@code 20.4G}),
 * read back as node_exporter's library reads it: the digits after the point are 1024ths of
 * the unit written in tenths ({@code 1.10G} is more than {@code 1.9G}), the last byte of each
 * file is dropped as its newline. Every file is required: one missing or not a number fails
 * the collection. {@code priority-stats} ({@code --collector.bcache.priorityStats}) adds each
 * cache device's {@code priority_stats}, which the kernel computes by walking every bucket, so
 * it is off by default. No {@code /sys/fs/bcache} is nothing, and no error. Thread-safe.
 */
public final class BcacheCollector implements MultiCollector, AutoCloseable {

  private static final String[] PERIOD = {"bypassed", "cache_bypass_hits", "cache_bypass_misses",
      "cache_hits", "cache_miss_collisions", "cache_misses", "cache_readaheads"};

  private final Path bcache;
  private final boolean priorityStats;
  private final KeptFiles files = new KeptFiles();

  /** @param bcache {@code /sys/fs/bcache} */
  BcacheCollector(Path bcache, boolean priorityStats) {
    this.bcache = bcache;
    this.priorityStats = priorityStats;
  }

  /** One metric of a cache set: its name, HELP, type, value and the device label it has, if any. */
  private record Value(String name, String help, boolean counter, double value, String label,
      String device) {}

  @Override
  public synchronized MetricSnapshots collect() {
    files.begin();
    try {
      return collectSets();
    } finally {
      files.end();
    }
  }

  private MetricSnapshots collectSets() {
    Map<String, MetricFamily> families = new LinkedHashMap<>();
    for (Path set : GoGlob.matches(bcache, name -> name.indexOf('-') >= 0)) {
      String uuid = set.getFileName().toString();
      for (Value v : readSet(set)) {
        MetricFamily family = families.computeIfAbsent(v.name(), n -> v.label() == null
            ? (v.counter() ? MetricFamily.counter(n, v.help(), "uuid") : MetricFamily.gauge(n, v.help(), "uuid"))
            : (v.counter() ? MetricFamily.counter(n, v.help(), "uuid", v.label())
                : MetricFamily.gauge(n, v.help(), "uuid", v.label())));
        if (v.label() == null) {
          family.add(v.value(), uuid);
        } else {
          family.add(v.value(), uuid, v.device());
        }
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>(families.size());
    families.values().forEach(f -> snapshots.add(f.build()));
    return new MetricSnapshots(snapshots);
  }

  /**
   * A cache set's values, read in node_exporter's library's order.
   *
   * @throws IllegalArgumentException naming the file that is missing or not a number
   */
  List<Value> readSet(Path set) {
    Reader r = new Reader(set, files);
    List<Value> values = new ArrayList<>();
    values.add(gauge("average_key_size_sectors", "Average data per key in the btree (sectors).",
        r.value("average_key_size")));
    values.add(gauge("btree_cache_size_bytes", "Amount of memory currently used by the btree cache.",
        r.value("btree_cache_size")));
    values.add(gauge("cache_available_percent", "Percentage of cache device without dirty data, "
        + "usable for writeback (may contain clean cached data).", r.value("cache_available_percent")));
    values.add(gauge("congested", "Congestion.", r.value("congested")));
    values.add(gauge("root_usage_percent",
        "Percentage of the root btree node in use (tree depth increases if too high).",
        r.value("root_usage_percent")));
    values.add(gauge("tree_depth", "Depth of the btree.", r.value("tree_depth")));
    values.add(gauge("active_journal_entries", "Number of journal entries that are newer than the index.",
        r.value("internal/active_journal_entries")));
    values.add(gauge("btree_nodes", "Total nodes in the btree.", r.value("internal/btree_nodes")));
    values.add(gauge("btree_read_average_duration_seconds", "Average btree read duration.",
        r.value("internal/btree_read_average_duration_us") * 1e-9));
    values.add(new Value("node_bcache_cache_read_races_total", "Counts instances where while data "
        + "was being read from the cache, the bucket was reused and invalidated - i.e. where the "
        + "pointer was stale after the read completed.", true,
        r.value("internal/cache_read_races"), null, null));
    for (String period : new String[] {"stats_five_minute", "stats_total"}) {
      for (String file : PERIOD) {
        r.value(period + "/" + file); // read and checked, not exposed for the set
      }
    }
    for (Path bdev : GoGlob.matches(set, name -> name.matches("bdev[0-9].*"))) {
      String name = bdev.getFileName().toString();
      double dirty = r.value(name + "/dirty_data");
      double[] debug = r.writebackRateDebug(name + "/writeback_rate_debug");
      for (String file : PERIOD) {
        r.value(name + "/stats_five_minute/" + file);
      }
      double[] total = new double[PERIOD.length];
      for (int i = 0; i < PERIOD.length; i++) {
        total[i] = r.value(name + "/stats_total/" + PERIOD[i]);
      }
      values.add(device("dirty_data_bytes", "Amount of dirty data for this backing device in the cache.",
          false, dirty, "backing_device", name));
      values.add(device("dirty_target_bytes", "Current dirty data target threshold for this backing device in bytes.", false,
          debug[2], "backing_device", name));
      values.add(device("writeback_rate", "Current writeback rate for this backing device in bytes.", false, debug[0],
          "backing_device", name));
      values.add(device("writeback_rate_proportional_term",
          "Current result of proportional controller, part of writeback rate", false, debug[3],
          "backing_device", name));
      values.add(device("writeback_rate_integral_term",
          "Current result of integral controller, part of writeback rate", false, debug[4],
          "backing_device", name));
      values.add(device("writeback_change", "Last writeback rate change step for this backing device.", false, debug[5],
          "backing_device", name));
      values.add(device("bypassed_bytes_total",
          "Amount of IO (both reads and writes) that has bypassed the cache.", true, total[0],
          "backing_device", name));
      values.add(device("cache_hits_total", "Hits counted per individual IO as bcache sees them.",
          true, total[3], "backing_device", name));
      values.add(device("cache_misses_total", "Misses counted per individual IO as bcache sees them.",
          true, total[5], "backing_device", name));
      values.add(device("cache_bypass_hits_total", "Hits for IO intended to skip the cache.", true,
          total[1], "backing_device", name));
      values.add(device("cache_bypass_misses_total", "Misses for IO intended to skip the cache.", true,
          total[2], "backing_device", name));
      values.add(device("cache_miss_collisions_total", "Instances where data insertion from cache "
          + "miss raced with write (data already present).", true, total[4], "backing_device", name));
      values.add(device("cache_readaheads_total", "Count of times readahead occurred.", true,
          total[6], "backing_device", name));
    }
    for (Path cache : GoGlob.matches(set, name -> name.matches("cache[0-9].*"))) {
      String name = cache.getFileName().toString();
      values.add(device("io_errors", "Number of errors that have occurred, decayed by io_error_halflife.",
          false, r.value(name + "/io_errors"), "cache_device", name));
      values.add(device("metadata_written_bytes_total",
          "Sum of all non data writes (btree writes and all other metadata).", true,
          r.value(name + "/metadata_written"), "cache_device", name));
      values.add(device("written_bytes_total", "Sum of all data that has been written to the cache.",
          true, r.value(name + "/written"), "cache_device", name));
      if (priorityStats) {
        long[] priority = r.priorityStats(name + "/priority_stats");
        values.add(device("priority_stats_unused_percent",
            "The percentage of the cache that doesn't contain any data.", false, priority[0],
            "cache_device", name));
        values.add(device("priority_stats_metadata_percent", "Bcache's metadata overhead.", false,
            priority[1], "cache_device", name));
      }
    }
    return values;
  }

  private static Value gauge(String name, String help, double value) {
    return new Value("node_bcache_" + name, help, false, value, null, null);
  }

  private static Value device(String name, String help, boolean counter, double value, String label,
      String device) {
    return new Value("node_bcache_" + name, help, counter, value, label, device);
  }

  /** The files of a cache set, each required. */
  private static final class Reader {
    private final Path set;
    private final KeptFiles files;

    Reader(Path set, KeptFiles files) {
      this.set = set;
      this.files = files;
    }

    private String text(String file) {
      try {
        return files.read(set.resolve(file));
      } catch (IOException e) {
        throw new IllegalArgumentException("failed to read: " + set.resolve(file), e);
      }
    }

    /** A file's value, its last byte dropped as its newline, dehumanized. */
    double value(String file) {
      String text = text(file);
      String value = text.isEmpty() ? "" : text.substring(0, text.length() - 1);
      Double v = dehumanize(value);
      if (v == null) {
        throw new IllegalArgumentException("failed to parse " + set.resolve(file) + ": \"" + value + "\"");
      }
      return goUint64(v);
    }

    /** rate, dirty, target, proportional, integral and change of a {@code writeback_rate_debug}. */
    double[] writebackRateDebug(String file) {
      double[] values = new double[6];
      String[] keys = {"rate:", "dirty:", "target:", "proportional:", "integral:", "change:"};
      for (String line : lines(text(file))) {
        for (int i = 0; i < keys.length; i++) {
          if (!line.startsWith(keys[i])) {
            continue;
          }
          String[] fields = HostFiles.fields(line);
          String raw = fields[fields.length - 1];
          if (i == 0 || i == 5) {
            raw = raw.endsWith("/sec") ? raw.substring(0, raw.length() - 4) : raw;
          }
          boolean signed = i >= 3;
          boolean negative = signed && raw.startsWith("-");
          Double v = dehumanize(negative ? raw.substring(1) : raw);
          if (v == null) {
            throw new IllegalArgumentException("failed to parse " + set.resolve(file) + ": \"" + line + "\"");
          }
          double unsigned = goUint64(v);
          values[i] = !signed ? unsigned : negative ? -unsigned : asInt64(unsigned);
        }
      }
      return values;
    }

    /** Unused and metadata percent of a {@code priority_stats}. */
    long[] priorityStats(String file) {
      long[] values = new long[2];
      for (String line : lines(text(file))) {
        int index = line.startsWith("Unused:") ? 0 : line.startsWith("Metadata:") ? 1 : -1;
        if (index < 0) {
          continue;
        }
        String[] fields = HostFiles.fields(line);
        String raw = fields[fields.length - 1];
        raw = raw.endsWith("%") ? raw.substring(0, raw.length() - 1) : raw;
        try {
          values[index] = Long.parseUnsignedLong(raw);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("failed to parse: " + set.resolve(file) + " (\"" + raw + "\")");
        }
      }
      return values;
    }

    private static List<String> lines(String text) {
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1); // a final newline ends the last line, as Go's scanner reads it
      }
      return lines;
    }
  }

  /**
   * A value in {@code bch_hprint}'s form as node_exporter's library reads it: a last byte past
   * {@code '9'} is a unit (k, M, G, T, P, E, Z, Y as powers of 1024; any other, 0), and the
   * digits after a point count tenths of 1024ths; null when it is not a number.
   */
  static Double dehumanize(String text) {
    if (text.isEmpty()) {
      return null;
    }
    char last = text.charAt(text.length() - 1);
    if (last <= '9') {
      return TextfileFormat.parseFloat(text);
    }
    double unit = switch (last) {
      case 'k' -> 0x1p10;
      case 'M' -> 0x1p20;
      case 'G' -> 0x1p30;
      case 'T' -> 0x1p40;
      case 'P' -> 0x1p50;
      case 'E' -> 0x1p60;
      case 'Z' -> 0x1p70;
      case 'Y' -> 0x1p80;
      default -> 0;
    };
    String[] parts = text.substring(0, text.length() - 1).split("\\.", -1);
    Double integer = TextfileFormat.parseFloat(parts[0]);
    if (integer == null) {
      return null;
    }
    if (parts.length == 1) {
      return integer * unit;
    }
    Double fraction = TextfileFormat.parseFloat(parts[1]);
    return fraction == null ? null : (integer + fraction / 10.24) * unit;
  }

  /** Go's {@code uint64(f)} on amd64, as a double. */
  static double goUint64(double f) {
    long bits = f < 0x1p63 ? truncate(f) : truncate(f - 0x1p63) ^ Long.MIN_VALUE;
    return Numbers.unsigned(bits);
  }

  /** The x86 conversion: out of range and NaN give the "integer indefinite" value. */
  private static long truncate(double f) {
    return Double.isNaN(f) || f >= 0x1p63 || f < -0x1p63 ? Long.MIN_VALUE : (long) f;
  }

  /** A uint64 (as a double) read as Go's {@code int64(u)}. */
  private static double asInt64(double unsigned) {
    return unsigned < 0x1p63 ? unsigned : unsigned - 0x1p64;
  }

  @Override
  public synchronized void close() {
    files.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "bcache";
    }

    @Override
    public String description() {
      return "bcache cache sets, backing and cache devices from /sys/fs/bcache (node_bcache_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new BcacheCollector(context.hostPaths().sys("fs", "bcache"),
          context.config().getBoolean("priority-stats"));
    }
  }
}
