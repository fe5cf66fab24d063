package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ZFS statistics from the SPL kstats under {@code /proc/spl/kstat/zfs}, as node_exporter 1.5
 * reads them.
 *
 * <pre>
 * # HELP node_zfs_arc_hits kstat.zfs.misc.arcstats.hits
 * # TYPE node_zfs_arc_hits untyped
 * node_zfs_arc_hits 8.772612e+06
 * node_zfs_zpool_nread{zpool="tank"} 1.88416e+06
 * node_zfs_zpool_dataset_writes{dataset="tank/home",zpool="tank"} 4021
 * node_zfs_zpool_state{state="online",zpool="tank"} 1
 * </pre>
 *
 * <p>Each of node_exporter 1.5's kstats (abdstats, arcstats, dmu_tx, dnodestats, fm,
 * vdev_cache_stats, vdev_mirror_stats, xuio_stats, zfetchstats, zil; not dbufstats) that exists
 * gives one untyped family per unsigned 64-bit value (type 4) after its
 * {@code name type data} header: {@code node_zfs_<subsystem>_<name>} with the kstat's path as
 * HELP; other types (int64 such as {@code memory_available_bytes}, strings) are skipped; a
 * type 4 value that is not an unsigned integer or a kstat without its header fails the
 * collection, after what was read before, as in node_exporter. Each pool
 * directory gives its {@code io} columns ({@code node_zfs_zpool_*}), each dataset's
 * {@code objset-*} values ({@code node_zfs_zpool_dataset_*}) and its {@code state}, one series
 * per state node_exporter names. No {@code /proc/spl/kstat/zfs} (no ZFS module) is no data.
 * The directories are listed once a scrape and the files kept open while they are there.
 * Thread-safe.
 */
public final class ZfsCollector implements MultiCollector, AutoCloseable {

  /** node_exporter's subsystems and the kstat each is read from, in the order read here. */
  private static final String[][] SUBSYSTEMS = {{"zfs_abd", "abdstats"}, {"zfs_arc", "arcstats"},
      {"zfs_dmu_tx", "dmu_tx"}, {"zfs_dnode", "dnodestats"},
      {"zfs_fm", "fm"}, {"zfs_vdev_cache", "vdev_cache_stats"},
      {"zfs_vdev_mirror", "vdev_mirror_stats"}, {"zfs_xuio", "xuio_stats"},
      {"zfs_zfetch", "zfetchstats"}, {"zfs_zil", "zil"}};
  /** The states node_exporter 1.5 names; a pool in another ({@code SUSPENDED}) has all 0. */
  static final String[] POOL_STATES = {"online", "degraded", "faulted", "offline", "removed",
      "unavail"};

  private final Path base;
  private final KeptFiles files = new KeptFiles();
  private final Map<String, MetricMetadata> metadata = new HashMap<>();

  /** @param base {@code /proc/spl/kstat/zfs} */
  ZfsCollector(Path base) {
    this.base = base;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    if (!Files.exists(base)) {
      throw new NoDataException("no " + base + " (no ZFS module)");
    }
    Families out = new Families();
    files.begin();
    try {
      for (String[] subsystem : SUBSYSTEMS) {
        Path path = base.resolve(subsystem[1]);
        String text = read(path, true);
        if (text != null) {
          parseKstat(text, subsystem[1], (name, value) -> out.add("node_" + subsystem[0] + "_"
              + metricName(name), "kstat.zfs.misc." + subsystem[1] + "." + name, false, Labels.EMPTY,
              value));
        }
      }
      Map<String, PoolFiles> pools = pools();
      for (Map.Entry<String, PoolFiles> pool : pools.entrySet()) {
        if (pool.getValue().io()) {
          Labels labels = Labels.of("zpool", pool.getKey());
          parseIo(read(base.resolve(pool.getKey()).resolve("io"), false), (field, value) ->
              out.add("node_zfs_zpool_" + metricName(field), "kstat.zfs.misc.io." + field, false,
                  labels, value));
        }
      }
      for (Map.Entry<String, PoolFiles> pool : pools.entrySet()) {
        for (String objset : pool.getValue().objsets()) {
          String where = pool.getKey() + "/" + objset;
          parseObjset(read(base.resolve(pool.getKey()).resolve(objset), false), pool.getKey(),
              where, (zpool, dataset, name, value) -> out.add("node_zfs_zpool_dataset_"
                  + metricName(name), "kstat.zfs.misc.objset." + name, false,
                  Labels.of("dataset", dataset, "zpool", zpool), value));
        }
      }
      for (Map.Entry<String, PoolFiles> pool : pools.entrySet()) {
        if (pool.getValue().state()) {
          String state = parseState(read(base.resolve(pool.getKey()).resolve("state"), false));
          for (String name : POOL_STATES) {
            out.add("node_zfs_zpool_state", "kstat.zfs.misc.state", true,
                Labels.of("state", name, "zpool", pool.getKey()), name.equals(state) ? 1 : 0);
          }
        }
      }
    } catch (RuntimeException e) {
      throw out.isEmpty() ? e : new PartialCollectionException(out.snapshots(), e);
    } finally {
      files.end();
    }
    return new MetricSnapshots(out.snapshots());
  }

