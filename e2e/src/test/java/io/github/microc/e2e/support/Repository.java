package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Paths in the source tree, found from the e2e module's working directory. */
public final class Repository {

  private Repository() {}

  /** The project's root: the directory holding the parent pom and the e2e module. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
      if (Files.isDirectory(candidate.resolve("e2e")) && Files.isRegularFile(candidate.resolve("pom.xml"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no project root above " + dir);
  }

  public static Path resolve(String relative) {
    return root().resolve(relative);
  }

  /**
   * The shaded app jar built by the reactor before e2e, or the one named by the system
   * property {@code microc.app.jar} or the variable {@code MICROC_APP_JAR}.
   */
  public static Path appJar() {
    String override = System.getProperty("microc.app.jar", System.getenv("MICROC_APP_JAR"));
    Path jar = override != null && !override.isBlank() ? Path.of(override)
        : resolve("exporter-app/target/microc-exporter.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it first (mvn -pl exporter-app package)");
    }
    return jar;
  }

  /** The plugins-example jar built by the reactor before e2e. */
  public static Path examplePluginJar() {
    Path target = resolve("plugins-example/target");
    try (Stream<Path> files = Files.isDirectory(target) ? Files.list(target) : Stream.empty()) {
      return files.filter(p -> {
        String name = p.getFileName().toString();
        return name.startsWith("plugins-example-") && name.endsWith(".jar")
            && !name.endsWith("-sources.jar") && !name.endsWith("-tests.jar")
            && !name.endsWith("-javadoc.jar");
      }).findFirst().orElseThrow(() -> new IllegalStateException("no plugins-example jar in "
          + target + ": build it first (mvn -pl plugins-example package)"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
