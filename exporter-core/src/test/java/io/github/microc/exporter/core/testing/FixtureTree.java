package io.github.microc.exporter.core.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A fixture tree of {@code exporter-core/src/test/parity/}: {@code proc}, {@code sys},
 * {@code rootfs}, {@code udev} (an empty directory where the tree has none), {@code textfile}
 * and {@code parity.conf} (its {@code collectors}, {@code node-exporter-flags},
 * {@code microc} block and {@code known-differences}), and the Microc that reads it.
 */
public record FixtureTree(Path dir, Config spec, Path proc, Path sys, Path rootfs, Path udev,
    Path textfile) {

  /** The tree in {@code dir}; {@code empty} stands for the directories it lacks. */
  public static FixtureTree of(Path dir, Path empty) {
    Config spec = ConfigFactory.parseFile(dir.resolve("parity.conf").toFile()).resolve();
    return new FixtureTree(dir, spec, dirOr(dir.resolve("proc"), empty),
        dirOr(dir.resolve("sys"), empty), dirOr(dir.resolve("rootfs"), empty),
        dirOr(dir.resolve("udev"), empty), dir.resolve("textfile"));
  }

  /** The trees under {@code root}: its directories with a {@code parity.conf}, by name. */
  public static List<Path> under(Path root) {
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(d -> Files.isRegularFile(d.resolve("parity.conf"))).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }

  public String name() {
    return dir.getFileName().toString();
  }

  /** The collectors the tree is for. */
  public List<String> collectors() {
    return spec.getStringList("collectors");
  }

  /** Whether the textfile collector reads the tree's {@code textfile} directory. */
  public boolean hasTextfiles() {
    return Files.isDirectory(textfile) && collectors().contains("textfile");
  }

  /**
   * A Microc with the host paths at the tree, the tree's collectors enabled and every other
   * plugin on {@code loader}'s class path disabled, the textfile directory, and the
   * {@code microc} block of parity.conf; its own process and JVM metrics off. Fails naming the
   * collectors of parity.conf that no plugin has.
   */
  public Microc.Builder microc(ClassLoader loader) {
    Microc.Builder builder = Microc.builder().environment(Map.of())
        .set("microc.host.proc", proc.toString(), "parity tree")
        .set("microc.host.sys", sys.toString(), "parity tree")
        .set("microc.host.rootfs", rootfs.toString(), "parity tree")
        .set("microc.host.udev-data", udev.toString(), "parity tree")
        .set("microc.web.exporter-metrics", false, "parity tree");
    Set<String> known = new TreeSet<>();
    for (CollectorPlugin plugin : Microc.discover(loader, type -> true, "the test class path")) {
      known.add(plugin.name());
      builder.set("microc.collectors." + plugin.name() + ".enabled",
          collectors().contains(plugin.name()), "parity tree");
    }
    List<String> missing = collectors().stream().filter(c -> !known.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw new AssertionError("collectors of " + dir.resolve("parity.conf")
          + " that Microc does not have: " + missing);
    }
    if (hasTextfiles()) {
      builder.set("microc.collectors.textfile.directory", textfile.toString(), "parity tree");
    }
    if (spec.hasPath("microc")) {
      builder.config(spec.withOnlyPath("microc"));
    }
    return builder;
  }

  private static Path dirOr(Path dir, Path fallback) {
    return Files.isDirectory(dir) ? dir : fallback;
  }
}
