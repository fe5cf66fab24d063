package io.github.microc.exporter.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.github.microc.exporter.core.config.CollectorSettings;
import io.github.microc.exporter.core.config.ConfigLoader;
import io.github.microc.exporter.core.config.ConfigValidator;
import io.github.microc.exporter.core.config.ExporterSettings;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.engine.CollectionEngine;
import io.github.microc.exporter.core.engine.CollectorFailure;
import io.github.microc.exporter.core.engine.LoaderThreads;
import io.github.microc.exporter.core.engine.PluginRuntime;
import io.github.microc.exporter.core.http.Endpoint;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.http.ServerProvider;
import io.github.microc.exporter.core.spi.StatusTable;
import io.github.microc.exporter.core.web.ServerTls;
import io.github.microc.exporter.core.web.WebConfig;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.util.GlobalConfig;

/**
 * Microc's collectors, configured and ready to scrape: the entry point for embedding.
 *
 * <pre>{@code
 * Microc microc = Microc.builder().build();          // every plugin on the class path
 * microc.register(PrometheusRegistry.defaultRegistry); // node_* beside the app's metrics
 * microc.startServer();                              // optional: :10049/metrics
 * ...
 * microc.close();
 * }</pre>
 *
 * <p>{@link Builder#build} finds the plugins, reads and validates the configuration and
 * creates the enabled collectors; any problem is a {@link StartupException} (a
 * {@link ConfigError} for configuration) whose message names the key and file, or the plugin
 * and its jar. Thread-safe.
 */