  /** A kstat file's text; null when it is absent and {@code optional}. */
  private String read(Path path, boolean optional) {
    try {
      return files.read(path);
    } catch (NoSuchFileException e) {
      if (optional) {
        return null; // a kstat of a feature this ZFS release does not have
      }
      throw new UncheckedIOException("cannot read " + path + " (an exported pool?)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  private record PoolFiles(boolean io, List<String> objsets, boolean state) {}

  /** The pool directories, by name in byte order, with the files node_exporter reads of each. */
  private Map<String, PoolFiles> pools() {
    List<String> names = new ArrayList<>();
    GoGlob.matches(base, name -> true).stream().filter(Files::isDirectory)
        .forEach(p -> names.add(p.getFileName().toString()));
    Map<String, PoolFiles> pools = new LinkedHashMap<>();
    for (String name : names) {
      boolean io = false;
      boolean state = false;
      List<String> objsets = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(base.resolve(name))) {
        for (Path entry : entries) {
          String file = entry.getFileName().toString();
          io |= file.equals("io");
          state |= file.equals("state");
          if (file.startsWith("objset-")) {
            objsets.add(file);
          }
        }
      } catch (IOException e) {
        continue; // as Go's glob, a directory that cannot be listed matches nothing
      }
      objsets.sort(GoGlob.BYTE_ORDER);
      pools.put(name, new PoolFiles(io, objsets, state));
    }
    return pools;
  }

  /** node_exporter's name of a kstat value: its last dot-separated part, dashes as underscores. */
  static String metricName(String name) {
    return name.substring(name.lastIndexOf('.') + 1).replace('-', '_');
  }

  interface Values {
    void accept(String name, double value);
  }

  interface DatasetValues {
    void accept(String zpool, String dataset, String name, double value);
  }

  /**
   * The unsigned 64-bit values of a kstat: {@code name type data} lines of type 4 after that
   * header.
   *
   * @throws IllegalArgumentException for a value that is not an unsigned integer or a file without
   *     the header
   */
  static void parseKstat(String text, String kstat, Values values) {
    List<String[]> rows = rows(text);
    if (rows == null) {
      throw new IllegalArgumentException("did not parse a single \"" + kstat + "\" metric");
    }
    for (String[] parts : rows) {
      if (parts[1].equals("4")) {
        values.accept(parts[0], uint64(parts[2], "kstat.zfs.misc." + kstat + "." + parts[0]));
      }
    }
  }

  /**
   * A pool's {@code io} kstat: every line after the {@code nread nwritten reads ...} header,
   * each column by the header's name.
   */
  static void parseIo(String text, Values values) {
    String[] fields = null;
    for (String line : text.split("\n", -1)) {
      String[] parts = HostFiles.fields(line);
      if (fields == null) {
        if (parts.length >= 12 && parts[0].equals("nread")) {
          fields = parts;
        }
        continue;
      }
      if (parts.length == 0 && line.isEmpty()) {
        continue; // the end of the file, not a line Go's scanner would give
      }
      if (parts.length < fields.length) {
        // node_exporter 1.5 exits (an index out of range) on such a line.
        throw new IllegalArgumentException("io line with " + parts.length + " values for "
            + fields.length + " columns: \"" + line + "\"");
      }
      for (int i = 0; i < fields.length; i++) {
        values.accept(fields[i], uint64(parts[i], "kstat.zfs.misc.io." + fields[i]));
      }
    }
  }

  /** A dataset's {@code objset-*} kstat: its uint64 values, named by its {@code dataset_name}. */
  static void parseObjset(String text, String pool, String where, DatasetValues values) {
    List<String[]> rows = rows(text);
    if (rows == null) {
      throw new IllegalArgumentException("did not parse a single metric of " + where);
    }
    String zpool = "";
    String dataset = "";
    for (String[] parts : rows) {
      if (parts[0].equals("dataset_name")) {
        zpool = pool;
        dataset = parts[2];
        continue;
      }
      if (parts[1].equals("4")) {
        values.accept(zpool, dataset, parts[0], uint64(parts[2], "kstat.zfs.misc.objset." + parts[0]));
      }
    }
  }

  /** A pool's state: the first line, in lower case. */
  static String parseState(String text) {
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1); // as Go's scanner drops it
    }
    return line.toLowerCase(Locale.ROOT);
  }

