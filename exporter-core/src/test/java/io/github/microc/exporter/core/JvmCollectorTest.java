package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JvmCollector} against client_java's six, in this JVM and in JVMs of their own started
 * with the launcher's flags and with other collectors: which pools there are differs between G1,
 * Serial and Parallel, so no pool is named here but in the fake beans' test.
 */
class JvmCollectorTest {

  /** Every family client_java's six give on a JVM with a compiler; none other. */
  private static final List<String> FAMILIES = List.of("jvm_buffer_pool_capacity_bytes",
      "jvm_buffer_pool_used_buffers", "jvm_buffer_pool_used_bytes", "jvm_classes_currently_loaded",
      "jvm_classes_loaded", "jvm_classes_unloaded", "jvm_compilation_time_seconds", "jvm_gc_collection_seconds",
      "jvm_memory_committed_bytes", "jvm_memory_init_bytes", "jvm_memory_max_bytes",
      "jvm_memory_objects_pending_finalization", "jvm_memory_pool_collection_committed_bytes",
      "jvm_memory_pool_collection_init_bytes", "jvm_memory_pool_collection_max_bytes",
      "jvm_memory_pool_collection_used_bytes", "jvm_memory_pool_committed_bytes", "jvm_memory_pool_init_bytes",
      "jvm_memory_pool_max_bytes", "jvm_memory_pool_used_bytes", "jvm_memory_used_bytes", "jvm_runtime");
  /** Series whose values do not move while the JVM runs. */
  private static final List<String> FIXED = List.of("jvm_memory_init_bytes", "jvm_memory_pool_init_bytes",
      "jvm_memory_pool_collection_init_bytes", "jvm_runtime_info");
  /**
   * Series that move only when a collection resizes a generation (Parallel's eden and survivors):
   * ours is client_java's value before or after it.
   */
  private static final List<String> RESIZED = List.of("jvm_memory_max_bytes", "jvm_memory_pool_max_bytes",
      "jvm_memory_pool_collection_max_bytes");
  /** Series that only grow: ours, scraped between two of client_java's, lies between theirs. */
  private static final List<String> GROWING = List.of("jvm_classes_loaded_total", "jvm_classes_unloaded_total",
      "jvm_compilation_time_seconds_total", "jvm_gc_collection_seconds_count", "jvm_gc_collection_seconds_sum");
  /** The launcher's (bin/microc) flags that can change what the beans report; not its class-data archive. */
  private static final String LAUNCHER_FLAGS = "-XX:+UseSerialGC -Xms8m -Xmx48m -XX:MinHeapFreeRatio=10 "
      + "-XX:MaxHeapFreeRatio=25 -Xss256k -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 "
      + "-XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=64m -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError";

  @Test
  void sameExpositionAsClientJavasSix() {
    assertThat(Comparison.differences()).isEmpty();
  }

  @Test
  void exposesEveryFamilyOfClientJavasSixAndNoOther() {
    assertThat(names(ours().scrape())).containsExactlyElementsOf(FAMILIES);
    assertThat(names(theirs().scrape())).containsExactlyElementsOf(FAMILIES);
    assertThat(JvmCollector.platform().getPrometheusNames()).containsExactlyInAnyOrderElementsOf(FAMILIES);
  }

