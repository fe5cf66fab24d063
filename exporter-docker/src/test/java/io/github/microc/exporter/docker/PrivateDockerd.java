package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A dockerd of the test's own: its own socket, data root, exec root and pid file, no bridge
 * and no iptables rules, in its own network namespace ({@code unshare --net}), because a
 * daemon started with {@code --bridge=none} deletes the host's {@code docker0}. It can be
 * killed and started again on the same state, as a crashed daemon would be.
 */
public final class PrivateDockerd implements AutoCloseable {

  private final Path dir;
  private final DockerCli cli;
  private Process process;

  private PrivateDockerd(Path dir) {
    this.dir = dir;
    this.cli = new DockerCli("unix://" + dir.resolve("docker.sock"));
  }

  /** Skips (or fails under MICROC_IT_STRICT=1) without root, dockerd or unshare. */
  public static PrivateDockerd start() throws Exception {
    Path dockerd = Engines.requireExecutable("dockerd", "install docker.io (.ci/docker-setup.sh)",
        "/usr/sbin/dockerd");
    Engines.requireExecutable("unshare", "install util-linux");
    Engines.require("root".equals(System.getProperty("user.name")), "a private dockerd needs root");
    // Short: the unix socket path must stay under 108 bytes.
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "mdl");
    PrivateDockerd d = new PrivateDockerd(dir);
    d.launch(dockerd);
    return d;
  }

  public DockerCli cli() {
    return cli;
  }

  public String host() {
    return cli.host();
  }

  private Path dockerdPath() {
    return Path.of("/usr/sbin/dockerd").toFile().canExecute() ? Path.of("/usr/sbin/dockerd")
        : Engines.executable("dockerd").orElseThrow();
  }

  private void launch(Path dockerd) throws Exception {
    Files.deleteIfExists(dir.resolve("docker.pid"));
    List<String> command = new ArrayList<>(List.of("unshare", "--net", "--fork", dockerd.toString(),
        "-H", host(),
        "--data-root", dir.resolve("data").toString(),
        "--exec-root", dir.resolve("exec").toString(),
        "--pidfile", dir.resolve("docker.pid").toString(),
        "--bridge=none", "--iptables=false", "--ip-masq=false"));
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
        .start();
    try {
      // A restart on a data root left by SIGKILL can take long on a loaded machine.
      DockerCli.await("the private dockerd", Duration.ofSeconds(120), cli::answers);
    } catch (AssertionError e) {
      List<String> log = Files.readAllLines(dir.resolve("dockerd.log"));
      Process ps = new ProcessBuilder("ps", "-eo", "pid,ppid,stat,etime,args").redirectErrorStream(true).start();
      String procs = new String(ps.getInputStream().readAllBytes()).lines()
          .filter(l -> l.contains(dir.toString()) || l.contains("containerd")).reduce("", (a, b) -> a + b + "\n");
      throw new AssertionError(e.getMessage() + "; processes:\n" + procs + "its log:\n"
          + String.join("\n", log.stream().filter(l -> !l.contains("module=grpc")).toList()), e);
    }
  }

  /** Loads an image of the host's daemon into this one (nothing can be pulled). */
  public void load(DockerCli from, String image) throws Exception {
    Process p = new ProcessBuilder("sh", "-c",
        "docker -H " + from.host() + " save " + image + " | docker -H " + host() + " load")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("loading " + image + ": " + out);
    }
  }

  /**
   * SIGKILL, as a crash: no clean-up, the pid file stays. The containerd that dockerd
   * manages dies with it (parent-death signal), but init may reap it late, and while it
   * is a zombie a restarted dockerd takes it for a live containerd and waits for it until
   * it gives up. So this waits for it to be gone, and forgets its pid file if init is slow.
   */
  public void kill() throws Exception {
    long pid = Long.parseLong(Files.readString(dir.resolve("docker.pid")).trim());
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    process.waitFor(20, TimeUnit.SECONDS);
    DockerCli.await("the private dockerd to die", Duration.ofSeconds(20), () -> !cli.answers());
    Path containerdPid = dir.resolve("exec/containerd/containerd.pid");
    if (Files.exists(containerdPid)) {
      long containerd = Long.parseLong(Files.readString(containerdPid).trim());
      ProcessHandle.of(containerd)
          .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
          .ifPresent(ProcessHandle::destroyForcibly);
      DockerCli.await("the private containerd to die", Duration.ofSeconds(20),
          () -> !runningNotZombie(containerd));
      if (ProcessHandle.of(containerd).isPresent()) {
        Files.deleteIfExists(containerdPid);
      }
    }
  }

  private static boolean runningNotZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The state follows the command name in parentheses: "pid (comm) S ...".
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGSTOP: the daemon hangs with its socket open. Connections still queue up on the socket,
   * requests are taken and never answered, and its events streams stay open and silent.
   */
  public void freeze() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}: it answers what waited, and goes on. */
  public void thaw() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    long pid = Long.parseLong(Files.readString(dir.resolve("docker.pid")).trim());
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
        .start();
    String out = new String(kill.getInputStream().readAllBytes());
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + pid + ": " + out);
    }
  }

  /** Starts again on the same data root, as a supervisor would after a crash. */
  public void restart() throws Exception {
    launch(dockerdPath());
  }

  @Override
  public void close() throws Exception {
    try {
      thaw();
    } catch (Exception notRunning) {
      // Killed, or never started.
    }
    try {
      if (cli.answers()) {
        String ids = cli.run("ps", "-aq");
        if (!ids.isEmpty()) {
          List<String> args = new ArrayList<>(List.of("rm", "-f"));
          args.addAll(List.of(ids.split("\\s+")));
          cli.exit(args.toArray(String[]::new));
        }
      }
      Path pidFile = dir.resolve("docker.pid");
      if (Files.exists(pidFile)) {
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      }
      if (process != null && !process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      // Shims of a containerd that died keep their containers running; stop both.
      ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
          .forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
          });
    } finally {
      // dockerd bind-mounts its data root and overlay layers; unmount before deleting.
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].startsWith(dir.toString())) {
          mounts.add(f[1]);
        }
      }
      mounts.sort(Comparator.comparing(String::length).reversed());
      for (String m : mounts) {
        new ProcessBuilder("umount", "-l", m).start().waitFor(10, TimeUnit.SECONDS);
      }
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // Left for the OS's /tmp clean-up.
          }
        });
      }
    }
  }
}
