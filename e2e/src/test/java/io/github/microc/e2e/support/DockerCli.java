package io.github.microc.e2e.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The docker CLI against the local daemon, for tests that need real containers. */
public final class DockerCli {

  /** The image .ci/docker-setup.sh builds from the host's static busybox. */
  public static final String TEST_IMAGE = "microc-test/busybox:1";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private DockerCli() {}

  /** Whether the CLI exists and the daemon answers on its socket. */
  public static boolean answers() {
    if (!Files.exists(Path.of("/var/run/docker.sock"))) {
      return false;
    }
    try {
      return Command.run(Duration.ofSeconds(10), "docker", "version", "--format",
          "{{.Server.Version}}").succeeded();
    } catch (RuntimeException e) {
      return false;
    }
  }

  public static boolean hasImage(String image) {
    return Command.run(TIMEOUT, "docker", "image", "inspect", image).succeeded();
  }

  /** Runs {@code docker args...}; its output, or a failure with it. */
  public static String docker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return Command.run(TIMEOUT, null, command).orFail().strip();
  }

  /** Removes, running or not, every container with this label ({@code key=value}). */
  public static void removeLabelled(String label) {
    String ids = Command.run(TIMEOUT, "docker", "ps", "-aq", "--filter", "label=" + label).output().strip();
    if (!ids.isEmpty()) {
      List<String> command = new ArrayList<>(List.of("docker", "rm", "-f"));
      command.addAll(List.of(ids.split("\\s+")));
      Command.run(TIMEOUT, null, command);
    }
  }
}
