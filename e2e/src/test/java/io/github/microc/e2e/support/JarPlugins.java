package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The collector plugins built jars declare, found as Microc finds them: {@code ServiceLoader}
 * over the jars alone (the shaded app jar brings the SPI; a plugin jar is put after it), each
 * asked for its {@code name()} and {@code enabledByDefault()}. The jars' classes are their own,
 * not the test class path's, so what is listed is what ships.
 */
public final class JarPlugins {

  /** A collector plugin as a jar declares it. */
  public record Plugin(String name, boolean enabledByDefault, Path jar) {}

  private static final String SPI = "io.github.microc.exporter.core.spi.CollectorPlugin";

  private JarPlugins() {}

  /** The plugins of {@code jar}, loaded with {@code base} (the app jar) for the SPI; base may be null. */
  public static List<Plugin> of(Path base, Path jar) {
    List<URL> urls = new ArrayList<>();
    try {
      if (base != null) {
        urls.add(base.toUri().toURL());
      }
      urls.add(jar.toUri().toURL());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Plugin> plugins = new ArrayList<>();
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new),
        ClassLoader.getPlatformClassLoader())) {
      Class<?> spi = Class.forName(SPI, false, loader);
      URL own = jar.toUri().toURL();
      for (Object plugin : ServiceLoader.load(spi, loader)) {
        URL source = plugin.getClass().getProtectionDomain().getCodeSource().getLocation();
        if (base != null && !source.equals(own)) {
          continue;
        }
        plugins.add(new Plugin((String) spi.getMethod("name").invoke(plugin),
            (Boolean) spi.getMethod("enabledByDefault").invoke(plugin), jar));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot list the collector plugins of " + jar, e);
    }
    return plugins;
  }

  /** The text of a jar's {@code reference.conf} (a shaded jar has one, merged), or null. */
  public static String referenceConf(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry entry = file.getJarEntry("reference.conf");
      if (entry == null) {
        return null;
      }
      try (var in = file.getInputStream(entry)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + jar, e);
    }
  }
}
