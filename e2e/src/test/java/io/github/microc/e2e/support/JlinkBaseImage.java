package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Java runtime image made on this machine, since no image can be pulled: a jlink runtime of
 * the modules the jar needs at {@code /opt/java} with its default class-data archive (as JRE
 * images have), the shared libraries its binaries link
 * against (as {@code ldd} lists them), a minimal {@code /etc}, imported with
 * {@code docker import}. Any Dockerfile whose base only needs {@code java} on the PATH can
 * build on it.
 */
public final class JlinkBaseImage {

  /** Modules loaded reflectively or by services, which jdeps cannot see. */
  private static final List<String> ALWAYS = List.of("java.base", "java.logging", "java.management",
      "jdk.management", "jdk.httpserver", "jdk.unsupported", "java.naming");
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private JlinkBaseImage() {}

  /** Builds the image {@code tag} for running {@code jar}, working in {@code dir}. */
  public static void build(Path jar, String tag, Path dir) throws IOException {
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path jlink = javaHome.resolve("bin/jlink");
    Path jdeps = javaHome.resolve("bin/jdeps");
    Set<String> modules = new TreeSet<>(ALWAYS);
    String deps = Command.run(TIMEOUT, jdeps.toString(), "--ignore-missing-deps", "--print-module-deps",
        "--multi-release", "17", jar.toString()).orFail();
    String last = deps.strip().lines().reduce((a, b) -> b).orElse("");
    modules.addAll(Arrays.asList(last.split(",")));

    Path root = Files.createDirectories(dir.resolve("rootfs"));
    Path runtime = root.resolve("opt/java");
    Files.createDirectories(runtime.getParent());
    Command.run(TIMEOUT, jlink.toString(), "--add-modules", String.join(",", modules),
        "--output", runtime.toString(), "--strip-debug", "--no-header-files", "--no-man-pages",
        "--generate-cds-archive").orFail();

    for (String library : sharedLibraries(runtime)) {
      Path target = root.resolve(library.substring(1));
      Files.createDirectories(target.getParent());
      if (!Files.exists(target)) {
        Files.copy(Path.of(library), target); // follows the host's symbolic links
      }
    }
    for (String d : List.of("etc", "tmp", "proc", "sys", "dev", "root")) {
      Files.createDirectories(root.resolve(d));
    }
    Command.run(Duration.ofSeconds(5), "chmod", "1777", root.resolve("tmp").toString()).orFail();
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/false\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\n");

    Path tar = dir.resolve("rootfs.tar");
    Command.run(TIMEOUT, "tar", "-C", root.toString(), "-cf", tar.toString(), ".").orFail();
    Command.run(TIMEOUT, "docker", "import", "--change", "ENV PATH=/opt/java/bin:/usr/bin:/bin",
        "--change", "ENV JAVA_HOME=/opt/java", tar.toString(), tag).orFail();
  }

  /** Every library outside the runtime that its executables and libraries load. */
  static Set<String> sharedLibraries(Path runtime) throws IOException {
    List<String> binaries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(runtime)) {
      files.filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".so") || f.getParent().getFileName().toString().equals("bin"))
          .forEach(f -> binaries.add(f.toString()));
    }
    Set<String> libraries = new TreeSet<>();
    for (String binary : binaries) {
      Command.Result ldd = Command.run(TIMEOUT, "ldd", binary);
      for (String line : ldd.output().lines().toList()) {
        // "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        String path = line.contains("=>") ? line.substring(line.indexOf("=>") + 2).strip() : line.strip();
        path = path.split("\\s+")[0];
        if (path.startsWith("/") && !path.startsWith(runtime.toString()) && Files.exists(Path.of(path))) {
          libraries.add(path);
        }
      }
    }
    if (libraries.stream().noneMatch(l -> l.contains("libc.so"))) {
      throw new UncheckedIOException(new IOException("ldd found no libc for " + runtime + ": " + libraries));
    }
    return libraries;
  }
}
