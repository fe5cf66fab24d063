package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.TextfileFormat.Family;
import io.github.microc.exporter.core.host.TextfileFormat.Metric;
import io.github.microc.exporter.core.host.TextfileFormat.ParseException;
import io.github.microc.exporter.core.host.TextfileFormat.Type;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metrics from the {@code *.prom} files of a directory, as node_exporter 1.5's textfile
 * collector reads them: what a cron job or a script writes for Prometheus to pick up.
 *
 * <pre>
 * # HELP apt_upgrades_pending Metric read from /var/lib/node_exporter/apt.prom
 * # TYPE apt_upgrades_pending untyped
 * apt_upgrades_pending{arch="amd64",origin="Debian:bookworm/stable"} 3
 * node_textfile_mtime_seconds{file="/var/lib/node_exporter/apt.prom"} 1.796310251E9
 * node_textfile_scrape_error 0
 * </pre>
 *
 * <p>{@code directory} is a directory or a glob of directories (Go's syntax: {@code *},
 * {@code ?}, {@code [a-z]}); empty, the default, reads nothing. Every file whose name ends with
 * {@code .prom} is read in name order and parsed as {@link TextfileFormat} describes. A file
 * that cannot be read or parsed, or that carries timestamps, is left out whole, logged with its
 * path and line, and sets {@code node_textfile_scrape_error} to 1; the other files' metrics are
 * still exposed. Their series are then merged as node_exporter's registry merges them: a
 * family that appears in several files is one family, a family without HELP gets
 * {@code "Metric read from <files>"}, a label a series lacks that others of its family in the
 * same file have is added empty, and the first file wins where two disagree: a series already
 * seen, a family whose TYPE or HELP differs from the first one's, a name that collides with a
 * summary's or a histogram's {@code _sum}, {@code _count} or {@code _bucket}. Those are logged
 * and dropped, as node_exporter drops them, without an error. {@code node_textfile_mtime_seconds}
 * gives each file read, in whole seconds.
 *
 * <p>Where node_exporter stops (a label name starting with {@code __}, a
 * {@code gauge_histogram}), the file is left out as a bad one. The model Microc exposes through
 * differs from node_exporter's in a few corners, each logged where it applies: a counter whose
 * name does not end in {@code _total}, or with a negative value, is exposed untyped under its
 * own name (client_java would add {@code _total}); a histogram whose cumulative counts
 * decrease, or a count that is negative or past 2^63, and a quantile outside [0, 1] are left
 * out; the {@code le} and {@code quantile} labels are written in client_java's spelling of the
 * number ({@code 1.0} for {@code 1}); a histogram's {@code _count} is its {@code +Inf} bucket's.
 * Names client_java reserves for its own suffixes are exposed as the files give them
 * ({@link Metadata}). Families under the exporter's own prefixes ({@code microc_}, {@code process_},
 * {@code jvm_}) are left out, so that a file never clashes with them.
 *
 * <p>Each scrape lists the directories and stats each file; a file is read and parsed again
 * only when its size, modification time or inode changed, and when nothing changed, the last
 * result is served again. Thread-safe.
 */
public final class TextfileCollector implements MultiCollector {

  private static final Logger log = LoggerFactory.getLogger(TextfileCollector.class);

  static final String MTIME = "node_textfile_mtime_seconds";
  static final String MTIME_HELP = "Unixtime mtime of textfiles successfully read.";
  static final String ERROR = "node_textfile_scrape_error";
  static final String ERROR_HELP = "1 if there was an error opening or reading a file, 0 otherwise";
  /** Prefixes of the exporter's own families, which a file may not take. */
  private static final List<String> RESERVED = List.of("microc_", "process_", "jvm_");
  private static final double TWO_TO_63 = 0x1p63;

  private final String directory;
  private final Map<String, Parsed> parsed = new HashMap<>();
  private List<Object> lastState;
  private MetricSnapshots lastResult;

