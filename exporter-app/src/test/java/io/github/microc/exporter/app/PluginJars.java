package io.github.microc.exporter.app;

import com.typesafe.config.Config;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import oshi.SystemInfo;

/**
 * Plugin jars built by the tests themselves: sources compiled with the JDK's compiler against
 * Microc's SPI, packed with {@link JarOutputStream}. The classes are not on the test class
 * path, so that a parent-first loader really loads them from the jar.
 */
final class PluginJars {

  /** A working plugin, {@code greeting}, with a key of its own in its reference.conf. */
  static final String GREETING = """
      package sample.greeting;

      import io.github.microc.exporter.core.spi.CollectorPlugin;
      import io.github.microc.exporter.core.spi.MetricFamily;
      import io.github.microc.exporter.core.spi.PluginContext;
      import io.prometheus.metrics.model.registry.MultiCollector;
      import io.prometheus.metrics.model.snapshots.MetricSnapshots;

      public final class GreetingPlugin implements CollectorPlugin {
        @Override public String name() { return "greeting"; }
        @Override public String description() { return "Says hello (a test plugin)."; }
        @Override public boolean enabledByDefault() { return true; }
        @Override public MultiCollector create(PluginContext context) {
          String who = context.config().getString("who");
          return () -> MetricSnapshots.of(MetricFamily.info("sample_greeting_info",
              "A greeting.", "who").addInfo(who).build());
        }
      }
      """;

  static final String GREETING_REFERENCE = """
      microc.collectors.greeting {
        # Whom to greet.
        who = "world"
      }
      """;

  /** Another plugin that claims the name {@code greeting}. */
  static final String OTHER_GREETING = GREETING
      .replace("package sample.greeting;", "package sample.other;")
      .replace("GreetingPlugin", "OtherGreetingPlugin");

  /** A plugin whose superclass is left out of its jar. */
  static final String BASE = """
      package sample.missing;
      public abstract class Base {}
      """;

  static final String BROKEN = """
      package sample.broken;

      import io.github.microc.exporter.core.spi.CollectorPlugin;
      import io.github.microc.exporter.core.spi.PluginContext;
      import io.prometheus.metrics.model.registry.MultiCollector;

      public final class BrokenPlugin extends sample.missing.Base implements CollectorPlugin {
        @Override public String name() { return "broken"; }
        @Override public MultiCollector create(PluginContext context) { return null; }
      }
      """;

  /**
   * Hostile plugins, one fault each, named {@code hostile_<fault>}: their collect allocates
   * 200 MB in 1 MB chunks it keeps, or one 200 MB array; calls {@code System.exit(3)}; starts a
   * thread that never ends; blocks for ever ignoring interrupts; recurses until
   * {@code StackOverflowError}; returns 100,000 series; or their constructor throws.
   */
  static final Map<String, String> HOSTILE = Map.of(
      "alloc", "java.util.List<byte[]> kept = new java.util.ArrayList<>();"
          + " for (int i = 0; i < 200; i++) { kept.add(new byte[1 << 20]); }"
          + " return gauge(kept.size());",
      "array", "byte[] big = new byte[200 << 20]; return gauge(big.length);",
      "exit", "System.exit(3); return gauge(0);",
      "thread", "Thread t = new Thread(() -> { try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { } });"
          + " t.setDaemon(true); t.start(); return gauge(1);",
      "block", "Object lock = new Object(); while (true) { try { synchronized (lock) { lock.wait(); } }"
          + " catch (InterruptedException ignored) { } }",
      "stack", "return gauge(depth(0));",
      "ctor", "return gauge(1);",
      "series", "MetricFamily f = MetricFamily.gauge(\"hostile_series\", \"Many.\", \"i\");"
          + " for (int i = 0; i < 100_000; i++) { f.add(i, String.valueOf(i)); }"
          + " return MetricSnapshots.of(f.build());");

  static String hostileSource(String fault) {
    String constructor = fault.equals("ctor")
        ? "public HostilePlugin() { throw new IllegalStateException(\"refuses to be made\"); }" : "";
    return """
        package hostile.%1$s;

        import io.github.microc.exporter.core.spi.CollectorPlugin;
        import io.github.microc.exporter.core.spi.MetricFamily;
        import io.github.microc.exporter.core.spi.PluginContext;
        import io.prometheus.metrics.model.registry.MultiCollector;
        import io.prometheus.metrics.model.snapshots.MetricSnapshots;

        public final class HostilePlugin implements CollectorPlugin {
          %3$s
          @Override public String name() { return "hostile_%1$s"; }
          @Override public String description() { return "A plugin that misbehaves: %1$s."; }
          @Override public boolean enabledByDefault() { return true; }
          @Override public MultiCollector create(PluginContext context) { return this::collect; }

          private MetricSnapshots collect() {
            %2$s
          }

          private static int depth(int n) { return depth(n + 1) + 1; }

          private static MetricSnapshots gauge(double value) {
            return MetricSnapshots.of(MetricFamily.gauge("hostile_value", "A value.", value));
          }
        }
        """.formatted(fault, HOSTILE.get(fault), constructor);
  }

