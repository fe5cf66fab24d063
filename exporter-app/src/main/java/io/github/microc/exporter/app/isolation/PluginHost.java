package io.github.microc.exporter.app.isolation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.engine.CollectionEngine;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.engine.LoaderThreads;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.StatusTable;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import oshi.SystemInfo;
import oshi.util.GlobalConfig;

/**
 * The process one plugin jar runs in ({@code java -cp microc-exporter.jar ...PluginHost JAR}):
 * it loads the jar, says which plugins it holds, creates the collectors Microc asks for and
 * answers each collection with OpenMetrics text, over its standard input and output
 * ({@link Protocol}). What the plugins print goes to standard error, which Microc logs. Each
 * collector collects on a thread of its own, one collection at a time; a collection asked for
 * while the last one still runs is answered at once with a failure, so that a stuck plugin
 * never stops the process from answering. The tables a collector adds for the landing page are
 * made on request, one at a time per collector, on a thread of their own. It ends when its
 * standard input closes.
 */
public final class PluginHost {

  private final OutputStream out;
  private final URLClassLoader loader;
  private final Map<String, CollectorPlugin> plugins = new LinkedHashMap<>();
  private final Map<String, Worker> workers = new ConcurrentHashMap<>();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "plugin-scheduler");
    t.setDaemon(true);
    return t;
  });
  private volatile SystemInfo system;
  private final Map<Class<?>, Object> shared = new ConcurrentHashMap<>();

  private PluginHost(OutputStream out, URLClassLoader loader) {
    this.out = out;
    this.loader = loader;
  }

  public static void main(String[] args) throws IOException {
    // The protocol owns standard output; whatever a plugin prints goes to standard error.
    OutputStream protocol = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    Path jar = Path.of(args[0]);
    URLClassLoader loader = new URLClassLoader("plugin " + jar.getFileName(),
        new URL[] {jar.toUri().toURL()}, PluginHost.class.getClassLoader());
    PluginHost host = new PluginHost(protocol, loader);
    host.hello(jar);
    host.serve(new DataInputStream(new BufferedInputStream(System.in)));
    host.close();
    System.exit(0);
  }

  private void hello(Path jar) throws IOException {
    StringBuilder text = new StringBuilder();
    try {
      List<CollectorPlugin> found = Microc.discover(loader, type -> type.getClassLoader() == loader,
          "plugin jar " + jar, (type, thrown) -> {
            text.append("broken\t").append(type.getName()).append('\t')
                .append(Protocol.field(Microc.reason(thrown))).append('\n');
            return null;
          });
      for (CollectorPlugin plugin : found) {
        if (plugin != null) {
          plugins.put(plugin.name(), plugin);
          text.append("plugin\t").append(Protocol.field(plugin.name())).append('\t')
              .append(plugin.enabledByDefault()).append('\t')
              .append(Protocol.field(plugin.description())).append('\t')
              .append(plugin.getClass().getName()).append('\n');
        }
      }
    } catch (StartupException e) {
      text.setLength(0);
      text.append("error\t").append(Protocol.field(e.getMessage())).append('\n');
    }
    send("hello", 0, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void serve(DataInputStream in) throws IOException {
    Protocol.Header header;
    while ((header = Protocol.readHeader(in)) != null) {
      byte[] payload = new byte[Math.toIntExact(header.length())];
      in.readFully(payload);
      switch (header.kind()) {
        case "create" -> create(header.id(), header.arg(), payload);
        case "collect" -> collect(header.id(), header.arg());
        case "status" -> status(header.id(), header.arg(), new String(payload, StandardCharsets.US_ASCII));
        case "cancel" -> {
          Worker worker = workers.get(header.arg());
          if (worker != null) {
            worker.cancel(header.id());
          }
        }
        default -> throw new Protocol.ProtocolException("unknown frame " + header.kind());
      }
    }
  }

  private void create(long id, String name, byte[] payload) throws IOException {
    CollectorPlugin plugin = plugins.get(name);
    if (plugin == null) {
      send("create-failed", id, ("no plugin named " + name).getBytes(StandardCharsets.UTF_8));
      return;
    }
    PluginConfig config;
    HostPaths paths;
    try (DataInputStream data = new DataInputStream(new ByteArrayInputStream(payload))) {
      String path = data.readUTF();
      paths = new HostPaths(Path.of(data.readUTF()), Path.of(data.readUTF()), Path.of(data.readUTF()),
          Path.of(data.readUTF()));
      try (ObjectInputStream objects = new ObjectInputStream(data)) {
        config = new PluginConfig(path, (Config) objects.readObject());
      }
    } catch (ClassNotFoundException e) {
      throw new IOException(e);
    }
    configureOshi(paths);
    Worker worker = new Worker(name, config.getInt("max-series"));
    String kind;
    String answer = "";
    Context context = new Context(config, paths, worker);
    try {
      MultiCollector collector = worker.call(() -> plugin.create(context));
      if (collector == null) {
        throw new IllegalStateException("create() returned null");
      }
      if (collector instanceof AutoCloseable closeable) {
        synchronized (resources) {
          resources.push(closeable);
        }
      }
      worker.collector = collector;
      Worker previous = workers.put(name, worker);
      if (previous != null && previous.collector instanceof AutoCloseable replaced) {
        // Made again by a reload: the one it replaces is closed now, not at the end.
        synchronized (resources) {
          resources.remove(replaced);
        }
        try {
          replaced.close();
        } catch (Exception e) {
          System.err.println("closing the collector " + name + " replaced: " + e);
        }
      }
      kind = "created";
      answer = String.valueOf(worker.tables.size());
    } catch (ConfigError e) {
      kind = "config-error";
      answer = e.getMessage();
    } catch (ConfigException e) {
      kind = "config-error";
      answer = config.path() + ": " + e.getMessage();
    } catch (Throwable e) {
      kind = "create-failed";
      answer = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    send(kind, id, answer.getBytes(StandardCharsets.UTF_8));
  }

  private void collect(long id, String name) throws IOException {
    Worker worker = workers.get(name);
    if (worker == null) {
      send("failed", id, ("no collector named " + name).getBytes(StandardCharsets.UTF_8));
    } else if (!worker.start(id)) {
      send("failed", id, "previous collection still running (it ignored the interrupt)"
          .getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Makes the collector's table {@code index} on a thread of its own, and answers with it. */
  private void status(long id, String name, String index) throws IOException {
    Worker worker = workers.get(name);
    int i;
    try {
      i = Integer.parseInt(index);
    } catch (NumberFormatException e) {
      i = -1;
    }
    if (worker == null || i < 0 || i >= worker.tables.size()) {
      send("status-failed", id, ("no table " + index + " of " + name).getBytes(StandardCharsets.UTF_8));
    } else if (!worker.tabling.compareAndSet(false, true)) {
      send("status-failed", id, "its last table is still being made".getBytes(StandardCharsets.UTF_8));
    } else {
      Supplier<StatusTable> table = worker.tables.get(i);
      Thread t = new Thread(() -> {
        String kind = "status";
        byte[] answer;
        try {
          answer = Protocol.table(Objects.requireNonNull(table.get(), "the table is null"))
              .getBytes(StandardCharsets.UTF_8);
          if (answer.length > Protocol.MAX_TABLE) {
            kind = "status-failed";
            answer = ("its table takes " + answer.length + " bytes, more than " + Protocol.MAX_TABLE)
                .getBytes(StandardCharsets.UTF_8);
          }
        } catch (Throwable e) {
          kind = "status-failed";
          answer = CollectorFailure.describe(e).getBytes(StandardCharsets.UTF_8);
        } finally {
          worker.tabling.set(false);
        }
        sendQuietly(kind, id, answer);
      }, "plugin-" + name + "-status");
      t.setContextClassLoader(loader);
      t.setDaemon(true);
      t.start();
    }
  }

  private void send(String kind, long id, byte[] payload) throws IOException {
    int threads = LoaderThreads.count(loader);
    synchronized (out) {
      Protocol.write(out, kind, id, String.valueOf(threads), payload);
    }
  }

  private void sendQuietly(String kind, long id, byte[] payload) {
    try {
      send(kind, id, payload);
    } catch (IOException e) {
      // Microc is gone; the read loop ends the process.
    }
  }

  private void close() {
    synchronized (resources) {
      while (!resources.isEmpty()) {
        try {
          resources.pop().close();
        } catch (Exception e) {
          System.err.println("closing " + e);
        }
      }
    }
  }

  private static void configureOshi(HostPaths paths) {
    GlobalConfig.set("oshi.util.proc.path", paths.proc().toString());
    GlobalConfig.set("oshi.util.sys.path", paths.sys().toString());
  }

  /** One collector's thread: one collection at a time, with the jar's context class loader. */
  private final class Worker {
    private final String name;
    private final int maxSeries;
    private volatile MultiCollector collector;
    /** The collection running, or 0. */
    private final java.util.concurrent.atomic.AtomicLong running = new java.util.concurrent.atomic.AtomicLong();
    private volatile Thread thread;
    private final AtomicInteger count = new AtomicInteger();
    /** What it added with {@link PluginContext#addStatus}. */
    final List<Supplier<StatusTable>> tables = new CopyOnWriteArrayList<>();
    /** Whether one of its tables is being made. */
    final AtomicBoolean tabling = new AtomicBoolean();

    Worker(String name, int maxSeries) {
      this.name = name;
      this.maxSeries = maxSeries;
    }

    /** Runs on a new thread of the jar's context class loader and waits for it. */
    <T> T call(java.util.concurrent.Callable<T> task) throws Exception {
      java.util.concurrent.FutureTask<T> future = new java.util.concurrent.FutureTask<>(task);
      Thread t = new Thread(future, "plugin-" + name + "-create");
      t.setContextClassLoader(loader);
      t.setDaemon(true);
      t.start();
      try {
        return future.get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof Exception ex) {
          throw ex;
        }
        throw new IllegalStateException(CollectorFailure.describe(e.getCause()), e.getCause());
      }
    }

    boolean start(long id) {
      if (!running.compareAndSet(0, id)) {
        return false;
      }
      Thread t = new Thread(() -> run(id), "plugin-" + name + "-" + count.incrementAndGet());
      t.setContextClassLoader(loader);
      t.setDaemon(true);
      thread = t;
      t.start();
      return true;
    }

    void cancel(long id) {
      Thread t = thread;
      if (running.get() == id && t != null) {
        t.interrupt();
      }
    }

    private void run(long id) {
      String kind;
      byte[] payload;
      try {
        MetricSnapshots snapshots = collector.collect();
        if (snapshots == null) {
          throw new IllegalStateException("collect() returned null");
        }
        long samples = CollectionEngine.samples(snapshots);
        if (samples > maxSeries) {
          kind = "failed";
          payload = ("returned " + samples + " samples, more than max-series (" + maxSeries
              + "); the result is dropped").getBytes(StandardCharsets.UTF_8);
        } else {
          ByteArrayOutputStream text = new ByteArrayOutputStream(8192);
          OpenMetricsTextFormatWriter.create().write(text, snapshots);
          kind = "metrics";
          payload = text.toByteArray();
        }
      } catch (Throwable t) {
        kind = "failed";
        payload = CollectorFailure.describe(t).getBytes(StandardCharsets.UTF_8);
      } finally {
        thread = null;
        running.set(0);
      }
      sendQuietly(kind, id, payload);
    }
  }


  private final class Context implements PluginContext {
    private final PluginConfig config;
    private final HostPaths paths;
    private final Worker worker;

    Context(PluginConfig config, HostPaths paths, Worker worker) {
      this.config = config;
      this.paths = paths;
      this.worker = worker;
    }

    @Override
    public PluginConfig config() {
      return config;
    }

    @Override
    public SystemInfo system() {
      SystemInfo s = system;
      if (s == null) {
        synchronized (PluginHost.this) {
          if (system == null) {
            system = new SystemInfo();
          }
          s = system;
        }
      }
      return s;
    }

    @Override
    public HostPaths hostPaths() {
      return paths;
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return scheduler;
    }

    @Override
    public void closeOnShutdown(AutoCloseable resource) {
      synchronized (resources) {
        resources.push(Objects.requireNonNull(resource, "resource"));
      }
    }

    /** Shown on Microc's landing page: Microc asks for it by its index when the page is made. */
    @Override
    public void addStatus(Supplier<StatusTable> table) {
      worker.tables.add(Objects.requireNonNull(table, "table"));
    }

    /** Shared among the plugins of this jar, which are all this JVM runs. */
    @Override
    public <T> T shared(Class<T> type, Supplier<? extends T> make) {
      Objects.requireNonNull(make, "make");
      return type.cast(shared.computeIfAbsent(type,
          t -> Objects.requireNonNull(make.get(), "shared " + type.getName())));
    }
  }
}