  /** @param directory a directory or a glob of directories; empty for none */
  TextfileCollector(String directory) {
    this.directory = directory;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    List<Object> state = new ArrayList<>();
    List<FileState> files = new ArrayList<>();
    for (String dir : directories(directory)) {
      if (dir.isEmpty()) {
        continue; // no directory configured: nothing to read, and no error
      }
      List<String> names;
      try {
        names = promFiles(dir);
      } catch (IOException e) {
        state.add(new ListingError(dir, describe(e)));
        continue;
      }
      for (String name : names) {
        String path = Path.of(dir).resolve(name).normalize().toString();
        FileState file = stat(path);
        files.add(file);
        state.add(file);
      }
    }
    if (state.equals(lastState)) {
      return lastResult;
    }
    for (Object s : state) {
      if (s instanceof ListingError e && (lastState == null || !lastState.contains(e))) {
        log.warn("textfile: failed to read textfile collector directory {}: {}", e.dir(), e.error());
      }
    }
    Map<String, Parsed> now = new HashMap<>();
    List<Parsed> results = new ArrayList<>();
    for (FileState file : files) {
      Parsed result = parsed.get(file.path());
      if (result == null || !result.state().equals(file)) {
        result = parse(file);
        if (result.error() != null) {
          log.warn("textfile: {}", result.error());
        }
      }
      now.put(file.path(), result);
      results.add(result);
    }
    parsed.clear();
    parsed.putAll(now);
    boolean errored = state.stream().anyMatch(s -> s instanceof ListingError)
        || results.stream().anyMatch(r -> r.error() != null);
    lastResult = snapshots(results, errored);
    lastState = state;
    return lastResult;
  }

  /** The directories a {@code directory} value names: a glob's matches, or the value itself. */
  static List<String> directories(String directory) {
    List<String> matches = GoGlob.glob(directory);
    return matches == null || matches.isEmpty() ? List.of(directory) : matches;
  }

