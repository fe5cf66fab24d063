package io.github.microc.exporter.core;

import static io.github.microc.exporter.core.SingleValue.counter;
import static io.github.microc.exporter.core.SingleValue.gauge;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The exporter's own memory, buffer pool, GC, class, compilation and runtime metrics:
 * client_java's {@link JvmMemoryMetrics}, {@link JvmBufferPoolMetrics},
 * {@link JvmGarbageCollectorMetrics}, {@link JvmClassLoadingMetrics},
 * {@link JvmCompilationMetrics} and {@link JvmRuntimeInfoMetric}, with the same names, types,
 * help, units, labels and values, from one collector instead of 22 callback metrics, for a third
 * of the CPU.
 * client_java's callback metrics make every label set again on each scrape, validating each
 * label name with a UTF-8 encoder, and read the heap's and the non-heap's usage four times
 * each, and each pool's usage and collection usage four times each. Here the metadata and the
 * label sets are made once: the pools, collectors and buffer pools they name are the JVM's for
 * its whole life (client_java, too, lists the beans once, at registration); a scrape reads each
 * bean once. Which series appear is still decided on each scrape, as client_java decides it: a
 * pool whose usage or collection usage is {@code null} is left out of those families;
 * compilation time is left out where it is not monitored. Safe for concurrent scrapes: nothing
 * in it changes after construction.
 *
 * <pre>
 * jvm_memory_used_bytes{area="heap"} 9051232.0
 * jvm_memory_pool_used_bytes{pool="Tenured Gen"} 4116480.0
 * jvm_memory_pool_collection_used_bytes{pool="Eden Space"} 0.0
 * jvm_buffer_pool_used_bytes{pool="direct"} 8192.0
 * jvm_gc_collection_seconds_count{gc="Copy"} 12
 * jvm_gc_collection_seconds_sum{gc="Copy"} 0.031
 * jvm_classes_loaded_total 2711.0
 * jvm_compilation_time_seconds_total 1.52
 * jvm_runtime_info{runtime="OpenJDK Runtime Environment",vendor="Eclipse Adoptium",version="17.0.15+6"} 1
 * </pre>
 */
final class JvmCollector implements MultiCollector {

