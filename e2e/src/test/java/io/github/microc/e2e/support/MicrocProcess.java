package io.github.microc.e2e.support;

import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The app jar running as a process on a loopback port, its output in a log file. */
public final class MicrocProcess extends LoggedProcess {

  private final Path logFile;
  private int port;

  private MicrocProcess(Process process, Path log) {
    super(process, log);
    this.logFile = log;
  }

  /**
   * Starts {@code java -jar jar --web.listen-address=127.0.0.1:0 args...} with these extra
   * environment variables; the JVM flags keep several instances light on a small host. It binds
   * a free port itself: {@link #port} reads which from its start-up line.
   */
  public static MicrocProcess start(Path jar, Map<String, String> environment, Path log,
      List<String> args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-jar", jar.toString(), "--web.listen-address=127.0.0.1:0"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    try {
      return new MicrocProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** The port it listens on, once its start-up line says (waits for it). */
  public synchronized int port() {
    if (port == 0) {
      port = Ports.fromLog(logFile, Ports.MICROC, process, Duration.ofSeconds(90));
    }
    return port;
  }

  public String address() {
    return "127.0.0.1:" + port();
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