  /** The jar of one hostile plugin, with a reference.conf declaring its block. */
  Path hostileJar(String fault, Path file) throws IOException {
    return jar().classes("hostile/" + fault).services("hostile." + fault + ".HostilePlugin")
        .text("reference.conf", "microc.collectors.hostile_" + fault + " {}\n").writeTo(file);
  }

  /**
   * {@code slow}: each collection takes {@code sleep} (2s by default). With a {@code gate}
   * directory holding a file {@code armed}, a collection instead writes {@code collecting} there
   * and waits until a file {@code release} appears (at most {@code sleep}): a test then acts
   * while a scrape is surely in flight, and ends it when it is done.
   */
  static final String SLOW = """
      package sample.slow;

      import io.github.microc.exporter.core.spi.CollectorPlugin;
      import io.github.microc.exporter.core.spi.MetricFamily;
      import io.github.microc.exporter.core.spi.PluginContext;
      import io.prometheus.metrics.model.registry.MultiCollector;
      import io.prometheus.metrics.model.snapshots.MetricSnapshots;
      import java.nio.file.Files;
      import java.nio.file.Path;

      public final class SlowPlugin implements CollectorPlugin {
        @Override public String name() { return "slow"; }
        @Override public String description() { return "Takes its time (a test plugin)."; }
        @Override public MultiCollector create(PluginContext context) {
          long millis = context.config().getDuration("sleep").toMillis();
          String gate = context.config().getString("gate");
          return () -> {
            try {
              if (!gate.isEmpty() && Files.exists(Path.of(gate, "armed"))) {
                Files.writeString(Path.of(gate, "collecting"), "");
                long end = System.nanoTime() + millis * 1_000_000;
                while (!Files.exists(Path.of(gate, "release")) && System.nanoTime() < end) {
                  Thread.sleep(10);
                }
              } else {
                Thread.sleep(millis);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            return MetricSnapshots.of(MetricFamily.gauge("sample_slow_done", "Done.", 1));
          };
        }
      }
      """;

  static final String SLOW_REFERENCE = "microc.collectors.slow { sleep = 2s, gate = \"\", timeout = 10s }\n";

  /** {@code wide}: {@code series} series with long labels, about 130 bytes of text each. */
  static final String WIDE = """
      package sample.wide;

      import io.github.microc.exporter.core.spi.CollectorPlugin;
      import io.github.microc.exporter.core.spi.MetricFamily;
      import io.github.microc.exporter.core.spi.PluginContext;
      import io.prometheus.metrics.model.registry.MultiCollector;
      import io.prometheus.metrics.model.snapshots.MetricSnapshots;

      public final class WidePlugin implements CollectorPlugin {
        @Override public String name() { return "wide"; }
        @Override public String description() { return "Many series (a test plugin)."; }
        @Override public MultiCollector create(PluginContext context) {
          int series = context.config().getInt("series");
          return () -> {
            MetricFamily family = MetricFamily.gauge("sample_wide_value", "Wide.", "id", "series");
            for (int i = 0; i < series; i++) {
              family.add(i, "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                  Integer.toString(i));
            }
            return MetricSnapshots.of(family.build());
          };
        }
      }
      """;