  /** The {@code *.prom} names of a directory, in byte order as Go lists them. */
  private static List<String> promFiles(String dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(dir))) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.endsWith(".prom")) {
          names.add(name);
        }
      }
    }
    names.sort(GoGlob.BYTE_ORDER);
    return names;
  }

  private static FileState stat(String path) {
    try {
      BasicFileAttributes a = Files.readAttributes(Path.of(path), BasicFileAttributes.class);
      return new FileState(path, a.fileKey(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
          a.size(), a.isDirectory(), null);
    } catch (IOException e) {
      return new FileState(path, null, 0, 0, false, describe(e));
    }
  }

  private static Parsed parse(FileState file) {
    if (file.error() != null) {
      return Parsed.failed(file, "failed to open textfile data file \"" + file.path() + "\": "
          + file.error());
    }
    String text;
    boolean lossy = false;
    if (file.directory()) {
      text = ""; // node_exporter opens a directory and reads it as an empty file
    } else {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(Path.of(file.path()));
      } catch (IOException e) {
        return Parsed.failed(file, "failed to open textfile data file \"" + file.path() + "\": "
            + describe(e));
      }
      try {
        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        text = new String(bytes, StandardCharsets.UTF_8);
        lossy = true;
      }
    }
    Map<String, Family> families;
    try {
      families = TextfileFormat.parse(text, lossy);
    } catch (ParseException e) {
      return Parsed.failed(file, "failed to parse textfile data from \"" + file.path() + "\": "
          + e.getMessage());
    }
    for (Family family : families.values()) {
      for (Metric metric : family.metrics) {
        if (metric.timestamp) {
          return Parsed.failed(file, "textfile \"" + file.path()
              + "\" contains unsupported client-side timestamps, skipping entire file");
        }
        for (String[] label : metric.labels) {
          if (label[0].startsWith("__")) {
            return Parsed.failed(file, "textfile \"" + file.path() + "\": label name \"" + label[0]
                + "\" of " + family.name + " is reserved (node_exporter 1.5 exits on such a file)");
          }
        }
      }
      if (family.type == Type.GAUGE_HISTOGRAM) {
        return Parsed.failed(file, "textfile \"" + file.path() + "\": " + family.name
            + " is a gauge_histogram, which node_exporter 1.5 cannot expose (it exits on such a file)");
      }
    }
    return new Parsed(file, List.copyOf(families.values()),
        TimeUnit.NANOSECONDS.toSeconds(file.mtimeNanos()), null);
  }

  /** The files' families merged as node_exporter's registry merges them, then the two own families. */
  private static MetricSnapshots snapshots(List<Parsed> results, boolean errored) {
    Map<String, List<String>> filesByFamily = new HashMap<>();
    for (Parsed result : results) {
      for (Family family : result.families()) {
        filesByFamily.computeIfAbsent(family.name, k -> new ArrayList<>()).add(result.state().path());
      }
    }
    Gather gather = new Gather();
    for (Parsed result : results) {
      for (Family family : result.families()) {
        String help = family.help != null ? family.help
            : "Metric read from " + String.join(", ", filesByFamily.get(family.name));
        Set<String> allNames = new HashSet<>();
        family.metrics.forEach(m -> m.labels.forEach(l -> allNames.add(l[0])));
        for (Metric metric : family.metrics) {
          TreeMap<String, String> labels = new TreeMap<>();
          allNames.forEach(n -> labels.put(n, ""));
          metric.labels.forEach(l -> labels.put(l[0], l[1]));
          gather.add(family.name, help, family.type, labels, metric);
        }
      }
    }
    List<Parsed> read = results.stream().filter(r -> r.error() == null)
        .sorted(Comparator.comparing(r -> r.state().path(), GoGlob.BYTE_ORDER)).toList();
    for (Parsed result : read) {
      Metric mtime = new Metric();
      mtime.value = result.mtimeSeconds();
      TreeMap<String, String> labels = new TreeMap<>();
      labels.put("file", result.state().path());
      gather.add(MTIME, MTIME_HELP, Type.GAUGE, labels, mtime);
    }
    Metric error = new Metric();
    error.value = errored ? 1 : 0;
    gather.add(ERROR, ERROR_HELP, Type.GAUGE, new TreeMap<>(), error);
    return gather.snapshots();
  }

  /**
   * node_exporter's registry (client_golang's {@code Gatherer}) in the order its collector
   * sends: the first of two disagreeing series or families wins, the other is logged and
   * dropped.
   */
  private static final class Gather {
    private final Map<String, Gathered> families = new LinkedHashMap<>();
    private final Set<List<Object>> seen = new HashSet<>();

    void add(String name, String help, Type type, TreeMap<String, String> labels, Metric metric) {
      Gathered family = families.get(name);
      if (family != null) {
        if (!family.help.equals(help)) {
          drop(name, labels, "has help " + TextfileFormat.quote(help) + " but should have "
              + TextfileFormat.quote(family.help));
          return;
        }
        if (family.type != type) {
          drop(name, labels, "should be a " + family.type.name().toLowerCase(java.util.Locale.ROOT));
          return;
        }
      } else {
        String collision = collision(name, type);
        if (collision != null) {
          drop(name, labels, collision);
          return;
        }
        family = new Gathered(name, help, type, new ArrayList<>());
        families.put(name, family);
      }
      if (!seen.add(List.of(name, labels))) {
        drop(name, labels, "was collected before with the same name and label values");
        return;
      }
      family.points.add(new Point(labels, metric));
    }

    /** client_golang's suffix check: a summary's or histogram's parts are names of their own. */
    private String collision(String name, Type type) {
      for (String suffix : List.of("_count", "_sum", "_bucket")) {
        if (name.endsWith(suffix)) {
          Gathered base = families.get(name.substring(0, name.length() - suffix.length()));
          if (base != null && ((base.type == Type.SUMMARY && !suffix.equals("_bucket"))
              || base.type == Type.HISTOGRAM)) {
            return "collides with previously collected " + base.type.name().toLowerCase(java.util.Locale.ROOT)
                + " named " + TextfileFormat.quote(base.name);
          }
        }
      }
      if (type == Type.SUMMARY || type == Type.HISTOGRAM) {
        List<String> parts = type == Type.HISTOGRAM ? List.of("_count", "_sum", "_bucket")
            : List.of("_count", "_sum");
        for (String suffix : parts) {
          if (families.containsKey(name + suffix)) {
            return "collides with previously collected metric named "
                + TextfileFormat.quote(name + suffix);
          }
        }
      }
      return null;
    }

    private static void drop(String name, Map<String, String> labels, String why) {
      log.warn("textfile: collected metric {}{} {}; dropped", name, labels, why);
    }

    MetricSnapshots snapshots() {
      List<MetricSnapshot> snapshots = new ArrayList<>();
      Set<String> taken = new HashSet<>();
      for (Gathered family : families.values()) {
        if (RESERVED.stream().anyMatch(family.name::startsWith)) {
          log.warn("textfile: family {} is left out: the prefixes {} are the exporter's own",
              family.name, RESERVED);
          continue;
        }
        MetricSnapshot snapshot = family.snapshot();
        if (snapshot == null) {
          continue;
        }
        if (!taken.add(snapshot.getMetadata().getPrometheusName())) {
          log.warn("textfile: family {} is left out: as exposed ({}) it has the name of another"
              + " family", family.name, snapshot.getMetadata().getPrometheusName());
          continue;
        }
        snapshots.add(snapshot);
      }
      return new MetricSnapshots(snapshots);
    }
  }

  private record Point(TreeMap<String, String> labels, Metric metric) {
    Labels toLabels() {
      return Labels.of(labels.keySet().toArray(new String[0]), labels.values().toArray(new String[0]));
    }
  }

  private record Gathered(String name, String help, Type type, List<Point> points) {

    MetricSnapshot snapshot() {
      return switch (type) {
        case GAUGE -> new GaugeSnapshot(Metadata.of(name, help), points.stream()
            .map(p -> new GaugeDataPointSnapshot(p.metric().value, p.toLabels(), null)).toList());
        case COUNTER -> counter();
        case SUMMARY -> summary();
        case HISTOGRAM -> histogram();
        default -> untyped();
      };
    }

    private MetricSnapshot untyped() {
      return new UnknownSnapshot(Metadata.of(name, help), points.stream()
          .map(p -> new UnknownDataPointSnapshot(p.metric().value, p.toLabels(), null)).toList());
    }

    /** A counter as client_java has them, named without _total, or else untyped. */
    private MetricSnapshot counter() {
      boolean representable = name.endsWith("_total") && name.length() > "_total".length()
          && points.stream().noneMatch(p -> p.metric().value < 0);
      if (!representable) {
        log.debug("textfile: counter {} is exposed untyped: client_java's counters end in _total"
            + " and are not negative", name);
        return untyped();
      }
      return new CounterSnapshot(Metadata.of(name.substring(0, name.length() - "_total".length()), help),
          points.stream().map(p -> new CounterDataPointSnapshot(p.metric().value, p.toLabels(), null, 0))
              .toList());
    }

    private MetricSnapshot summary() {
      List<SummaryDataPointSnapshot> data = new ArrayList<>();
      for (Point p : points) {
        long count = uint64(p.metric().count);
        if (count < 0) {
          skip(p, "its count " + p.metric().count + " is negative or past 2^63");
          continue;
        }
        TreeMap<Double, Double> byQuantile = new TreeMap<>();
        for (double[] q : p.metric().parts) {
          if (q[0] < 0 || q[0] > 1) {
            skip(p, "quantile " + q[0] + " is outside [0, 1]; that quantile is left out");
          } else {
            byQuantile.put(q[0], q[1]);
          }
        }
        List<Quantile> quantiles = new ArrayList<>();
        byQuantile.forEach((q, v) -> quantiles.add(new Quantile(q, v)));
        data.add(new SummaryDataPointSnapshot(count, p.metric().sum, Quantiles.of(quantiles),
            p.toLabels(), null, 0));
      }
      return data.isEmpty() ? null : new SummarySnapshot(Metadata.of(name, help), data);
    }

    private MetricSnapshot histogram() {
      List<HistogramDataPointSnapshot> data = new ArrayList<>();
      for (Point p : points) {
        TreeMap<Double, Long> cumulative = new TreeMap<>();
        boolean bad = false;
        for (double[] b : p.metric().parts) {
          long count = uint64(b[1]);
          bad |= count < 0;
          cumulative.put(b[0], count);
        }
        long count = uint64(p.metric().count);
        if (bad || count < 0) {
          skip(p, "a count is negative or past 2^63");
          continue;
        }
        cumulative.putIfAbsent(Double.POSITIVE_INFINITY, count);
        double[] bounds = new double[cumulative.size()];
        long[] counts = new long[cumulative.size()];
        int i = 0;
        long previous = 0;
        for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
          bounds[i] = e.getKey();
          counts[i] = e.getValue() - previous;
          previous = e.getValue();
          bad |= counts[i] < 0;
          i++;
        }
        if (bad) {
          skip(p, "its cumulative bucket counts decrease");
          continue;
        }
        data.add(new HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, counts),
            p.metric().sum, p.toLabels(), null, 0));
      }
      return data.isEmpty() ? null : new HistogramSnapshot(Metadata.of(name, help), data);
    }

    private void skip(Point p, String why) {
      log.warn("textfile: {} {}{}: {}", type.name().toLowerCase(java.util.Locale.ROOT), name,
          p.labels(), why);
    }
  }

  /** Go's {@code uint64(f)} where it fits a long; -1 where client_java cannot hold it. */
  private static long uint64(double value) {
    return value >= 0 && value < TWO_TO_63 ? (long) value : -1;
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** What a scrape found of a file: its identity and modification time, or why it cannot be. */
  private record FileState(String path, Object key, long mtimeNanos, long size, boolean directory,
      String error) {}

  private record ListingError(String dir, String error) {}

  /** A file's families as of {@code state}, or the reason it was left out. */
  private record Parsed(FileState state, List<Family> families, long mtimeSeconds, String error) {
    static Parsed failed(FileState state, String error) {
      return new Parsed(state, List.of(), 0, error);
    }

    Parsed {
      Objects.requireNonNull(state);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "textfile";
    }

    @Override
    public String description() {
      return "Metrics from the *.prom files of a directory, read as node_exporter reads them (node_textfile_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new TextfileCollector(context.config().getString("directory"));
    }
  }
}
