package io.github.microc.e2e.support;

import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's {@code chromium}, headless: one run a call, each with a new empty profile, for a
 * page's screenshot or its DOM as the browser built it (after any script on it ran). Runs as
 * root, hence {@code --no-sandbox}; no network but the page's own (no first-run, sync, component
 * updates or background requests).
 */
public final class HeadlessChromium {

  private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final Path executable;
  private final Path work;
  private final AtomicInteger runs = new AtomicInteger();

  /** @param work where each run's profile and output go */
  public HeadlessChromium(Path executable, Path work) {
    this.executable = executable;
    this.work = work;
  }

  /** The browser, or empty when it is not installed ({@code .ci/run} installs it). */
  public static Optional<Path> find() {
    return Engines.executable("chromium", "/usr/bin/chromium", "/usr/lib/chromium/chromium");
  }

  /** A PNG of {@code url} at this window size, written to {@code png}. */
  public Path screenshot(String url, Path png, int width, int height) {
    run(List.of("--window-size=" + width + "," + height, "--hide-scrollbars",
        "--screenshot=" + png.toAbsolutePath(), url));
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("chromium wrote no screenshot to " + png);
    }
    return png;
  }

  /** The DOM of {@code url} serialized once the page has loaded and a second of its time has run. */
  public String dumpDom(String url) {
    return run(List.of("--virtual-time-budget=1000", "--dump-dom", url));
  }

  /** Runs chromium with these arguments after the common flags; its standard output. */
  private String run(List<String> args) {
    int n = runs.incrementAndGet();
    try {
      Path profile = Files.createDirectories(work.resolve("profile-" + n));
      Path out = work.resolve("chromium-" + n + ".out");
      Path err = work.resolve("chromium-" + n + ".err");
      List<String> command = new ArrayList<>(List.of(executable.toString()));
      command.addAll(FLAGS);
      command.add("--user-data-dir=" + profile);
      command.addAll(args);
      Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
          .redirectError(err.toFile()).start();
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT
            + ":\n" + Files.readString(err));
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue()
            + ":\n" + Files.readString(err));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + executable, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running chromium", e);
    }
  }
}