  /**
   * {@code tabled}: two landing-page tables, one with the JVM's pid, its collection count and
   * text that needs escaping both in the protocol and on the page, and one that throws.
   */
  static final String TABLED = """
      package sample.tabled;

      import io.github.microc.exporter.core.spi.CollectorPlugin;
      import io.github.microc.exporter.core.spi.MetricFamily;
      import io.github.microc.exporter.core.spi.PluginContext;
      import io.github.microc.exporter.core.spi.StatusTable;
      import io.prometheus.metrics.model.registry.MultiCollector;
      import io.prometheus.metrics.model.snapshots.MetricSnapshots;
      import java.util.List;
      import java.util.concurrent.atomic.AtomicInteger;

      public final class TabledPlugin implements CollectorPlugin {
        @Override public String name() { return "tabled"; }
        @Override public String description() { return "Shows tables (a test plugin)."; }
        @Override public MultiCollector create(PluginContext context) {
          AtomicInteger collections = new AtomicInteger();
          context.addStatus(() -> new StatusTable("Tabled", "made in pid " + ProcessHandle.current().pid(),
              List.of("Collections", "Text"),
              List.of(List.of(Integer.toString(collections.get()), "a\\tb\\nc \\\\t <script>"))));
          context.addStatus(() -> { throw new IllegalStateException("no table today"); });
          return () -> {
            collections.incrementAndGet();
            return MetricSnapshots.of(MetricFamily.gauge("sample_tabled", "One.", 1));
          };
        }
      }
      """;

  static final String WIDE_REFERENCE = "microc.collectors.wide { series = 10000 }\n";

  private final Path classes;

  private PluginJars(Path classes) {
    this.classes = classes;
  }

  /** Compiles the sample sources once into {@code work/classes}. */
  static PluginJars compile(Path work) throws IOException {
    Path sources = Files.createDirectories(work.resolve("src"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-nowarn",
        "-d", classes.toString(), "-cp", classPath()));
    Map<String, String> files = new LinkedHashMap<>(Map.of(
        "sample/greeting/GreetingPlugin.java", GREETING,
        "sample/other/OtherGreetingPlugin.java", OTHER_GREETING,
        "sample/missing/Base.java", BASE,
        "sample/broken/BrokenPlugin.java", BROKEN,
        "sample/slow/SlowPlugin.java", SLOW,
        "sample/wide/WidePlugin.java", WIDE,
        "sample/tabled/TabledPlugin.java", TABLED));
    HOSTILE.keySet().forEach(fault -> files.put("hostile/" + fault + "/HostilePlugin.java", hostileSource(fault)));
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = sources.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue());
      args.add(path.toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, System.err, args.toArray(new String[0]));
    if (status != 0) {
      throw new IllegalStateException("javac failed with status " + status);
    }
    return new PluginJars(classes);
  }

  /** A jar builder; entries are added in order. */
  Jar jar() {
    return new Jar();
  }

  final class Jar {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    /** Every compiled class of a package, such as {@code sample/greeting}. */
    Jar classes(String packagePath) {
      Path dir = classes.resolve(packagePath);
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
          entries.put(classes.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    /** The service file listing these provider classes. */
    Jar services(String... providers) {
      return text(PluginDirectory.SERVICE_FILE, String.join("\n", providers) + "\n");
    }

    Jar text(String name, String content) {
      entries.put(name, content.getBytes(StandardCharsets.UTF_8));
      return this;
    }

    /** A copy of a class from the test class path, as a plugin that bundles it would have. */
    Jar copyOf(Class<?> type) {
      String name = type.getName().replace('.', '/') + ".class";
      try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
        entries.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Path writeTo(Path file) throws IOException {
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file);
          JarOutputStream jar = new JarOutputStream(out)) {
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
          jar.putNextEntry(new JarEntry(entry.getKey()));
          jar.write(entry.getValue());
          jar.closeEntry();
        }
      }
      return file;
    }
  }

  /** The working plugin, as a plugin author would build it. */
  Path greetingJar(Path file) throws IOException {
    return jar().classes("sample/greeting").services("sample.greeting.GreetingPlugin")
        .text("reference.conf", GREETING_REFERENCE).writeTo(file);
  }

  /** The {@code slow} plugin. */
  Path slowJar(Path file) throws IOException {
    return jar().classes("sample/slow").services("sample.slow.SlowPlugin")
        .text("reference.conf", SLOW_REFERENCE).writeTo(file);
  }

  /** The {@code wide} plugin. */
  Path wideJar(Path file) throws IOException {
    return jar().classes("sample/wide").services("sample.wide.WidePlugin")
        .text("reference.conf", WIDE_REFERENCE).writeTo(file);
  }

  /** The {@code tabled} plugin. */
  Path tabledJar(Path file) throws IOException {
    return jar().classes("sample/tabled").services("sample.tabled.TabledPlugin").writeTo(file);
  }

  /** The jars the SPI, the Prometheus model, OSHI and Typesafe Config come from. */
  private static String classPath() {
    return Stream.of(CollectorPlugin.class, MultiCollector.class, SystemInfo.class, Config.class)
        .map(PluginJars::location)
        .distinct()
        .collect(Collectors.joining(java.io.File.pathSeparator));
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
