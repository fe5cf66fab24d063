package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Container states, exit codes, OOM kills and health, driven by events from a real dockerd. */
class LifecycleIT {

  private static final String P = "microc-it-life-";
  private static DockerCli docker;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    docker = DockerCli.requireLocal();
    docker.removeLabelled("lifecycle");
    // A long re-list interval: what the tests see comes from the events stream.
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.name-include", P + ".*",
        "microc.collectors.containers.relist-interval", "5m"));
    await("the daemon", Duration.ofSeconds(20),
        () -> exporter.metrics().samples().stream()
            .anyMatch(s -> s.name().equals("microc_docker_up") && s.value() == 1));
  }

  @AfterAll
  static void stop() {
    if (exporter != null) {
      exporter.close();
    }
    if (docker != null) {
      docker.removeLabelled("lifecycle");
    }
  }

  private static void run(String name, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--network";
    all[1] = "none";
    System.arraycopy(args, 0, all, 2, args.length);
    docker.runDetached(P + name, "lifecycle", all);
  }

  private static double state(Exposition e, String name, String state) {
    return e.value("microc_container_state", P + name, "state", state).orElse(-1.0);
  }

  @Test
  void exitingWithThreeShowsExitedAndExitCodeThree() throws Exception {
    // It exits when told to, once its open files have been looked at.
    run("exit3", IMAGE, "sh", "-c", "while [ ! -f /tmp/go ]; do sleep 0.1; done; exit 3");
    await("state running", Duration.ofSeconds(20), () -> state(exporter.metrics(), "exit3", "running") == 1);
    String id = docker.run("inspect", "-f", "{{.Id}}", P + "exit3");
    String pid = docker.run("inspect", "-f", "{{.State.Pid}}", P + "exit3");
    assertThat(openFilesOf(id, pid)).as("cgroup and net/dev files kept open while it runs").isNotEmpty();
    docker.run("exec", P + "exit3", "touch", "/tmp/go");
    await("state exited", Duration.ofSeconds(20), () -> state(exporter.metrics(), "exit3", "exited") == 1);
    assertThat(openFilesOf(id, pid)).as("closed once it stopped (no dead network namespace kept)").isEmpty();
    Exposition e = exporter.metrics();
    assertThat(e.value("microc_container_exit_code", P + "exit3")).contains(3.0);
    assertThat(state(e, "exit3", "running")).as("one series, for the current state").isEqualTo(-1);
    assertThat(e.named("microc_container_state").stream()
        .filter(s -> s.label("name").equals(P + "exit3")).mapToDouble(Exposition.Sample::value).sum())
        .as("exactly one state is 1").isEqualTo(1);
    assertThat(e.value("microc_container_info", P + "exit3")).contains(1.0);
    assertThat(e.value("container_cpu_usage_seconds_total", P + "exit3"))
        .as("a stopped container has no stale stats").isEmpty();
    assertThat(e.value("container_memory_working_set_bytes", P + "exit3")).isEmpty();
    assertThat(e.value("container_last_seen", P + "exit3")).isEmpty();
  }

  /** This JVM's descriptors (the exporter runs in it) on the container's cgroup or its process. */
  private static java.util.List<String> openFilesOf(String id, String pid) throws java.io.IOException {
    java.util.List<String> open = new java.util.ArrayList<>();
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      for (java.nio.file.Path fd : fds.toList()) {
        try {
          String target = java.nio.file.Files.readSymbolicLink(fd).toString();
          if (target.contains(id) || target.startsWith("/proc/" + pid + "/")) {
            open.add(target);
          }
        } catch (java.io.IOException gone) {
          // Closed while listing.
        }
      }
    }
    return open;
  }

  @Test
  void oomKilledContainerShowsOomKilledAndAnOomEvent() throws Exception {
    // tail keeps the one endless "line" in memory until the 16 MiB limit kills it.
    run("oom", "--memory", "16m", "--memory-swap", "16m", IMAGE, "sh", "-c",
        "head -c 200000000 /dev/zero | tail -n 1 >/dev/null");
    await("oom_killed 1", Duration.ofSeconds(30),
        () -> exporter.metrics().value("microc_container_oom_killed", P + "oom").orElse(0.0) == 1);
    Exposition e = exporter.metrics();
    assertThat(docker.run("inspect", "-f", "{{.State.OOMKilled}}", P + "oom")).isEqualTo("true");
    assertThat(e.value("container_oom_events_total", P + "oom").orElseThrow()).isGreaterThanOrEqualTo(1);
    assertThat(state(e, "oom", "exited")).isEqualTo(1);
    assertThat(e.value("microc_container_exit_code", P + "oom")).contains(
        Double.parseDouble(docker.run("inspect", "-f", "{{.State.ExitCode}}", P + "oom")));
  }

  @Test
  void healthCheckShowsHealthyThenUnhealthy() throws Exception {
    run("health", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s",
        "--health-retries", "1", "--health-timeout", "1s", IMAGE, "sh", "-c",
        "touch /tmp/ok; while [ ! -f /tmp/fail ]; do sleep 0.2; done; rm /tmp/ok; sleep 3600");
    await("healthy", Duration.ofSeconds(20), () -> exporter.metrics()
        .value("container_health_state", P + "health", "health", "healthy").orElse(0.0) == 1);
    docker.run("exec", P + "health", "touch", "/tmp/fail");
    await("unhealthy", Duration.ofSeconds(30), () -> exporter.metrics()
        .value("container_health_state", P + "health", "health", "unhealthy").orElse(0.0) == 1);
    Exposition e = exporter.metrics();
    assertThat(e.value("container_health_state", P + "health", "health", "healthy")).contains(0.0);
    assertThat(docker.run("inspect", "-f", "{{.State.Health.Status}}", P + "health")).isEqualTo("unhealthy");
    assertThat(state(e, "health", "running")).isEqualTo(1);
  }

  @Test
  void renameAndRemovalFollowTheEvents() throws Exception {
    run("rename-a", IMAGE, "sleep", "3600");
    await("the container", Duration.ofSeconds(20), () -> state(exporter.metrics(), "rename-a", "running") == 1);
    docker.run("rename", P + "rename-a", P + "rename-b");
    await("the new name", Duration.ofSeconds(20), () -> state(exporter.metrics(), "rename-b", "running") == 1);
    assertThat(exporter.metrics().value("microc_container_info", P + "rename-a")).isEmpty();
    docker.run("rm", "-f", P + "rename-b");
    await("its removal", Duration.ofSeconds(20),
        () -> exporter.metrics().value("microc_container_info", P + "rename-b").isEmpty());
  }
}
