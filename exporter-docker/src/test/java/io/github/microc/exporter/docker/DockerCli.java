package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** The docker CLI against one daemon, for integration tests: the oracle and the driver. */
public final class DockerCli {

  /** Built by .ci/docker-setup.sh with docker import; nothing is pulled. */
  public static final String IMAGE = "microc-test/busybox:1";

  private final String host;

  public DockerCli(String host) {
    this.host = host;
  }

  /** The local daemon; skips (or fails under MICROC_IT_STRICT=1) when it does not answer. */
  public static DockerCli requireLocal() {
    Engines.requireExecutable("docker", "run .ci/docker-setup.sh (installs docker.io)");
    DockerCli docker = new DockerCli("unix:///var/run/docker.sock");
    Engines.require(docker.answers(), "dockerd does not answer on /var/run/docker.sock; run .ci/docker-setup.sh");
    Engines.require(docker.exit("image", "inspect", IMAGE) == 0,
        IMAGE + " is missing; run .ci/docker-setup.sh");
    return docker;
  }

  public String host() {
    return host;
  }

  public boolean answers() {
    return exit("version", "--format", "{{.Server.Version}}") == 0;
  }

  /** Runs a docker command; its trimmed stdout, or an exception with stderr. */
  public String run(String... args) {
    Result r = exec(args);
    if (r.code != 0) {
      throw new IllegalStateException("docker " + String.join(" ", args) + ": exit " + r.code + ": " + r.err);
    }
    return r.out.trim();
  }

  public int exit(String... args) {
    return exec(args).code;
  }

  /**
   * {@code docker run -d --name <name> --label microc.it=<test> <args...>}: a container that
   * {@link #removeLabelled} removes again.
   */
  public String runDetached(String name, String test, String... args) {
    List<String> command = new ArrayList<>(List.of("run", "-d", "--name", name, "--label", "microc.it=" + test));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }

  /**
   * {@code docker run} options that put a throttle rule far above anything a test does on the
   * disk under Docker's data, or none when that is not a block device here. On cgroup v1 a
   * kernel counts a disk's I/O in {@code blkio.throttle.io_service*} only once some cgroup has
   * had a throttle rule on it (Linux 6.18 on the CI machine): on a freshly booted host those
   * files stay at {@code Total 0} for every cgroup, the root too, until then.
   */
  public List<String> blkioCounted() {
    String root = run("info", "--format", "{{.DockerRootDir}}");
    String source = "";
    try {
      Process p = new ProcessBuilder("findmnt", "-n", "-v", "-o", "SOURCE", "--target", root).start();
      source = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
    if (!source.startsWith("/dev/") || !Files.exists(Path.of(source))) {
      return List.of();
    }
    return List.of("--device-read-bps", source + ":10gb", "--device-write-bps", source + ":10gb");
  }

  /** Removes every container with the label {@code microc.it=<value>}. */
  public void removeLabelled(String value) {
    String ids = exec("ps", "-aq", "--filter", "label=microc.it=" + value).out.trim();
    if (!ids.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("rm", "-f", "-v"));
      args.addAll(List.of(ids.split("\\s+")));
      exec(args.toArray(String[]::new));
    }
  }

  private record Result(int code, String out, String err) {}

  private Result exec(String... args) {
    List<String> command = new ArrayList<>(List.of("docker", "-H", host));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).start();
      p.getOutputStream().close();
      var out = p.getInputStream().readAllBytes();
      var err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "", "timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, "", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "", "interrupted");
    }
  }

  /** Polls {@code condition} every 200 ms until it holds; fails with {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, last);
  }
}