  private static final MetricMetadata PENDING_FINALIZATION = new MetricMetadata(
      "jvm_memory_objects_pending_finalization", "The number of objects waiting in the finalizer queue.");
  private static final MetricMetadata USED =
      new MetricMetadata("jvm_memory_used_bytes", "Used bytes of a given JVM memory area.", Unit.BYTES);
  private static final MetricMetadata COMMITTED = new MetricMetadata(
      "jvm_memory_committed_bytes", "Committed (bytes) of a given JVM memory area.", Unit.BYTES);
  private static final MetricMetadata MAX =
      new MetricMetadata("jvm_memory_max_bytes", "Max (bytes) of a given JVM memory area.", Unit.BYTES);
  private static final MetricMetadata INIT =
      new MetricMetadata("jvm_memory_init_bytes", "Initial bytes of a given JVM memory area.", Unit.BYTES);
  private static final MetricMetadata POOL_USED =
      new MetricMetadata("jvm_memory_pool_used_bytes", "Used bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata POOL_COMMITTED = new MetricMetadata(
      "jvm_memory_pool_committed_bytes", "Committed bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata POOL_MAX =
      new MetricMetadata("jvm_memory_pool_max_bytes", "Max bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata POOL_INIT =
      new MetricMetadata("jvm_memory_pool_init_bytes", "Initial bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata COLLECTION_USED = new MetricMetadata("jvm_memory_pool_collection_used_bytes",
      "Used bytes after last collection of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata COLLECTION_COMMITTED = new MetricMetadata(
      "jvm_memory_pool_collection_committed_bytes",
      "Committed after last collection bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata COLLECTION_MAX = new MetricMetadata("jvm_memory_pool_collection_max_bytes",
      "Max bytes after last collection of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata COLLECTION_INIT = new MetricMetadata("jvm_memory_pool_collection_init_bytes",
      "Initial after last collection bytes of a given JVM memory pool.", Unit.BYTES);
  private static final MetricMetadata BUFFER_USED = new MetricMetadata(
      "jvm_buffer_pool_used_bytes", "Used bytes of a given JVM buffer pool.", Unit.BYTES);
  private static final MetricMetadata BUFFER_CAPACITY = new MetricMetadata(
      "jvm_buffer_pool_capacity_bytes", "Bytes capacity of a given JVM buffer pool.", Unit.BYTES);
  private static final MetricMetadata BUFFER_COUNT =
      new MetricMetadata("jvm_buffer_pool_used_buffers", "Used buffers of a given JVM buffer pool.");
  private static final MetricMetadata GC = new MetricMetadata(
      "jvm_gc_collection_seconds", "Time spent in a given JVM garbage collector in seconds.", Unit.SECONDS);
  private static final MetricMetadata CLASSES_CURRENT = new MetricMetadata(
      "jvm_classes_currently_loaded", "The number of classes that are currently loaded in the JVM");
  private static final MetricMetadata CLASSES_LOADED = new MetricMetadata("jvm_classes_loaded",
      "The total number of classes that have been loaded since the JVM has started execution");
  private static final MetricMetadata CLASSES_UNLOADED = new MetricMetadata("jvm_classes_unloaded",
      "The total number of classes that have been unloaded since the JVM has started execution");
  private static final MetricMetadata COMPILATION = new MetricMetadata("jvm_compilation_time_seconds",
      "The total time in seconds taken for HotSpot class compilation", Unit.SECONDS);
  private static final MetricMetadata RUNTIME = new MetricMetadata("jvm_runtime", "JVM runtime info");
  private static final Labels HEAP = Labels.of("area", "heap");
  private static final Labels NON_HEAP = Labels.of("area", "nonheap");

  private final MemoryMXBean memory;
  /** The pools, collectors and buffer pools in their labels' order, the order a family sorts them in. */
  private final MemoryPoolMXBean[] pools;
  private final Labels[] poolLabels;
  private final GarbageCollectorMXBean[] collectors;
  private final Labels[] collectorLabels;
  private final BufferPoolMXBean[] buffers;
  private final Labels[] bufferLabels;
  private final ClassLoadingMXBean classes;
  /** Null where compilation time is not monitored: the family is left out, as client_java leaves it out. */
  private final CompilationMXBean compilation;
  /** Immutable, so one serves every scrape. */
  private final InfoSnapshot runtime;
  private final List<String> names;

  /**
   * @param compilation null where the JVM has no compiler
   * @param runtime the {@code version}, {@code vendor} and {@code runtime} labels of {@code jvm_runtime_info}
   */
  JvmCollector(MemoryMXBean memory, List<MemoryPoolMXBean> pools, List<GarbageCollectorMXBean> collectors,
      List<BufferPoolMXBean> buffers, ClassLoadingMXBean classes, CompilationMXBean compilation,
      Labels runtime) {
    this.memory = memory;
    this.pools = sorted(pools, MemoryPoolMXBean::getName, MemoryPoolMXBean[]::new);
    this.poolLabels = labels(this.pools, MemoryPoolMXBean::getName, "pool");
    this.collectors = sorted(collectors, GarbageCollectorMXBean::getName, GarbageCollectorMXBean[]::new);
    this.collectorLabels = labels(this.collectors, GarbageCollectorMXBean::getName, "gc");
    this.buffers = sorted(buffers, BufferPoolMXBean::getName, BufferPoolMXBean[]::new);
    this.bufferLabels = labels(this.buffers, BufferPoolMXBean::getName, "pool");
    this.classes = classes;
    this.compilation =
        compilation != null && compilation.isCompilationTimeMonitoringSupported() ? compilation : null;
    this.runtime = new InfoSnapshot(RUNTIME, List.of(new InfoDataPointSnapshot(runtime)));
    List<String> names = new ArrayList<>();
    for (MetricMetadata family : List.of(PENDING_FINALIZATION, USED, COMMITTED, MAX, INIT, POOL_USED,
        POOL_COMMITTED, POOL_MAX, POOL_INIT, COLLECTION_USED, COLLECTION_COMMITTED, COLLECTION_MAX,
        COLLECTION_INIT, BUFFER_USED, BUFFER_CAPACITY, BUFFER_COUNT, GC, CLASSES_CURRENT, CLASSES_LOADED,
        CLASSES_UNLOADED, RUNTIME)) {
      names.add(family.getPrometheusName());
    }
    if (this.compilation != null) {
      names.add(COMPILATION.getPrometheusName());
    }
    this.names = List.copyOf(names);
  }

  /**
   * Registers this, or client_java's six in a GraalVM native image, where the beans are
   * SubstrateVM's and this has not been compared with them.
   */
  static void register(PrometheusRegistry registry, PrometheusProperties config) {
    if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
      registerClientJavas(registry, config);
    } else {
      registry.register(platform());
    }
  }

  /** client_java's six collectors that this one stands for. */
  static void registerClientJavas(PrometheusRegistry registry, PrometheusProperties config) {
    JvmBufferPoolMetrics.builder(config).register(registry);
    JvmClassLoadingMetrics.builder(config).register(registry);
    JvmCompilationMetrics.builder(config).register(registry);
    JvmGarbageCollectorMetrics.builder(config).register(registry);
    JvmMemoryMetrics.builder(config).register(registry);
    JvmRuntimeInfoMetric.builder(config).register(registry);
  }

  /** This JVM's beans, and its runtime read from the properties client_java reads. */
  static JvmCollector platform() {
    return new JvmCollector(ManagementFactory.getMemoryMXBean(), ManagementFactory.getMemoryPoolMXBeans(),
        ManagementFactory.getGarbageCollectorMXBeans(),
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class), ManagementFactory.getClassLoadingMXBean(),
        ManagementFactory.getCompilationMXBean(), Labels.of(
            "version", System.getProperty("java.runtime.version", "unknown"),
            "vendor", System.getProperty("java.vm.vendor", "unknown"),
            "runtime", System.getProperty("java.runtime.name", "unknown")));
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> families = new ArrayList<>(names.size());
    areas(families);
    pools(families);
    buffers(families);
    families.add(collectors());
    families.add(gauge(CLASSES_CURRENT, classes.getLoadedClassCount()));
    families.add(counter(CLASSES_LOADED, classes.getTotalLoadedClassCount()));
    families.add(counter(CLASSES_UNLOADED, classes.getUnloadedClassCount()));
    if (compilation != null) {
      families.add(counter(COMPILATION, Unit.millisToSeconds(compilation.getTotalCompilationTime())));
    }
    families.add(runtime);
    return new MetricSnapshots(families);
  }

