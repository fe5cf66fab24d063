package io.github.microc.exporter.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.config.ConfigLoader;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.push.PushService;
import io.github.microc.exporter.push.PushSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code java -jar microc-exporter.jar [flags]}: the exporter as a process.
 *
 * <p>Exit status: 0 after a clean shutdown (SIGTERM, SIGINT) or a successful
 * {@code --check-config}; 1 when it cannot start (configuration, plugins, the listen
 * address); 2 for a command-line mistake. Errors are one line on stderr, without a stack
 * trace ({@code --log.level=debug} logs it).
 */
@Command(name = "microc", sortOptions = false, usageHelpAutoWidth = true,
    headerHeading = "", synopsisHeading = "Usage: ", customSynopsis = "microc [FLAGS]",
    descriptionHeading = "%n", optionListHeading = "%nFlags:%n",
    description = "Host and container metrics for Prometheus, on /metrics.")
public final class Main {

  private static final String PLUGINS_DIR_KEY = "microc.plugins-dir";
  private static final String PLUGINS_MODE_KEY = "microc.plugins.mode";
  private static final int HELP_WIDTH = 100;
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

  @Option(names = "--config", paramLabel = "FILE",
      description = "Configuration file (HOCON); its keys are those of --print-config.")
  Path config;

  @Option(names = "--web.listen-address", paramLabel = "[HOST]:PORT",
      description = "Where to serve /metrics (microc.web.listen-address; default :10049).")
  String listenAddress;

  @Option(names = "--web.config.file", paramLabel = "FILE",
      description = "A web-config file in node_exporter's format: TLS, client certificates, basic"
          + " auth, response headers (microc.web.config-file).")
  Path webConfigFile;

  @Option(names = "--web.enable-lifecycle",
      description = "Serve POST /-/reload, which reloads the configuration as SIGHUP does"
          + " (microc.web.enable-lifecycle).")
  boolean enableLifecycle;

  @Option(names = "--web.max-requests", paramLabel = "N",
      description = "Scrapes served at once; beyond it a 503 at once (microc.web.max-requests;"
          + " default 40, 0 for no limit).")
  Integer maxRequests;

  @Option(names = "--web.shutdown-grace", paramLabel = "DURATION",
      description = "On SIGTERM or SIGINT, how long the scrapes in flight may take to finish"
          + " (microc.web.shutdown-grace; default 10s).")
  String shutdownGrace;

  @Option(names = "--web.disable-exporter-metrics",
      description = "Leave out the exporter's own process_* and jvm_* metrics.")
  boolean disableExporterMetrics;

  @Option(names = "--collector.disable-defaults",
      description = "Disable every collector unless enabled by a --collector.<name> flag or the"
          + " configuration.")
  boolean disableDefaults;

  @Option(names = "--watchdog.containers", paramLabel = "NAME", split = ",",
      description = "Containers the watchdog restarts (comma-separated); enables the watchdog.")
  List<String> watchdogContainers;

  @Option(names = "--plugins", paramLabel = "DIR",
      description = "Directory of collector plugin jars (microc.plugins-dir).")
  Path pluginsDir;

  @Option(names = "--plugins.mode", paramLabel = "MODE",
      description = "How the plugin jars run: process (each in a JVM of its own, the default) or"
          + " in-process (microc.plugins.mode).")
  String pluginsMode;

  @Option(names = "--check-config",
      description = "Validate the configuration and create the collectors, print \"config OK\" or"
          + " the error, and exit; binds no port.")
  boolean checkConfig;

  @Option(names = "--print-config",
      description = "Print the effective configuration, with where each value comes from, and exit.")
  boolean printConfig;

  @Option(names = "--log.level", paramLabel = "LEVEL",
      description = "trace, debug, info (default), warn or error.")
  String logLevel;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
  boolean version;

  /**
   * Starts on a free loopback port, scrapes itself once and exits: a class-data-sharing
   * training run, with the configuration the other flags give, but without the watchdog.
   */
  @Option(names = "--cds.train", hidden = true)
  boolean train;

