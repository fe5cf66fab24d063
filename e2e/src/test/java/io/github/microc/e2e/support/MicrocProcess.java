package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The app jar running as a process on a loopback port, its output in a log file. */
public final class MicrocProcess extends LoggedProcess {

  private final int port;

  private MicrocProcess(Process process, int port, Path log) {
    super(process, log);
    this.port = port;
  }

  /**
   * Starts {@code java -jar jar --web.listen-address=127.0.0.1:port args...} with these
   * extra environment variables; the JVM flags keep several instances light on a small host.
   */
  public static MicrocProcess start(Path jar, int port, Map<String, String> environment, Path log,
      List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-jar", jar.toString(), "--web.listen-address=127.0.0.1:" + port));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    try {
      return new MicrocProcess(builder.start(), port, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  public int port() {
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Waits for {@code /ready} to answer 200; fails with the log when the process exits first. */
  public MicrocProcess awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("Microc on " + address() + " exited " + process.exitValue() + ":\n" + log());
      }
      if (Http.get("http://" + address() + "/ready").status() == 200) {
        return this;
      }
      sleep(100);
    }
    throw new AssertionError("Microc on " + address() + " not ready within " + timeout + ":\n" + log());
  }

  public String scrape() {
    Http.Response response = Http.get("http://" + address() + "/metrics");
    if (response.status() != 200) {
      throw new AssertionError("scrape of " + address() + ": " + response);
    }
    return response.body();
  }



}