  /** The families' names, for the registry's check that no two collectors share one. */
  @Override
  public List<String> getPrometheusNames() {
    return names;
  }

  /** Heap and non-heap, each usage read once for its four families. */
  private void areas(List<MetricSnapshot> families) {
    MemoryUsage heap = memory.getHeapMemoryUsage();
    MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
    families.add(gauge(PENDING_FINALIZATION, memory.getObjectPendingFinalizationCount()));
    families.add(areas(USED, heap.getUsed(), nonHeap.getUsed()));
    families.add(areas(COMMITTED, heap.getCommitted(), nonHeap.getCommitted()));
    families.add(areas(MAX, heap.getMax(), nonHeap.getMax()));
    families.add(areas(INIT, heap.getInit(), nonHeap.getInit()));
  }

  private static GaugeSnapshot areas(MetricMetadata metadata, long heap, long nonHeap) {
    return new GaugeSnapshot(metadata, Arrays.asList(
        new GaugeDataPointSnapshot(heap, HEAP, null), new GaugeDataPointSnapshot(nonHeap, NON_HEAP, null)));
  }

  /** Each pool's usage and collection usage read once; a pool where one is null is left out of its four. */
  private void pools(List<MetricSnapshot> families) {
    int n = pools.length;
    GaugeDataPointSnapshot[][] now = new GaugeDataPointSnapshot[4][n];
    GaugeDataPointSnapshot[][] afterGc = new GaugeDataPointSnapshot[4][n];
    int nowCount = 0;
    int afterGcCount = 0;
    for (int i = 0; i < n; i++) {
      if (usage(pools[i].getUsage(), poolLabels[i], now, nowCount)) {
        nowCount++;
      }
      if (usage(pools[i].getCollectionUsage(), poolLabels[i], afterGc, afterGcCount)) {
        afterGcCount++;
      }
    }
    families.add(gauges(POOL_USED, now[0], nowCount));
    families.add(gauges(POOL_COMMITTED, now[1], nowCount));
    families.add(gauges(POOL_MAX, now[2], nowCount));
    families.add(gauges(POOL_INIT, now[3], nowCount));
    families.add(gauges(COLLECTION_USED, afterGc[0], afterGcCount));
    families.add(gauges(COLLECTION_COMMITTED, afterGc[1], afterGcCount));
    families.add(gauges(COLLECTION_MAX, afterGc[2], afterGcCount));
    families.add(gauges(COLLECTION_INIT, afterGc[3], afterGcCount));
  }