  /**
   * The rows of three fields or more ({@code name type data}) after a kstat's header, or null
   * when it has no header.
   */
  private static List<String[]> rows(String text) {
    List<String[]> rows = null;
    for (String line : text.split("\n")) {
      String[] parts = HostFiles.fields(line);
      if (rows == null) {
        if (header(parts)) {
          rows = new ArrayList<>();
        }
      } else if (parts.length >= 3) {
        rows.add(parts);
      }
    }
    return rows;
  }

  private static boolean header(String[] parts) {
    return parts.length == 3 && parts[0].equals("name") && parts[1].equals("type")
        && parts[2].equals("data");
  }

  /** A value as Go's {@code strconv.ParseUint(s, 10, 64)} reads it, as a double. */
  private static double uint64(String text, String key) {
    if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
      try {
        return Numbers.unsigned(Long.parseUnsignedLong(text));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("could not parse expected integer value for \"" + key
        + "\": \"" + text + "\"");
  }

  /** The families of a scrape, merged by name in the order they come, the first series kept. */
  private final class Families {
    private final Map<String, Family> byName = new LinkedHashMap<>();

    private final class Family {
      final MetricMetadata metadata;
      final boolean gauge;
      final List<Object> points = new ArrayList<>();
      final Set<Labels> labels = new HashSet<>();

      Family(MetricMetadata metadata, boolean gauge) {
        this.metadata = metadata;
        this.gauge = gauge;
      }
    }

    void add(String name, String help, boolean gauge, Labels labels, double value) {
      Family family = byName.get(name);
      if (family == null) {
        family = new Family(metadata.computeIfAbsent(name + '\n' + help, k -> Metadata.of(name, help)),
            gauge);
        byName.put(name, family);
      } else if (!family.metadata.getHelp().equals(help) || family.gauge != gauge) {
        return; // a second kstat name that maps to the same family: node_exporter keeps the first
      }
      if (family.labels.add(labels)) {
        family.points.add(gauge ? new GaugeDataPointSnapshot(value, labels, null)
            : new UnknownDataPointSnapshot(value, labels, null));
      }
    }

    boolean isEmpty() {
      return byName.isEmpty();
    }

    @SuppressWarnings("unchecked")
    List<MetricSnapshot> snapshots() {
      List<MetricSnapshot> snapshots = new ArrayList<>(byName.size());
      for (Family f : byName.values()) {
        snapshots.add(f.gauge
            ? new GaugeSnapshot(f.metadata, (List<GaugeDataPointSnapshot>) (List<?>) f.points)
            : new UnknownSnapshot(f.metadata, (List<UnknownDataPointSnapshot>) (List<?>) f.points));
      }
      return snapshots;
    }
  }

  @Override
  public synchronized void close() {
    files.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "zfs";
    }

    @Override
    public String description() {
      return "ZFS ARC, ZIL, prefetch and other kstats, pool I/O, datasets and states from /proc/spl/kstat/zfs (node_zfs_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new ZfsCollector(context.hostPaths().proc("spl", "kstat", "zfs"));
    }
  }
}