  @Unmatched
  List<String> unmatched = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit status (after a shutdown when serving). */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    try {
      cli.parseArgs(args);
      if (main.version) {
        out.println("microc " + Microc.version() + " (Java " + System.getProperty("java.version") + ")");
        return 0;
      }
      main.configureLogging();
      return main.execute(cli, out, err);
    } catch (CommandLine.ParameterException | UsageError e) {
      err.println("microc: " + e.getMessage());
      return 2;
    } catch (ConfigError | StartupException e) {
      err.println("microc: " + e.getMessage());
      log().debug("start-up failed", e);
      return 1;
    } catch (RuntimeException e) {
      err.println("microc: unexpected error: " + e + " (--log.level=debug logs the stack trace)");
      log().debug("start-up failed", e);
      return 1;
    }
  }

  private int execute(CommandLine cli, PrintStream out, PrintStream err) {
    ClassLoader appLoader = Main.class.getClassLoader();
    List<CollectorPlugin> plugins = new ArrayList<>(
        Microc.discover(appLoader, type -> true, "Microc's class path"));
    PluginDirectory directory = PluginDirectory.empty();
    try {
      Path dir = pluginsDirectory();
      if (dir != null) {
        directory = PluginDirectory.load(dir, appLoader, pluginSettings());
        plugins.addAll(directory.plugins());
      }
    } catch (StartupException e) {
      if (!help) {
        throw e;
      }
      err.println("microc: " + e.getMessage());
    }
    if (help) {
      out.print(cli.getUsageMessage());
      out.print(collectorHelp(plugins));
      return 0;
    }

    Microc microc = builder(plugins).build();
    PushSettings push;
    try {
      push = PushSettings.from(microc.config(), microc.settings(), microc.engine());
      if (!push.enabled() && !microc.settings().listening() && !train) {
        throw new StartupException("nothing to do: microc.web.listen-address is empty (no HTTP"
            + " listener) and microc.push.remote-write lists no endpoint to push to");
      }
    } catch (RuntimeException e) {
      microc.close();
      throw e;
    }
    if (checkConfig || printConfig) {
      try (microc) {
        if (checkConfig) {
          out.println("config OK (collectors enabled: "
              + String.join(", ", microc.engine().enabledCollectors()) + ")"
              + (push.enabled() ? " (push to: " + String.join(", ", push.endpoints().stream()
                  .map(e -> e.name()).toList()) + ")" : ""));
        } else {
          out.print(render(microc));
        }
      }
      return 0;
    }
    return train ? train(microc) : serve(microc, directory, push);
  }

  /** The configuration sources, flags on top, each flag named as the origin of its value. */
  private Microc.Builder builder(List<CollectorPlugin> plugins) {
    Microc.Builder builder = Microc.builder().plugins(plugins);
    if (config != null) {
      builder.configFile(config);
    }
    if (disableDefaults) {
      Config off = ConfigFactory.empty();
      for (CollectorPlugin plugin : plugins) {
        off = off.withValue("microc.collectors." + plugin.name() + ".enabled",
            ConfigValueFactory.fromAnyRef(false, "flag --collector.disable-defaults"));
      }
      // Below the file and the other flags: it changes defaults, as node_exporter's does.
      builder.config(off);
    }
    if (listenAddress != null) {
      builder.set("microc.web.listen-address", listenAddress, "flag --web.listen-address");
    }
    if (webConfigFile != null) {
      builder.set("microc.web.config-file", webConfigFile.toString(), "flag --web.config.file");
    }
    if (enableLifecycle) {
      builder.set("microc.web.enable-lifecycle", true, "flag --web.enable-lifecycle");
    }
    if (maxRequests != null) {
      builder.set("microc.web.max-requests", maxRequests, "flag --web.max-requests");
    }
    if (shutdownGrace != null) {
      builder.set("microc.web.shutdown-grace", shutdownGrace, "flag --web.shutdown-grace");
    }
    if (disableExporterMetrics) {
      builder.set("microc.web.exporter-metrics", false, "flag --web.disable-exporter-metrics");
    }
    if (watchdogContainers != null) {
      String origin = "flag --watchdog.containers";
      builder.set("microc.collectors.watchdog.containers",
          watchdogContainers.stream().map(String::trim).filter(s -> !s.isEmpty()).toList(), origin);
      builder.set("microc.collectors.watchdog.enabled", true, origin);
    }
    if (pluginsDir != null) {
      builder.set(PLUGINS_DIR_KEY, pluginsDir.toString(), "flag --plugins");
    }
    if (pluginsMode != null) {
      builder.set(PLUGINS_MODE_KEY, pluginsMode, "flag --plugins.mode");
    }
    List<String> names = plugins.stream().map(CollectorPlugin::name).toList();
    Config reference = ConfigFactory.defaultReference(Main.class.getClassLoader());
    for (CollectorFlags.Setting setting : CollectorFlags.parse(unmatched, names,
        path -> reference.hasPath(path)
            && reference.getValue(path).valueType() == ConfigValueType.BOOLEAN)) {
      builder.set(setting.path(), setting.value(), setting.origin());
    }
    if (train && names.contains("watchdog")) {
      // A training run takes the exporter's arguments but must not act on containers.
      builder.set("microc.collectors.watchdog.enabled", false, "flag --cds.train");
    }
    return builder;
  }

  private int serve(Microc microc, PluginDirectory directory, PushSettings push) {
    String listening = "with no HTTP listener";
    ExporterServer server = null;
    if (microc.settings().listening()) {
      // The port before anything else, so that a taken one is the first thing said.
      try {
        server = microc.bindServer(microc.settings().listen());
      } catch (IOException | RuntimeException e) {
        microc.close();
        throw new StartupException("cannot listen on " + microc.settings().listen() + ": "
            + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
      }
    }
    // The first collection overlaps the endpoint's start; a scrape meanwhile shares it.
    microc.warmUp();
    if (server != null) {
      try {
        server.start();
      } catch (IOException | RuntimeException e) {
        microc.close();
        throw new StartupException("cannot serve on " + microc.settings().listen() + ": "
            + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
      }
      listening = "listening on " + new ListenAddress(microc.settings().listen().host(), server.port());
    }
    AtomicReference<PushService> pushService = new AtomicReference<>();
    try {
      pushService.set(push.enabled() ? PushService.start(microc, push) : null);
    } catch (RuntimeException e) {
      microc.close();
      throw e;
    }
    PushService pushing = pushService.get();
    log().info("Microc {} {}{} with collectors: {} (started in {} ms)", Microc.version(),
        listening, pushing == null ? "" : ", pushing to " + String.join(", ", pushing.endpoints()),
        String.join(", ", microc.engine().enabledCollectors()), sinceProcessStart());

    ExporterServer endpoint = server;
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Duration grace = microc.settings().web().shutdownGrace();
    Runnable stop = () -> {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      // The port closes at once; the scrapes in flight finish within the grace period.
      if (endpoint != null) {
        endpoint.stop(grace);
      }
      PushService pushed = pushService.get();
      if (pushed != null) {
        // What is not sent yet goes to the buffer, for the next start.
        pushed.close();
      }
      microc.close();
      directory.close();
      stopped.countDown();
    };
    // A reload checks the push endpoints with the rest, and they follow it: changed ones start
    // again with their new settings (their buffers kept), removed ones stop, new ones start.
    microc.onReload((merged, settings) -> {
      PushSettings next = PushSettings.from(merged, settings, microc.engine());
      return () -> {
        PushService current = pushService.get();
        if (current != null) {
          current.update(next);
        } else if (next.enabled() && !stopping.get()) {
          pushService.set(PushService.start(microc, next));
        }
      };
    });
    Signals.onTermination(signal -> {
      log().info("received SIG{}, shutting down (requests in flight have {} s to finish)", signal,
          grace.toMillis() / 1000.0);
      stop.run();
    });
    Signals.onHangup(() -> {
      log().info("received SIGHUP, reloading the configuration");
      try {
        microc.reload();
      } catch (ConfigError | StartupException e) {
        // Logged by the reload, with its file and line; the running configuration stays.
      } catch (RuntimeException e) {
        log().error("reload failed, the running configuration stays: {}", e.toString());
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "microc-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** Serves on a free loopback port, scrapes each endpoint once, stops. */
  private static int train(Microc microc) {
    try (microc) {
      ExporterServer server = microc.startServer(new ListenAddress("127.0.0.1", 0));
      microc.warmUp().join();
      for (String path : List.of("/metrics", "/", "/ready", "/health")) {
        get(server.port(), path);
      }
      return 0;
    } catch (IOException e) {
      throw new StartupException("training run failed: " + e.getMessage(), e);
    }
  }

  /** A bare HTTP/1.0 request: the training run should load the server's classes, not a client's. */
  private static void get(int port, String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream request = socket.getOutputStream();
      request.write(("GET " + path + " HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      request.flush();
      InputStream response = socket.getInputStream();
      response.transferTo(OutputStream.nullOutputStream());
    }
  }

  /**
   * The plugins directory: the flag, else {@code MICROC_PLUGINS__DIR}, else the file's
   * {@code microc.plugins-dir} (relative to the file). Read before the configuration is
   * built, because the plugins it holds decide which keys are valid.
   */
  private Path pluginsDirectory() {
    if (pluginsDir != null) {
      return pluginsDir;
    }
    String env = System.getenv("MICROC_PLUGINS__DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    if (config == null) {
      return null;
    }
    try {
      Config file = ConfigFactory.parseFile(config.toFile());
      if (file.hasPath(PLUGINS_DIR_KEY) && !file.getString(PLUGINS_DIR_KEY).isBlank()) {
        Path dir = Path.of(file.getString(PLUGINS_DIR_KEY));
        Path base = config.toAbsolutePath().getParent();
        return dir.isAbsolute() || base == null ? dir : base.resolve(dir);
      }
    } catch (ConfigException e) {
      // Reported with its file and line when the configuration is built.
    }
    return null;
  }

  /**
   * {@code microc.plugins}, read (like the directory) before the rest of the configuration,
   * from the flag, the environment and the file, over the app's defaults.
   */
  private PluginSettings pluginSettings() {
    ConfigLoader loader = new ConfigLoader().environment(System.getenv());
    if (config != null) {
      loader.file(config);
    }
    if (pluginsMode != null) {
      loader.override(PLUGINS_MODE_KEY, pluginsMode, "flag --plugins.mode");
    }
    return PluginSettings.from(loader.load().merged());
  }

  private void configureLogging() {
    if (logLevel == null) {
      return;
    }
    String level = logLevel.toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      throw new UsageError("flag --log.level: expected one of trace, debug, info, warn, error,"
          + " off; got \"" + logLevel + "\"");
    }
    // Read by slf4j-simple when the first logger is made, so before any.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
  }

  static String collectorHelp(List<CollectorPlugin> plugins) {
    Map<String, CollectorPlugin> byName = new TreeMap<>();
    plugins.forEach(p -> byName.putIfAbsent(p.name(), p));
    int width = byName.keySet().stream().mapToInt(String::length).max().orElse(0) + "--[no-]collector.".length();
    StringBuilder text = new StringBuilder(String.format(
        "%nCollectors (--collector.<name> enables, --no-collector.<name> disables,"
            + "%n--collector.<name>.<key>=VALUE sets microc.collectors.<name>.<key>):%n"));
    for (CollectorPlugin plugin : byName.values()) {
      String description = plugin.description() == null ? "" : plugin.description().trim();
      List<String> words = new ArrayList<>(description.isEmpty() ? List.of()
          : List.of(description.split("\\s+")));
      words.add(plugin.enabledByDefault() ? "(enabled by default)" : "(disabled by default)");
      text.append(String.format("  %-" + width + "s", "--[no-]collector." + plugin.name()));
      text.append(wrap(words, width + 4, HELP_WIDTH)).append(System.lineSeparator());
    }
    return text.toString();
  }

  /** Words after a column of {@code indent}, continued on indented lines within {@code width}. */
  private static String wrap(List<String> words, int indent, int width) {
    StringBuilder out = new StringBuilder("  ");
    int column = indent;
    for (String word : words) {
      if (column > indent && column + 1 + word.length() > width) {
        out.append(System.lineSeparator()).append(" ".repeat(indent));
        column = indent;
      } else if (column > indent) {
        out.append(' ');
        column++;
      }
      out.append(word);
      column += word.length();
    }
    return out.toString();
  }

  /**
   * The effective {@code microc} configuration as HOCON, each value with a comment saying
   * where it comes from, secrets masked ({@link PrintedConfig}); a collector's {@code enabled}
   * is shown even when only its plugin's default decides it.
   */
  static String render(Microc microc) {
    return PrintedConfig.render(PushSettings.redacted(microc.config()).withOnlyPath("microc"));
  }

  /** Milliseconds since the JVM started. */
  private static long sinceProcessStart() {
    return ManagementFactory.getRuntimeMXBean().getUptime();
  }

  private static Logger log() {
    return LoggerFactory.getLogger(Main.class);
  }
}