  /** {@link Comparison#main} prints the number of families and the differences, one a line. */
  @ParameterizedTest
  @ValueSource(strings = {LAUNCHER_FLAGS, "-XX:+UseG1GC", "-XX:+UseParallelGC", "-XX:+UseSerialGC -Xint"})
  void sameExpositionAsClientJavasSixUnderOtherFlags(String flags) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(flags.split(" ")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Comparison.class.getName()));
    Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();

    // Without a compiler (-Xint) there is no compilation time: 21 families, in both.
    assertThat(out).isEqualTo(flags.contains("-Xint") ? "21 families" : "22 families");
  }

  @Test
  void clashesWithClientJavasFamiliesAtRegistration() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMemoryMetrics.builder(PrometheusProperties.get()).register(registry);

    assertThatThrownBy(() -> registry.register(JvmCollector.platform()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void labelSetsAndMetadataAreMadeOnce() {
    JvmCollector collector = JvmCollector.platform();
    MetricSnapshots first = collector.collect();
    MetricSnapshots second = collector.collect();

    assertThat(first.size()).isEqualTo(second.size());
    for (int i = 0; i < first.size(); i++) {
      MetricSnapshot a = first.get(i);
      MetricSnapshot b = second.get(i);
      assertThat(b.getMetadata()).isSameAs(a.getMetadata());
      assertThat(b.getDataPoints()).hasSameSizeAs(a.getDataPoints());
      for (int j = 0; j < a.getDataPoints().size(); j++) {
        Object labels = b.getDataPoints().get(j).getLabels();
        assertThat(labels).as(a.getMetadata().getName()).isSameAs(a.getDataPoints().get(j).getLabels());
      }
    }
  }

  /**
   * Pools whose usage or collection usage is null are left out of those families, beans are
   * sorted by name, the collectors give a count and a sum.
   */
  @Test
  void exposesFakeBeansByNameLeavingOutWhatTheyDoNotHave() {
    MemoryMXBean memory = fake(MemoryMXBean.class, "getHeapMemoryUsage", new MemoryUsage(8, 20, 30, 48),
        "getNonHeapMemoryUsage", new MemoryUsage(2, 10, 12, -1), "getObjectPendingFinalizationCount", 0);
    List<MemoryPoolMXBean> pools = List.of(
        fake(MemoryPoolMXBean.class, "getName", "Tenured Gen", "getUsage", new MemoryUsage(4, 12, 16, 32),
            "getCollectionUsage", new MemoryUsage(4, 6, 16, 32)),
        fake(MemoryPoolMXBean.class, "getName", "Metaspace", "getUsage", new MemoryUsage(0, 9, 10, -1),
            "getCollectionUsage", null),
        fake(MemoryPoolMXBean.class, "getName", "Invalid", "getUsage", null, "getCollectionUsage", null));
    List<GarbageCollectorMXBean> collectors = List.of(
        fake(GarbageCollectorMXBean.class, "getName", "MarkSweepCompact", "getCollectionCount", 1L,
            "getCollectionTime", 25L),
        fake(GarbageCollectorMXBean.class, "getName", "Copy", "getCollectionCount", 12L, "getCollectionTime", 31L));
    List<BufferPoolMXBean> buffers = List.of(fake(BufferPoolMXBean.class, "getName", "direct", "getCount", 2L,
        "getMemoryUsed", 8192L, "getTotalCapacity", 8192L));
    ClassLoadingMXBean classes = fake(ClassLoadingMXBean.class, "getLoadedClassCount", 2700,
        "getTotalLoadedClassCount", 2711L, "getUnloadedClassCount", 11L);
    CompilationMXBean compilation = fake(CompilationMXBean.class, "isCompilationTimeMonitoringSupported", true,
        "getTotalCompilationTime", 1520L);
    Labels runtime = Labels.of("version", "17.0.15+6", "vendor", "Eclipse Adoptium",
        "runtime", "OpenJDK Runtime Environment");

    String text = render(new JvmCollector(memory, pools, collectors, buffers, classes, compilation, runtime)
        .collect());

    assertThat(text).isEqualTo("""
        # HELP jvm_buffer_pool_capacity_bytes Bytes capacity of a given JVM buffer pool.
        # TYPE jvm_buffer_pool_capacity_bytes gauge
        jvm_buffer_pool_capacity_bytes{pool="direct"} 8192.0
        # HELP jvm_buffer_pool_used_buffers Used buffers of a given JVM buffer pool.
        # TYPE jvm_buffer_pool_used_buffers gauge
        jvm_buffer_pool_used_buffers{pool="direct"} 2.0
        # HELP jvm_buffer_pool_used_bytes Used bytes of a given JVM buffer pool.
        # TYPE jvm_buffer_pool_used_bytes gauge
        jvm_buffer_pool_used_bytes{pool="direct"} 8192.0
        # HELP jvm_classes_currently_loaded The number of classes that are currently loaded in the JVM
        # TYPE jvm_classes_currently_loaded gauge
        jvm_classes_currently_loaded 2700.0
        # HELP jvm_classes_loaded_total The total number of classes that have been loaded since the JVM has started execution
        # TYPE jvm_classes_loaded_total counter
        jvm_classes_loaded_total 2711.0
        # HELP jvm_classes_unloaded_total The total number of classes that have been unloaded since the JVM has started execution
        # TYPE jvm_classes_unloaded_total counter
        jvm_classes_unloaded_total 11.0
        # HELP jvm_compilation_time_seconds_total The total time in seconds taken for HotSpot class compilation
        # TYPE jvm_compilation_time_seconds_total counter
        jvm_compilation_time_seconds_total 1.52
        # HELP jvm_gc_collection_seconds Time spent in a given JVM garbage collector in seconds.
        # TYPE jvm_gc_collection_seconds summary
        jvm_gc_collection_seconds_count{gc="Copy"} 12
        jvm_gc_collection_seconds_sum{gc="Copy"} 0.031
        jvm_gc_collection_seconds_count{gc="MarkSweepCompact"} 1
        jvm_gc_collection_seconds_sum{gc="MarkSweepCompact"} 0.025
        # HELP jvm_memory_committed_bytes Committed (bytes) of a given JVM memory area.
        # TYPE jvm_memory_committed_bytes gauge
        jvm_memory_committed_bytes{area="heap"} 30.0
        jvm_memory_committed_bytes{area="nonheap"} 12.0
        # HELP jvm_memory_init_bytes Initial bytes of a given JVM memory area.
        # TYPE jvm_memory_init_bytes gauge
        jvm_memory_init_bytes{area="heap"} 8.0
        jvm_memory_init_bytes{area="nonheap"} 2.0
        # HELP jvm_memory_max_bytes Max (bytes) of a given JVM memory area.
        # TYPE jvm_memory_max_bytes gauge
        jvm_memory_max_bytes{area="heap"} 48.0
        jvm_memory_max_bytes{area="nonheap"} -1.0
        # HELP jvm_memory_objects_pending_finalization The number of objects waiting in the finalizer queue.
        # TYPE jvm_memory_objects_pending_finalization gauge
        jvm_memory_objects_pending_finalization 0.0
        # HELP jvm_memory_pool_collection_committed_bytes Committed after last collection bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_collection_committed_bytes gauge
        jvm_memory_pool_collection_committed_bytes{pool="Tenured Gen"} 16.0
        # HELP jvm_memory_pool_collection_init_bytes Initial after last collection bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_collection_init_bytes gauge
        jvm_memory_pool_collection_init_bytes{pool="Tenured Gen"} 4.0
        # HELP jvm_memory_pool_collection_max_bytes Max bytes after last collection of a given JVM memory pool.
        # TYPE jvm_memory_pool_collection_max_bytes gauge
        jvm_memory_pool_collection_max_bytes{pool="Tenured Gen"} 32.0
        # HELP jvm_memory_pool_collection_used_bytes Used bytes after last collection of a given JVM memory pool.
        # TYPE jvm_memory_pool_collection_used_bytes gauge
        jvm_memory_pool_collection_used_bytes{pool="Tenured Gen"} 6.0
        # HELP jvm_memory_pool_committed_bytes Committed bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_committed_bytes gauge
        jvm_memory_pool_committed_bytes{pool="Metaspace"} 10.0
        jvm_memory_pool_committed_bytes{pool="Tenured Gen"} 16.0
        # HELP jvm_memory_pool_init_bytes Initial bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_init_bytes gauge
        jvm_memory_pool_init_bytes{pool="Metaspace"} 0.0
        jvm_memory_pool_init_bytes{pool="Tenured Gen"} 4.0
        # HELP jvm_memory_pool_max_bytes Max bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_max_bytes gauge
        jvm_memory_pool_max_bytes{pool="Metaspace"} -1.0
        jvm_memory_pool_max_bytes{pool="Tenured Gen"} 32.0
        # HELP jvm_memory_pool_used_bytes Used bytes of a given JVM memory pool.
        # TYPE jvm_memory_pool_used_bytes gauge
        jvm_memory_pool_used_bytes{pool="Metaspace"} 9.0
        jvm_memory_pool_used_bytes{pool="Tenured Gen"} 12.0
        # HELP jvm_memory_used_bytes Used bytes of a given JVM memory area.
        # TYPE jvm_memory_used_bytes gauge
        jvm_memory_used_bytes{area="heap"} 20.0
        jvm_memory_used_bytes{area="nonheap"} 10.0
        # HELP jvm_runtime_info JVM runtime info
        # TYPE jvm_runtime_info gauge
        jvm_runtime_info{runtime="OpenJDK Runtime Environment",vendor="Eclipse Adoptium",version="17.0.15+6"} 1
        """);
  }

  @Test
  void compilationTimeLeftOutWhereNotMonitored() {
    CompilationMXBean unmonitored = fake(CompilationMXBean.class, "isCompilationTimeMonitoringSupported", false);

    for (CompilationMXBean compilation : Arrays.asList(unmonitored, null)) {
      JvmCollector collector = new JvmCollector(fake(MemoryMXBean.class, "getHeapMemoryUsage",
          new MemoryUsage(0, 0, 0, 0), "getNonHeapMemoryUsage", new MemoryUsage(0, 0, 0, 0),
          "getObjectPendingFinalizationCount", 0), List.of(), List.of(), List.of(),
          fake(ClassLoadingMXBean.class, "getLoadedClassCount", 1, "getTotalLoadedClassCount", 1L,
              "getUnloadedClassCount", 0L), compilation, Labels.EMPTY);

      assertThat(names(collector.collect())).hasSize(21).doesNotContain("jvm_compilation_time_seconds");
      assertThat(collector.getPrometheusNames()).hasSize(21).doesNotContain("jvm_compilation_time_seconds");
    }
  }

  /**
   * Scrapes client_java's six, then {@link JvmCollector}, then client_java's again, and lists
   * what differs in ways the time between the scrapes cannot explain.
   */
  static final class Comparison {
    public static void main(String[] args) {
      List<String> differences = differences();
      differences.forEach(System.out::println);
      System.out.println(names(ours().scrape()).size() + " families");
    }

    static List<String> differences() {
      PrometheusRegistry ours = ours();
      PrometheusRegistry theirs = theirs();
      // Once each first: the classes the scrapes need are loaded before the three that count.
      ours.scrape();
      theirs.scrape();
      MetricSnapshots theirsBefore = theirs.scrape();
      MetricSnapshots oursBetween = ours.scrape();
      MetricSnapshots theirsAfter = theirs.scrape();

      List<String> differences = new ArrayList<>();
      // Families, empty ones too (the text format leaves those out).
      compare("families", families(oursBetween), families(theirsBefore), differences);
      Exposition before = new Exposition(render(theirsBefore));
      Exposition between = new Exposition(render(oursBetween));
      Exposition after = new Exposition(render(theirsAfter));
      compare("HELP and TYPE lines", between.comments, before.comments, differences);
      compare("series", new ArrayList<>(between.samples.keySet()), new ArrayList<>(before.samples.keySet()),
          differences);
      for (Map.Entry<String, Double> sample : between.samples.entrySet()) {
        String series = sample.getKey();
        double ours1 = sample.getValue();
        Double theirs1 = before.samples.get(series);
        Double theirs2 = after.samples.get(series);
        if (theirs1 == null || theirs2 == null) {
          continue;
        }
        if (of(series, FIXED) && (ours1 != theirs1 || ours1 != theirs2)) {
          differences.add(series + ": " + ours1 + ", client_java " + theirs1 + " and " + theirs2);
        } else if (of(series, RESIZED) && ours1 != theirs1 && ours1 != theirs2) {
          differences.add(series + ": " + ours1 + ", client_java " + theirs1 + " and " + theirs2);
        } else if (of(series, GROWING) && (ours1 < theirs1 || ours1 > theirs2)) {
          differences.add(series + ": " + ours1 + ", not between client_java's " + theirs1 + " and " + theirs2);
        } else if (series.equals("jvm_classes_currently_loaded") && Math.abs(ours1 - theirs1) > 100) {
          differences.add(series + ": " + ours1 + ", client_java " + theirs1);
        }
      }
      return differences;
    }

    private static void compare(String what, List<String> ours, List<String> theirs, List<String> differences) {
      if (!ours.equals(theirs)) {
        List<String> onlyOurs = new ArrayList<>(ours);
        onlyOurs.removeAll(theirs);
        List<String> onlyTheirs = new ArrayList<>(theirs);
        onlyTheirs.removeAll(ours);
        differences.add(what + ": only ours " + onlyOurs + ", only client_java's " + onlyTheirs
            + (onlyOurs.isEmpty() && onlyTheirs.isEmpty() ? ", in another order" : ""));
      }
    }

    /** Each family's name, type, unit and help, in order. */
    private static List<String> families(MetricSnapshots snapshots) {
      return snapshots.stream().map(s -> s.getMetadata().getName() + " " + s.getClass().getSimpleName() + " "
          + s.getMetadata().getUnit() + " " + s.getMetadata().getHelp()).collect(Collectors.toList());
    }

    private static boolean of(String series, List<String> names) {
      return names.stream().anyMatch(name -> series.equals(name) || series.startsWith(name + "{"));
    }
  }

  /** The text format's lines: comments in order, and each series with its value, in order. */
  private static final class Exposition {
    final List<String> comments = new ArrayList<>();
    final Map<String, Double> samples = new LinkedHashMap<>();

    Exposition(String text) {
      for (String line : text.split("\n")) {
        if (line.startsWith("#")) {
          comments.add(line);
        } else {
          int space = line.lastIndexOf(' ');
          samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
      }
    }
  }

  private static PrometheusRegistry ours() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmCollector.register(registry, PrometheusProperties.get());
    return registry;
  }

  private static PrometheusRegistry theirs() {
    PrometheusProperties config = PrometheusProperties.get();
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmCollector.registerClientJavas(registry, config);
    return registry;
  }

  private static List<String> names(MetricSnapshots snapshots) {
    return snapshots.stream().map(s -> s.getMetadata().getName()).collect(Collectors.toList());
  }

  private static String render(MetricSnapshots snapshots) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, snapshots);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A bean answering the named methods with the given values; any other call fails. */
  private static <T> T fake(Class<T> type, Object... answers) {
    Map<String, Object> byMethod = new HashMap<>();
    for (int i = 0; i < answers.length; i += 2) {
      byMethod.put((String) answers[i], answers[i + 1]);
    }
    return type.cast(Proxy.newProxyInstance(JvmCollectorTest.class.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          if (method.getName().equals("toString")) {
            return type.getSimpleName() + byMethod;
          }
          if (!byMethod.containsKey(method.getName())) {
            throw new UnsupportedOperationException(method.getName());
          }
          return byMethod.get(method.getName());
        }));
  }
}