public final class Microc implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Microc.class);
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  /** The package of the host collectors, node_exporter's. */
  private static final String HOST_PACKAGE = "io.github.microc.exporter.core.host";

  private volatile Config config;
  private final ExporterSettings settings;
  private final CollectionEngine engine;
  private final ExecutorService collectorExecutor;
  private final ScheduledExecutorService scheduler;
  private final Deque<AutoCloseable> resources;
  private final Map<String, CollectorPlugin> plugins;
  private final List<PrometheusRegistry> registries = new ArrayList<>();
  /** What {@code /metrics} serves: the collectors and the exporter's own metrics. */
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final List<Supplier<StatusTable>> statusTables = new CopyOnWriteArrayList<>();
  private final List<ReloadStep> reloadSteps = new CopyOnWriteArrayList<>();
  /** The tables the collectors as made now show ({@link PluginContext#addStatus}). */
  private volatile Map<String, List<Supplier<StatusTable>>> pluginTables = Map.of();
  /** The configuration file given, null for none; set once by the builder. */
  private Path configFile;
  /** Whether the exporter's own metrics were put in {@link #registry}. Guarded by this. */
  private boolean exporterMetrics;
  private ExporterServer server;
  /** The web-config file as last read; {@link WebConfig#NONE} without one. */
  private volatile WebConfig web;
  /** How the configuration was read, to read it again on a reload. Guarded by this. */
  private ConfigLoader loader;
  private SharedSystem system;
  /** The collectors as made, by name. Guarded by this. */
  private Map<String, Made> made;
  private volatile boolean lastReloadOk = true;
  private volatile double lastReloadSeconds = System.currentTimeMillis() / 1000.0;
  /** When a reload was last tried, 0 for never, and why it failed (null when it did not). */
  private volatile long lastReloadAttemptMillis;
  private volatile String lastReloadError;
  /** The endpoint, once bound. Guarded by this. */
  private Endpoint endpoint;
  /** TLS of the endpoint, when it has any. Guarded by this. */
  private ServerTls tls;
  private boolean closed;
  /** The collection {@link #warmUp} started; null before. Guarded by this. */
  private CompletableFuture<MetricSnapshots> warm;

  private Microc(Config config, ExporterSettings settings, CollectionEngine engine,
      ExecutorService collectorExecutor, ScheduledExecutorService scheduler,
      Deque<AutoCloseable> resources, Map<String, CollectorPlugin> plugins, WebConfig web) {
    this.web = web;
    this.config = config;
    this.settings = settings;
    this.engine = engine;
    this.collectorExecutor = collectorExecutor;
    this.scheduler = scheduler;
    this.resources = resources;
    this.plugins = plugins;
    registry.register(engine);
    registry.register(() -> MetricSnapshots.of(
        MetricFamily.gauge("microc_config_last_reload_successful",
            "Whether the last configuration reload succeeded (1 before any).", lastReloadOk ? 1 : 0),
        MetricFamily.gauge("microc_config_last_reload_success_timestamp_seconds",
            "When the configuration was last loaded successfully, at the start or by a reload.",
            lastReloadSeconds)));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The plugins {@code loader} provides whose class passes {@code own}, instantiated, with
   * their name, description and default read once so that a missing class shows here.
   *
   * @param source how a failure names where the plugins come from
   */
  public static List<CollectorPlugin> discover(ClassLoader loader, Predicate<Class<?>> own, String source) {
    return discover(loader, own, source, null);
  }

  /**
   * As {@link #discover(ClassLoader, Predicate, String)}, but a provider whose constructor (or
   * static initializer, or {@code name()}, {@code description()}, {@code enabledByDefault()})
   * throws is replaced by what {@code whenItThrows} makes of its class and the exception,
   * instead of stopping the start-up. A class missing from the jar still stops it.
   */
  public static List<CollectorPlugin> discover(ClassLoader loader, Predicate<Class<?>> own, String source,
      BiFunction<Class<?>, Throwable, CollectorPlugin> whenItThrows) {
    List<CollectorPlugin> result = new ArrayList<>();
    Iterator<ServiceLoader.Provider<CollectorPlugin>> providers =
        ServiceLoader.load(CollectorPlugin.class, loader).stream().iterator();
    try {
      while (providers.hasNext()) {
        ServiceLoader.Provider<CollectorPlugin> provider = providers.next();
        if (!own.test(provider.type())) {
          continue;
        }
        try {
          CollectorPlugin plugin = provider.get();
          plugin.name();
          plugin.description();
          plugin.enabledByDefault();
          result.add(plugin);
        } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
          if (whenItThrows == null || missingClass(e)) {
            throw e;
          }
          Throwable thrown = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
          result.add(whenItThrows.apply(provider.type(), thrown));
        }
      }
    } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
      if (e instanceof StartupException startup) {
        throw startup;
      }
      throw new StartupException(source + ": cannot load its collector plugin: " + reason(e), e);
    }
    return result;
  }


  /** A class the jar lacks: a packaging error, not a plugin failing. */
  private static boolean missingClass(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
        return true;
      }
    }
    return false;
  }

  /** The error and its causes, one line: ServiceLoader wraps the interesting part. */
  public static String reason(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      String message = t.getMessage();
      if (t instanceof ServiceConfigurationError && message != null) {
        // "io.github...CollectorPlugin: Provider x could not be instantiated" -> the provider part.
        int colon = message.indexOf(": ");
        text.append(colon > 0 ? message.substring(colon + 2) : message);
      } else {
        text.append(t.getClass().getSimpleName()).append(message == null ? "" : " " + message);
      }
    }
    return text.toString();
  }

  /** Microc's version, from the build. */
  public static String version() {
    try (InputStream in = Microc.class.getResourceAsStream("microc-build.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The collectors as one {@link MultiCollector}, to register or to scrape directly. */
  public CollectionEngine engine() {
    return engine;
  }

  /**
   * The merged, resolved configuration, with every collector's {@code enabled} (its plugin's
   * default where nothing else sets it).
   */
  public Config config() {
    return config;
  }

  public ExporterSettings settings() {
    return settings;
  }

  /** Every plugin found, by name, whether enabled or not. */
  public Map<String, CollectorPlugin> plugins() {
    return plugins;
  }

  /** Registers the collectors with an application's registry. */
  public synchronized Microc register(PrometheusRegistry registry) {
    registry.register(engine);
    registries.add(registry);
    return this;
  }

  /**
   * Collects once in the background, so that {@code /ready} turns 200 without a scrape; a
   * scrape that comes meanwhile shares this collection. Called before {@link #startServer},
   * the collection overlaps the endpoint's start and the exporter's own JVM metrics are
   * registered after it.
   */
  public synchronized CompletableFuture<MetricSnapshots> warmUp() {
    warm = CompletableFuture.supplyAsync(engine::collect, scheduler);
    return warm;
  }

  /**
   * What {@code /metrics} serves, whether or not the endpoint runs: the collectors and,
   * unless {@code microc.web.exporter-metrics} is off, the exporter's process and JVM metrics.
   * Push mode collects from here, so that it sends what a scrape would get.
   */
  public synchronized PrometheusRegistry registry() {
    if (settings.exporterMetrics() && !exporterMetrics) {
      exporterMetrics = true;
      // Their class loading (docs/architecture.md, "A scrape") is done in the background, and
      // after the first collection where one is under way, so the host and container metrics
      // come first.
      if (warm != null) {
        warm.whenCompleteAsync((result, error) -> registerJvmMetrics(registry), scheduler);
      } else {
        scheduler.execute(() -> registerJvmMetrics(registry));
      }
    }
    return registry;
  }

  /**
   * Adds a table to the landing page, after the collectors' own (push mode shows its endpoints so);
   * {@code table} is called on each request for the page, and its cells are escaped.
   */
  public void addStatus(Supplier<StatusTable> table) {
    statusTables.add(Objects.requireNonNull(table, "table"));
  }

  /**
   * Something outside the collectors that follows a reload (push mode's endpoints, say). On
   * each reload, {@code step} is given the new configuration after it passed validation and
   * before anything changes: it checks its part and throws a {@link ConfigError} to refuse the
   * whole reload, or returns what to do once the new configuration is in force.
   */
  public void onReload(ReloadStep step) {
    reloadSteps.add(Objects.requireNonNull(step, "step"));
  }

  /** A part of a reload; see {@link #onReload}. */
  @FunctionalInterface
  public interface ReloadStep {
    /**
     * @param merged the new configuration, every layer merged
     * @param settings the exporter's settings read from it
     * @return run once the new configuration is in force
     * @throws ConfigError when this part of the configuration cannot be used
     */
    Runnable prepare(Config merged, ExporterSettings settings);
  }

  /**
   * The tables of the landing page, above the collectors': the collectors' own (in the order of
   * their names), those added with {@link #addStatus}, then the configuration's state. A
   * table that cannot be made is shown as such, and the others still are.
   */
  private List<StatusTable> pageTables() {
    List<StatusTable> tables = new ArrayList<>();
    pluginTables.forEach((collector, own) -> own.forEach(t -> tables.add(table(collector, t))));
    statusTables.forEach(t -> tables.add(table("microc", t)));
    tables.add(configurationTable());
    return tables;
  }

  private static StatusTable table(String source, Supplier<StatusTable> table) {
    try {
      return Objects.requireNonNull(table.get(), "the table is null");
    } catch (RuntimeException | LinkageError e) {
      return new StatusTable(source, "Its table could not be made: " + CollectorFailure.describe(e),
          List.of(), List.of());
    }
  }

  /** Whether the last reload worked, when, and why not: what the reload metrics say, in words. */
  private StatusTable configurationTable() {
    List<String> files = new ArrayList<>();
    if (configFile != null) {
      files.add(configFile.toString());
    }
    if (web.file() != null) {
      files.add("web-config " + web.file());
    }
    long attempt = lastReloadAttemptMillis;
    String error = lastReloadError;
    return new StatusTable("Configuration",
        "The same as microc_config_last_reload_successful and"
            + " microc_config_last_reload_success_timestamp_seconds on /metrics.",
        List.of("Files", "Last reload (UTC)", "Successful", "Last loaded (UTC)", "Error"),
        List.of(List.of(
            files.isEmpty() ? "none: defaults, environment and flags" : String.join(", ", files),
            attempt == 0 ? "none since the start" : utc(attempt),
            lastReloadOk ? "yes" : "no: the configuration before it stays",
            utc((long) (lastReloadSeconds * 1000)),
            error == null ? "" : error)));
  }

  private static String utc(long millis) {
    return java.time.format.DateTimeFormatter.ISO_INSTANT.format(
        java.time.Instant.ofEpochMilli(millis).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  /**
   * Starts the endpoint on the configured {@code microc.web.listen-address}, serving
   * {@link #registry}.
   *
   * @throws IllegalStateException when the listen address is empty (push only)
   */
  public synchronized ExporterServer startServer() throws IOException {
    if (!settings.listening()) {
      throw new IllegalStateException("the endpoint is off: microc.web.listen-address is empty");
    }
    return startServer(settings.listen());
  }

  /** Starts the endpoint on the given address. */
  public synchronized ExporterServer startServer(ListenAddress listen) throws IOException {
    ExporterServer bound = bindServer(listen);
    bound.start();
    return bound;
  }

  /**
   * Binds the endpoint's address without answering yet, so that a taken port is reported
   * before anything else happens; {@link ExporterServer#start} starts it. The server is
   * {@code exporter-http}'s when that is on the class path (found with {@link ServiceLoader}),
   * else the JDK's own.
   *
   * @throws IOException when the address cannot be bound
   */
  public synchronized ExporterServer bindServer(ListenAddress listen) throws IOException {
    if (server != null) {
      throw new IllegalStateException("the endpoint is already running on port " + server.port());
    }
    Endpoint endpoint = new Endpoint(registry, engine, version(), settings.web(), this::pageTables);
    endpoint.web(web);
    if (settings.web().enableLifecycle()) {
      endpoint.lifecycle(() -> {
        try {
          reload();
          return null;
        } catch (ConfigError | StartupException e) {
          return e.getMessage();
        }
      });
    }
    this.endpoint = endpoint;
    if (web.tls() != null) {
      tls = new ServerTls(web.tls());
      tls.watch(scheduler, 1000);
      registry.register(tls.metrics());
    }
    ExporterServer bound = ServerProvider.find(Microc.class.getClassLoader())
        .bind(listen, settings.web(), tls, endpoint);
    server = new Served(bound);
    return server;
  }

  /**
   * A bound server that, once started, has the exporter's own metrics registered (after the
   * first collection where one is under way; see {@link #registry}).
   */
  private final class Served implements ExporterServer {
    private final ExporterServer bound;

    Served(ExporterServer bound) {
      this.bound = bound;
    }

    @Override
    public int port() {
      return bound.port();
    }

    @Override
    public void start() throws IOException {
      bound.start();
      registry();
    }

    @Override
    public void stop(Duration grace) {
      bound.stop(grace);
    }
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    synchronized (resources) {
      while (!resources.isEmpty()) {
        AutoCloseable resource = resources.pop();
        try {
          resource.close();
        } catch (Exception e) {
          log.warn("closing {} failed: {}", resource, e.toString());
        }
      }
    }
  }

  /**
   * Reads the configuration again (the file, the environment and the flags as at the start),
   * and the web-config file, and checks them whole before anything changes: a bad one leaves
   * the running configuration in force. Collectors whose block changed are made anew and the
   * others keep their state; the change happens between two scrapes, and the collectors that
   * left are closed once the scrapes that use them are over. Basic-auth users, headers and
   * TLS settings take effect for the next request or connection. What can only change at a
   * start (the listen address, the endpoint's limits, TLS switched on or off, the plugin jars)
   * is logged as such. {@code microc_config_last_reload_successful} says how it went.
   *
   * @throws ConfigError naming what is wrong, with its file and line; nothing changed
   * @throws StartupException when a plugin cannot make its collector; nothing changed
   */
  public synchronized void reload() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    lastReloadAttemptMillis = System.currentTimeMillis();
    try {
      reloadOnce();
      lastReloadOk = true;
      lastReloadError = null;
      lastReloadSeconds = System.currentTimeMillis() / 1000.0;
    } catch (RuntimeException e) {
      lastReloadOk = false;
      lastReloadError = e.getMessage() == null ? e.toString() : e.getMessage();
      log.error("reload failed, the running configuration stays: {}", e.getMessage());
      throw e;
    }
  }

  private void reloadOnce() {
    ConfigLoader.Layers layers = loader.load();
    ConfigValidator.validate(layers, plugins.keySet());
    Config merged = layers.merged();
    ExporterSettings next = ExporterSettings.from(merged);
    WebConfig nextWeb = next.web().configFile() == null ? WebConfig.NONE
        : WebConfig.read(next.web().configFile());
    if (server != null && (web.tls() == null) != (nextWeb.tls() == null)) {
      throw new ConfigError((nextWeb.file() != null ? nextWeb.file() : web.file())
          + ": tls_server_config " + (nextWeb.tls() == null ? "removed" : "added")
          + ": switching TLS on or off takes a restart");
    }
    ServerTls.Snapshot nextTls = null;
    if (tls != null) {
      try {
        nextTls = ServerTls.prepare(nextWeb.tls());
      } catch (IOException e) {
        throw new ConfigError(nextWeb.file() + ": " + e.getMessage(), e);
      }
    }
    // Every other part checks its share before anything is made or changed.
    List<Runnable> followers = new ArrayList<>();
    for (ReloadStep step : reloadSteps) {
      followers.add(step.prepare(merged, next));
    }
    Config effective = Builder.withEnabled(merged, plugins);
    CollectionEngine.Builder collectors = CollectionEngine.builder(collectorExecutor)
        .nodeExporterCollectors(Builder.nodeExporterCollectors(plugins));
    Map<String, Made> nextMade =
        Builder.assemble(plugins, merged, effective, next, system, scheduler, collectors, made);
    if (nextTls != null) {
      tls.use(nextTls);
    }
    Set<String> kept = new java.util.TreeSet<>();
    Set<String> remade = new java.util.TreeSet<>();
    nextMade.forEach((name, m) -> (m.reused() ? kept : remade).add(name));
    List<MultiCollector> left = engine.reconfigure(collectors.build(), kept);
    List<Made> retired = new ArrayList<>();
    made.forEach((name, m) -> {
      Made now = nextMade.get(name);
      if (now == null || now.collector() != m.collector()) {
        retired.add(m);
      }
    });
    made = nextMade;
    pluginTables = tablesOf(nextMade);
    config = effective;
    web = nextWeb;
    if (endpoint != null) {
      endpoint.web(nextWeb);
    }
    // Scrapes that started with the retired collectors finish within the largest timeout.
    long wait = retired.stream().mapToLong(m -> m.settings().timeout().toMillis()).max().orElse(0) + 1000;
    for (Made m : retired) {
      scheduler.schedule(() -> closeAll(m.resources()), wait, TimeUnit.MILLISECONDS);
    }
    for (Runnable follower : followers) {
      try {
        follower.run();
      } catch (RuntimeException e) {
        log.error("reload: {} failed to follow the new configuration: {}", follower, e.toString());
      }
    }
    if (!next.equals(settings)) {
      log.warn("reload: settings outside microc.collectors and the web-config file (listen address,"
          + " host paths, the endpoint's limits) take effect at the next start");
    }
    log.info("configuration reloaded: collectors made anew: {}; kept: {}; left: {}",
        remade.isEmpty() ? "none" : String.join(", ", remade),
        kept.isEmpty() ? "none" : String.join(", ", kept), left.size());
  }

  /**
   * client_java's {@code JvmMetrics} but for {@code JvmNativeMemoryMetrics}: that one reads
   * native memory tracking, which is off unless the JVM is started with
   * {@code -XX:NativeMemoryTracking}, and finding that out costs the JMX platform server at
   * start-up. Every {@code jvm_*} and {@code process_*} family is the same, most from Microc's
   * own collectors, which read the same values for less: {@code jvm_threads_*} from
   * {@link ThreadsCollector}; memory, buffer pools, GC, classes, compilation and runtime info
   * from {@link JvmCollector}, one collector instead of client_java's 22; {@code process_*} from
   * {@link ProcessCollector}. {@code jvm_memory_pool_allocated_bytes} stays client_java's: it
   * listens to GC notifications.
   */
  private static void registerJvmMetrics(PrometheusRegistry registry) {
    PrometheusProperties config = PrometheusProperties.get();
    ThreadsCollector.register(registry, config);
    JvmCollector.register(registry, config);
    JvmMemoryPoolAllocationMetrics.builder(config).register(registry);
    ProcessCollector.register(registry, config);
  }

  /** Stops the endpoint, unregisters the collectors and closes every plugin's resources. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
    registries.forEach(r -> r.unregister(engine));
    // The collectors in the reverse order of their making, then anything else.
    List<Made> collectors = new ArrayList<>(made == null ? List.of() : made.values());
    java.util.Collections.reverse(collectors);
    collectors.forEach(m -> closeAll(m.resources()));
    closeAll(resources);
    scheduler.shutdownNow();
    collectorExecutor.shutdownNow();
    try {
      collectorExecutor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the configuration and creates the collectors. Not thread-safe. */
  public static final class Builder {
    private final ConfigLoader loader = new ConfigLoader();
    private Path file;
    private List<CollectorPlugin> plugins;
    private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();

    private Builder() {
      loader.environment(System.getenv());
    }

    /** A configuration file (HOCON); it must exist. */
    public Builder configFile(Path file) {
      loader.file(file);
      this.file = file;
      return this;
    }

    /** An application's configuration, below the file; only its {@code microc} block is read. */
    public Builder config(Config config) {
      loader.base(config);
      return this;
    }

    /** Sets a key above every other source, as a command-line flag does. */
    public Builder set(String path, Object value, String origin) {
      loader.override(path, value, origin);
      return this;
    }

    /** Environment variables to read {@code MICROC_*} overrides from; the process's by default. */
    public Builder environment(Map<String, String> environment) {
      loader.environment(environment);
      return this;
    }

    /** Where {@link ServiceLoader} looks for plugins; the context class loader by default. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
      return this;
    }

    /** Uses exactly these plugins instead of those {@link ServiceLoader} finds. */
    public Builder plugins(List<? extends CollectorPlugin> plugins) {
      this.plugins = List.copyOf(plugins);
      return this;
    }

    /**
     * Finds the plugins, reads and validates the configuration, creates the enabled
     * collectors.
     *
     * @throws ConfigError for a configuration problem, naming the key and file:line
     * @throws StartupException for a plugin that cannot be loaded
     */
    public Microc build() {
      Map<String, CollectorPlugin> found = byName(plugins != null ? plugins
          : discover(classLoader, type -> true, "the class path"));
      Set<ClassLoader> loaders = new LinkedHashSet<>();
      found.values().forEach(p -> loaders.add(p instanceof PluginProxy proxy ? proxy.referenceLoader()
          : p.getClass().getClassLoader()));
      loader.referenceFrom(loaders);
      ConfigLoader.Layers layers = loader.load();
      ConfigValidator.validate(layers, found.keySet());
      Config merged = layers.merged();
      ExporterSettings settings = ExporterSettings.from(merged);
      WebConfig web = settings.web().configFile() == null ? WebConfig.NONE
          : WebConfig.read(settings.web().configFile());
      if (web.tls() != null) {
        web.tls().applyJvmWide();
      }
      configureOshi(settings.hostPaths());

      ExecutorService executor = Executors.newCachedThreadPool(daemon("microc-collector-"));
      ScheduledExecutorService scheduler =
          Executors.newScheduledThreadPool(2, daemon("microc-scheduler-"));
      Deque<AutoCloseable> resources = new ArrayDeque<>();
      SharedSystem system = new SharedSystem();
      CollectionEngine.Builder engine = CollectionEngine.builder(executor)
          .nodeExporterCollectors(nodeExporterCollectors(found))
          .constant(MetricFamily.info("microc_build_info",
                  "Microc's version and the Java runtime it runs on.", "version", "javaversion")
              .addInfo(version(), System.getProperty("java.version"))
              .build());
      Config effective = withEnabled(merged, found);
      Map<String, Made> made;
      try {
        made = assemble(found, merged, effective, settings, system, scheduler, engine, Map.of());
      } catch (RuntimeException e) {
        executor.shutdownNow();
        scheduler.shutdownNow();
        throw e;
      }
      Microc microc = new Microc(effective, settings, engine.build(), executor, scheduler, resources,
          Map.copyOf(found), web);
      microc.loader = loader;
      microc.configFile = file;
      microc.system = system;
      microc.made = made;
      microc.pluginTables = tablesOf(made);
      return microc;
    }

    /**
     * Where a collector from a plugin jar runs: the collector says so itself (one run in a
     * process of its own), or it runs here, its threads counted by its jar's class loader.
     */
    private static PluginRuntime runtime(CollectorPlugin plugin, MultiCollector collector) {
      if (collector instanceof PluginRuntime own) {
        return own;
      }
      ClassLoader loader = plugin.getClass().getClassLoader();
      if (loader == null || loader == Microc.class.getClassLoader()) {
        return null;
      }
      String jar = jar(plugin);
      return new LoaderThreads(jar == null ? loader.getName() : jar, loader);
    }

    /**
     * Microc's own host collectors, each of which stands for node_exporter's of its name, so
     * that their self-metrics are exposed under node_exporter's names as well.
     */
    static List<String> nodeExporterCollectors(Map<String, CollectorPlugin> found) {
      return found.values().stream()
          .filter(p -> p.getClass().getPackageName().equals(HOST_PACKAGE))
          .map(CollectorPlugin::name)
          .toList();
    }

    /** Each collector's enabled, its plugin's default where nothing else sets it. */
    static Config withEnabled(Config merged, Map<String, CollectorPlugin> found) {
      Config effective = merged;
      for (CollectorPlugin plugin : found.values()) {
        String enabled = "microc.collectors." + plugin.name() + ".enabled";
        if (!effective.hasPath(enabled)) {
          effective = effective.withValue(enabled, ConfigValueFactory.fromAnyRef(
              plugin.enabledByDefault(), "default of plugin " + plugin.name()));
        }
      }
      return effective;
    }

    /**
     * Creates the enabled collectors into {@code engine}, except those whose configuration
     * block is the same as in {@code previous}: those are put in as they are, to be kept. On
     * an error, whatever this call created is closed again.
     */
    static Map<String, Made> assemble(Map<String, CollectorPlugin> found, Config merged,
        Config effective, ExporterSettings settings, SharedSystem system,
        ScheduledExecutorService scheduler, CollectionEngine.Builder engine,
        Map<String, Made> previous) {
      Map<String, Made> made = new LinkedHashMap<>();
      try {
        for (CollectorPlugin plugin : found.values()) {
          String path = "microc.collectors." + plugin.name();
          Config defaults = ConfigFactory.empty();
          for (String key : List.of("timeout", "min-interval", "max-series", "max-threads")) {
            defaults = defaults.withValue(key, merged.getValue("microc.collector-defaults." + key));
          }
          Config block = effective.getConfig(path).withFallback(defaults);
          PluginConfig pluginConfig = new PluginConfig(path, block);
          CollectorSettings collectorSettings = CollectorSettings.from(plugin.name(), pluginConfig);
          if (!collectorSettings.enabled()) {
            engine.disabled(plugin.name(), plugin.description());
            continue;
          }
          Made before = previous.get(plugin.name());
          if (before != null && before.block().root().equals(block.root())
              && before.hostPaths().equals(settings.hostPaths())) {
            engine.collector(before.settings(), plugin.description(), before.collector(), before.runtime());
            made.put(plugin.name(), before.kept());
            continue;
          }
          Deque<AutoCloseable> own = new ArrayDeque<>();
          List<Supplier<StatusTable>> tables = new CopyOnWriteArrayList<>();
          MultiCollector collector = create(plugin, new Context(pluginConfig, system,
              settings.hostPaths(), scheduler, own, tables));
          if (collector instanceof AutoCloseable closeable) {
            own.push(closeable);
          }
          PluginRuntime runtime = runtime(plugin, collector);
          made.put(plugin.name(), new Made(block, settings.hostPaths(), collectorSettings, collector,
              runtime, own, tables, false));
          engine.collector(collectorSettings, plugin.description(), collector, runtime);
        }
      } catch (RuntimeException e) {
        made.values().stream().filter(m -> !m.reused()).forEach(m -> closeQuietly(m.resources()));
        throw e;
      }
      return made;
    }

    private static MultiCollector create(CollectorPlugin plugin, PluginContext context) {
      // A plugin jar's threads started here inherit its loader and are counted.
      Thread thread = Thread.currentThread();
      ClassLoader previous = thread.getContextClassLoader();
      ClassLoader own = plugin.getClass().getClassLoader();
      if (own != null && own != Microc.class.getClassLoader()) {
        thread.setContextClassLoader(own);
      }
      try {
        return createIn(plugin, context);
      } finally {
        thread.setContextClassLoader(previous);
      }
    }

    private static MultiCollector createIn(CollectorPlugin plugin, PluginContext context) {
      try {
        MultiCollector collector = plugin.create(context);
        if (collector == null) {
          throw new StartupException("plugin " + describe(plugin) + ": create() returned null");
        }
        return collector;
      } catch (ConfigError | StartupException e) {
        throw e;
      } catch (ConfigException e) {
        throw new ConfigError(context.config().path() + ": " + e.getMessage(), e);
      } catch (LinkageError e) {
        if (plugin.getClass().getClassLoader() != Microc.class.getClassLoader()) {
          // A plugin jar that lacks a class it needs is a broken jar, not a host problem.
          throw new StartupException("plugin " + describe(plugin) + ": " + e, e);
        }
        return failed(plugin, e);
      } catch (Exception e) {
        return failed(plugin, e);
      }
    }

    /**
     * The collector cannot work here (a missing file, a platform it does not support). It
     * stays listed and reports success 0 with the reason, instead of stopping the rest.
     */
    private static MultiCollector failed(CollectorPlugin plugin, Throwable e) {
      String reason = CollectorFailure.describe(e);
      log.warn("collector {} could not start: {}", plugin.name(), reason);
      return new FailedCollector("could not start: " + reason);
    }

    private static Map<String, CollectorPlugin> byName(List<CollectorPlugin> plugins) {
      Map<String, CollectorPlugin> byName = new java.util.TreeMap<>();
      for (CollectorPlugin plugin : plugins) {
        String name = plugin.name();
        if (name == null || !NAME.matcher(name).matches()) {
          throw new StartupException("plugin " + describe(plugin) + ": name \"" + name
              + "\" is not lower_snake_case");
        }
        CollectorPlugin other = byName.putIfAbsent(name, plugin);
        if (other != null) {
          throw new StartupException("two plugins are named \"" + name + "\": " + describe(other)
              + " and " + describe(plugin));
        }
      }
      return new LinkedHashMap<>(byName);
    }

    private static void closeQuietly(Deque<AutoCloseable> resources) {
      while (!resources.isEmpty()) {
        try {
          resources.pop().close();
        } catch (Exception ignored) {
          // Already failing; the original error is the one to report.
        }
      }
    }
  }

  /** A plugin's class and, when it comes from a jar, the jar. */
  public static String describe(CollectorPlugin plugin) {
    if (plugin instanceof PluginProxy proxy) {
      return proxy.describe();
    }
    String location = jar(plugin);
    return plugin.getClass().getName() + (location == null ? "" : " (" + location + ")");
  }

  /** A plugin that stands for another, such as one run in a process of its own. */
  public interface PluginProxy {
    /** The class and jar of the plugin it stands for: {@code sample.Plugin (sample.jar)}. */
    String describe();

    /** A loader that finds the {@code reference.conf} of the plugin it stands for. */
    ClassLoader referenceLoader();
  }

  /** The file name of the jar a plugin's class comes from; null when not known. */
  private static String jar(CollectorPlugin plugin) {
    var source = plugin.getClass().getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null ? null
        : Path.of(source.getLocation().getPath()).getFileName().toString();
  }

  /** OSHI reads its host paths once, when its classes load: set before the first use. */
  private static void configureOshi(HostPaths paths) {
    if (!paths.proc().equals(HostPaths.DEFAULT.proc())) {
      GlobalConfig.set("oshi.util.proc.path", paths.proc().toString());
    }
    if (!paths.sys().equals(HostPaths.DEFAULT.sys())) {
      GlobalConfig.set("oshi.util.sys.path", paths.sys().toString());
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      // Not the loader of a plugin whose call made the pool start a thread: it would be counted as the plugin's.
      t.setContextClassLoader(Microc.class.getClassLoader());
      return t;
    };
  }

  /**
   * What the exporter's plugins share: one {@link SystemInfo}, made when first asked for, and
   * the objects of {@link PluginContext#shared}.
   */
  private static final class SharedSystem {
    private volatile SystemInfo system;
    private final Map<Class<?>, Object> objects = new ConcurrentHashMap<>();

    <T> T object(Class<T> type, Supplier<? extends T> make) {
      Objects.requireNonNull(make, "make");
      return type.cast(objects.computeIfAbsent(type,
          t -> Objects.requireNonNull(make.get(), "shared " + type.getName())));
    }

    SystemInfo get() {
      SystemInfo s = system;
      if (s == null) {
        synchronized (this) {
          s = system;
          if (s == null) {
            s = new SystemInfo();
            system = s;
          }
        }
      }
      return s;
    }
  }

  private record Context(PluginConfig config, SharedSystem shared, HostPaths hostPaths,
      ScheduledExecutorService scheduler, Deque<AutoCloseable> resources,
      List<Supplier<StatusTable>> tables) implements PluginContext {
    @Override
    public void addStatus(Supplier<StatusTable> table) {
      tables.add(Objects.requireNonNull(table, "table"));
    }

    @Override
    public SystemInfo system() {
      return shared.get();
    }

    @Override
    public <T> T shared(Class<T> type, Supplier<? extends T> make) {
      return shared.object(type, make);
    }

    @Override
    public void closeOnShutdown(AutoCloseable resource) {
      synchronized (resources) {
        resources.push(Objects.requireNonNull(resource, "resource"));
      }
    }
  }

  /**
   * What a collector was made from and what it holds, kept to tell on a reload whether its
   * configuration changed and to close it when it leaves.
   *
   * @param reused whether a reload kept it rather than making it
   */
  record Made(Config block, HostPaths hostPaths, CollectorSettings settings, MultiCollector collector,
      PluginRuntime runtime, Deque<AutoCloseable> resources, List<Supplier<StatusTable>> tables,
      boolean reused) {
    Made kept() {
      return new Made(block, hostPaths, settings, collector, runtime, resources, tables, true);
    }
  }

  /** The tables of these collectors, by their names in order. */
  private static Map<String, List<Supplier<StatusTable>>> tablesOf(Map<String, Made> made) {
    Map<String, List<Supplier<StatusTable>>> tables = new java.util.TreeMap<>();
    made.forEach((name, m) -> tables.put(name, m.tables()));
    return java.util.Collections.unmodifiableMap(tables);
  }

  /** Stands in for a collector whose plugin could not create it; every collection fails. */
  private record FailedCollector(String reason) implements MultiCollector {
    @Override
    public MetricSnapshots collect() {
      throw new IllegalStateException(reason);
    }
  }
}
