package io.github.microc.exporter.app;

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
  private final List<URLClassLoader> loaders;

  private PluginDirectory(List<CollectorPlugin> plugins, List<URLClassLoader> loaders) {
    this.plugins = List.copyOf(plugins);
    this.loaders = List.copyOf(loaders);
  }

  /** No directory: no plugins. */
  public static PluginDirectory empty() {
    return new PluginDirectory(List.of(), List.of());
  }

  /**
   * Loads every {@code *.jar} of {@code directory}, in file name order.
   *
   * @param parent the loader holding Microc and its libraries
   * @throws StartupException naming the directory or the jar and what is wrong with it
   */
  public static PluginDirectory load(Path directory, ClassLoader parent) {
    if (!Files.isDirectory(directory)) {
      throw new StartupException("plugins directory " + directory
          + (Files.exists(directory) ? " is not a directory" : " does not exist"));
    }
    List<Path> jars;
    try (Stream<Path> files = Files.list(directory)) {
      jars = files.filter(p -> p.getFileName().toString().endsWith(".jar"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StartupException("plugins directory " + directory + ": cannot list: " + e.getMessage(), e);
    }
    List<CollectorPlugin> plugins = new ArrayList<>();
    List<URLClassLoader> loaders = new ArrayList<>();
    try {
      for (Path jar : jars) {
        checkContents(jar);
        URLClassLoader loader = new URLClassLoader("plugin " + jar.getFileName(),
            new URL[] {url(jar)}, parent);
        loaders.add(loader);
        List<CollectorPlugin> own = Microc.discover(loader, type -> type.getClassLoader() == loader,
            "plugin jar " + jar);
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
    loaders.forEach(PluginDirectory::closeQuietly);
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

  private static void closeQuietly(URLClassLoader loader) {
    try {
      loader.close();
    } catch (IOException ignored) {
      // Nothing useful to do about a jar that cannot be closed.
    }
  }

  private record Forbidden(String prefix, String what) {}
}