  /** Puts used, committed, max and init at {@code at} of the four arrays; false for a null usage. */
  private static boolean usage(MemoryUsage usage, Labels labels, GaugeDataPointSnapshot[][] points, int at) {
    if (usage == null) {
      return false;
    }
    points[0][at] = new GaugeDataPointSnapshot(usage.getUsed(), labels, null);
    points[1][at] = new GaugeDataPointSnapshot(usage.getCommitted(), labels, null);
    points[2][at] = new GaugeDataPointSnapshot(usage.getMax(), labels, null);
    points[3][at] = new GaugeDataPointSnapshot(usage.getInit(), labels, null);
    return true;
  }

  private void buffers(List<MetricSnapshot> families) {
    int n = buffers.length;
    GaugeDataPointSnapshot[] used = new GaugeDataPointSnapshot[n];
    GaugeDataPointSnapshot[] capacity = new GaugeDataPointSnapshot[n];
    GaugeDataPointSnapshot[] count = new GaugeDataPointSnapshot[n];
    for (int i = 0; i < n; i++) {
      used[i] = new GaugeDataPointSnapshot(buffers[i].getMemoryUsed(), bufferLabels[i], null);
      capacity[i] = new GaugeDataPointSnapshot(buffers[i].getTotalCapacity(), bufferLabels[i], null);
      count[i] = new GaugeDataPointSnapshot(buffers[i].getCount(), bufferLabels[i], null);
    }
    families.add(gauges(BUFFER_USED, used, n));
    families.add(gauges(BUFFER_CAPACITY, capacity, n));
    families.add(gauges(BUFFER_COUNT, count, n));
  }

  /** A summary of count and sum, no quantiles, as client_java's. */
  private SummarySnapshot collectors() {
    SummaryDataPointSnapshot[] points = new SummaryDataPointSnapshot[collectors.length];
    for (int i = 0; i < points.length; i++) {
      points[i] = new SummaryDataPointSnapshot(collectors[i].getCollectionCount(),
          Unit.millisToSeconds(collectors[i].getCollectionTime()), Quantiles.EMPTY, collectorLabels[i],
          Exemplars.EMPTY, 0);
    }
    return new SummarySnapshot(GC, Arrays.asList(points));
  }

  private static GaugeSnapshot gauges(MetricMetadata metadata, GaugeDataPointSnapshot[] points, int count) {
    return new GaugeSnapshot(metadata,
        Arrays.asList(count == points.length ? points : Arrays.copyOf(points, count)));
  }

  /**
   * The beans in the order of their names, so of their label sets: a family's snapshot sorts its
   * points by label set, and given them in that order, the sort is one pass.
   */
  private static <T> T[] sorted(List<T> beans, Function<T, String> name, IntFunction<T[]> array) {
    T[] result = beans.toArray(array.apply(0));
    Arrays.sort(result, Comparator.comparing(name));
    return result;
  }

  private static <T> Labels[] labels(T[] beans, Function<T, String> name, String label) {
    Labels[] result = new Labels[beans.length];
    for (int i = 0; i < beans.length; i++) {
      result[i] = Labels.of(label, name.apply(beans[i]));
    }
    return result;
  }
}
