package io.github.microc.exporter.app;

import io.github.microc.exporter.app.isolation.BrokenPlugin;
import io.github.microc.exporter.app.isolation.PluginProcess;
import io.github.microc.exporter.app.isolation.ProcessPlugin;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.StartupException;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Collector plugins from a directory of jars ({@code --plugins DIR}).
 *
 * <p>Each {@code *.jar} gets its own parent-first {@link URLClassLoader} whose parent is the
 * application's loader, so that every plugin sees Microc's one copy of the SPI, the
 * Prometheus client, Typesafe Config and SLF4J, and plugins cannot see each other's
 * classes. A plugin is therefore one self-contained (shaded) jar built against
 * {@code exporter-core} in {@code provided} scope. Only the providers a jar defines itself
 * count: {@link ServiceLoader} on a child loader also lists the parent's. The jar's
 * {@code reference.conf} is read through its loader when {@code Microc.Builder.build()}
 * reads the reference of each plugin's class loader.
 *
 * <p>Any jar that cannot be used stops the start-up with a {@link StartupException} naming
 * the jar and the reason: not a zip file, a bundled copy of the SPI or of the Prometheus
 * client (two copies of an interface make the plugin invisible or fail with a
 * {@code ClassCastException} later), no provider of its own, or a provider that cannot be
 * loaded (a class missing from the jar). Two plugins with one name are reported by
 * {@code Microc.Builder.build()}, which names both classes and their jars.
 *
 * <p>The class loaders stay open for the life of the process; {@link #close()} closes them.
 */
public final class PluginDirectory implements AutoCloseable {

  static final String SERVICE_FILE = "META-INF/services/" + CollectorPlugin.class.getName();

  /** Packages a plugin jar must take from Microc, with what the message calls them. */
  private static final List<Forbidden> FORBIDDEN = List.of(
      new Forbidden("io/github/microc/exporter/core/", "Microc's SPI (exporter-core)"),
      new Forbidden("io/prometheus/metrics/", "the Prometheus client (prometheus-metrics-*)"));

  private final List<CollectorPlugin> plugins;
  private final List<AutoCloseable> resources;

  private PluginDirectory(List<CollectorPlugin> plugins, List<? extends AutoCloseable> resources) {
    this.plugins = List.copyOf(plugins);
    this.resources = List.copyOf(resources);
  }

  /** No directory: no plugins. */
  public static PluginDirectory empty() {
    return new PluginDirectory(List.of(), List.of());
  }

  /**
   * Loads every {@code *.jar} of {@code directory}, in file name order, each in a JVM of its own
   * or in this one as {@code settings} say.
   *
   * @throws StartupException naming the directory or the jar and what is wrong with it
   */
  public static PluginDirectory load(Path directory, ClassLoader parent, PluginSettings settings) {
    if (settings.mode() == PluginSettings.Mode.IN_PROCESS) {
      return load(directory, parent);
    }
    List<Path> jars = jars(directory);
    jars.forEach(PluginDirectory::checkContents);
    List<PluginProcess> processes = new ArrayList<>();
    List<AutoCloseable> resources = new ArrayList<>();
    List<CollectorPlugin> plugins = new ArrayList<>();
    try {
      // Started together: each JVM takes a while to start, and they overlap.
      for (Path jar : jars) {
        processes.add(PluginProcess.start(jar, settings));
      }
      for (int i = 0; i < jars.size(); i++) {
        PluginProcess process = processes.get(i);
        // Reads the jar's reference.conf for the configuration's checks, and no class.
        URLClassLoader reference = new URLClassLoader("reference.conf of " + jars.get(i).getFileName(),
            new URL[] {url(jars.get(i))}, null);
        resources.add(reference);
        List<String> unclaimed = declaredNames(jars.get(i));
        List<String[]> hello = process.hello();
        hello.stream().filter(f -> f[0].equals("plugin")).forEach(f -> unclaimed.remove(f[1]));
        List<CollectorPlugin> own = new ArrayList<>();
        for (String[] fields : hello) {
          if (fields[0].equals("plugin") && fields.length >= 5) {
            own.add(new ProcessPlugin(process, fields[1], fields[3], Boolean.parseBoolean(fields[2]), fields[4],
                reference));
          } else if (fields[0].equals("broken") && fields.length >= 3) {
            own.add(broken(jars.get(i), fields[1], fields[2], unclaimed, reference));
          } else {
            throw new StartupException("plugin jar " + jars.get(i) + ": its JVM answered out of protocol: "
                + String.join(" ", fields));
          }
        }
        if (own.isEmpty()) {
          throw new StartupException("plugin jar " + jars.get(i) + ": declares no collector plugin of its"
              + " own in " + SERVICE_FILE + " (the classes it lists are Microc's)");
        }
        plugins.addAll(own);
      }
    } catch (RuntimeException e) {
      processes.forEach(PluginProcess::close);
      resources.forEach(PluginDirectory::closeQuietly);
      throw e;
    }
    resources.addAll(processes);
    return new PluginDirectory(plugins, resources);
  }

  /**
   * Loads every {@code *.jar} of {@code directory}, in file name order.
   *
   * @param parent the loader holding Microc and its libraries
   * @throws StartupException naming the directory or the jar and what is wrong with it
   */
  public static PluginDirectory load(Path directory, ClassLoader parent) {
    List<Path> jars = jars(directory);
    List<CollectorPlugin> plugins = new ArrayList<>();
    List<URLClassLoader> loaders = new ArrayList<>();
    try {
      for (Path jar : jars) {
        checkContents(jar);
        URLClassLoader loader = new URLClassLoader("plugin " + jar.getFileName(),
            new URL[] {url(jar)}, parent);
        loaders.add(loader);
        List<String> unclaimed = declaredNames(jar);
        List<BrokenPlugin> broken = new ArrayList<>();
        List<CollectorPlugin> own = new ArrayList<>(Microc.discover(loader,
            type -> type.getClassLoader() == loader, "plugin jar " + jar, (type, thrown) -> {
              broken.add(new BrokenPlugin(null, type.getName(), null, Microc.reason(thrown), loader));
              return null;
            }));
        own.removeIf(java.util.Objects::isNull);
        own.forEach(p -> unclaimed.remove(p.name()));
        for (BrokenPlugin b : broken) {
          own.add(broken(jar, b.type(), b.reason(), unclaimed, loader));
        }
        if (own.isEmpty()) {
          throw new StartupException("plugin jar " + jar + ": declares no collector plugin of its"
              + " own in " + SERVICE_FILE + " (the classes it lists are Microc's)");
        }
        plugins.addAll(own);
      }
    } catch (RuntimeException e) {
      loaders.forEach(PluginDirectory::closeQuietly);
      throw e;
    }
    return new PluginDirectory(plugins, loaders);
  }

  /** Every plugin found, in jar order. */
  public List<CollectorPlugin> plugins() {
    return plugins;
  }

  @Override
  public void close() {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception ignored) {
        // Nothing useful to do about a jar that cannot be closed.
      }
    }
  }

  private static List<Path> jars(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new StartupException("plugins directory " + directory
          + (Files.exists(directory) ? " is not a directory" : " does not exist"));
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jar"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StartupException("plugins directory " + directory + ": cannot list: " + e.getMessage(), e);
    }
  }

  /**
   * A plugin whose class could not be instantiated, under the first name the jar's
   * {@code reference.conf} declares that no other plugin of it took, else one made of the jar's
   * file name.
   */
  private static BrokenPlugin broken(Path jar, String type, String reason, List<String> unclaimed,
      ClassLoader reference) {
    String name;
    if (!unclaimed.isEmpty()) {
      name = unclaimed.remove(0);
    } else {
      name = jar.getFileName().toString().replaceFirst("\\.jar$", "").toLowerCase(java.util.Locale.ROOT)
          .replaceAll("[^a-z0-9_]+", "_").replaceAll("^[^a-z]+", "");
      if (name.isEmpty()) {
        name = "plugin";
      }
    }
    log.warn("plugin jar {}: plugin class {} could not be instantiated, reported as collector {}: {}",
        jar, type, name, reason);
    return new BrokenPlugin(name, type, jar.getFileName().toString(), reason, reference);
  }

  /** The collector names the jar's own {@code reference.conf} declares, read without loading a class. */
  private static List<String> declaredNames(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry entry = file.getJarEntry("reference.conf");
      if (entry == null) {
        return new ArrayList<>();
      }
      try (java.io.Reader reader = new java.io.InputStreamReader(file.getInputStream(entry),
          java.nio.charset.StandardCharsets.UTF_8)) {
        com.typesafe.config.Config reference = com.typesafe.config.ConfigFactory.parseReader(reader);
        return reference.hasPath("microc.collectors")
            ? new ArrayList<>(reference.getObject("microc.collectors").keySet()) : new ArrayList<>();
      }
    } catch (IOException | com.typesafe.config.ConfigException e) {
      return new ArrayList<>();
    }
  }

  /** Rejects what is not a jar, and jars that bring their own copy of Microc's API. */
  private static void checkContents(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      boolean hasServices = false;
      for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
        String name = entries.nextElement().getName();
        if (name.equals(SERVICE_FILE)) {
          hasServices = true;
        }
        if (!name.endsWith(".class")) {
          continue;
        }
        for (Forbidden forbidden : FORBIDDEN) {
          if (name.startsWith(forbidden.prefix())) {
            throw new StartupException("plugin jar " + jar + ": bundles " + forbidden.what()
                + " (" + name + "); build it with exporter-core in provided scope so that it"
                + " uses Microc's copy");
          }
        }
      }
      if (!hasServices) {
        throw new StartupException("plugin jar " + jar + ": contains no collector plugin (no "
            + SERVICE_FILE + ")");
      }
    } catch (IOException | SecurityException e) {
      throw new StartupException("plugin jar " + jar + ": not a readable jar (zip) file: "
          + e.getMessage(), e);
    }
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new StartupException("plugin jar " + jar + ": " + e.getMessage(), e);
    }
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PluginDirectory.class);

  private static void closeQuietly(AutoCloseable loader) {
    try {
      loader.close();
    } catch (Exception ignored) {
      // Nothing useful to do about a jar that cannot be closed.
    }
  }

  private record Forbidden(String prefix, String what) {}
}
