package io.github.microc.e2e;

import static io.github.microc.e2e.support.DockerCli.TEST_IMAGE;
import static io.github.microc.e2e.support.DockerCli.docker;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.DockerCli;
import io.github.microc.e2e.support.Http;
import io.github.microc.e2e.support.JlinkBaseImage;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * deploy/docker/Dockerfile builds Microc's image on a base given as a build argument, and the
 * image, run with the host's /proc, /sys, / and Docker socket mounted as docs/deployment.md
 * says, sees the host and its containers rather than its own container.
 *
 * <p>Nothing can be pulled here, so the base is a jlink runtime built and imported by the
 * test ({@link JlinkBaseImage}), and the image is built by the classic builder with
 * {@code --pull=false}.
 */
@TestInstance(Lifecycle.PER_CLASS)
class ContainerImageIT {

  private final String run = "microc-it-image-" + UUID.randomUUID().toString().substring(0, 6);
  private final String label = "microc.it=" + run;
  private final String baseImage = "microc-test/jre:" + run;
  private final String image = "microc-test/microc:" + run;
  private final List<String> images = new ArrayList<>();
  private Path dir;
  private int port;
  private String buildOutput;

  @BeforeAll
  void buildAndRun() throws IOException {
    Engines.require(DockerCli.answers(),
        "no Docker daemon answers on /var/run/docker.sock; run .ci/docker-setup.sh");
    Engines.require(DockerCli.hasImage(TEST_IMAGE), "image " + TEST_IMAGE + " is missing; run .ci/docker-setup.sh");
    Engines.require(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jlink")),
        "this Java runtime has no jlink: run the tests on a JDK");
    Path jar = Repository.appJar();
    dir = Files.createTempDirectory("microc-image-it");

    JlinkBaseImage.build(jar, baseImage, dir);
    images.add(baseImage);
    // The documented build: the app's target directory as the context.
    // The build needs no network: --network none also spares it a broken default bridge.
    List<String> build = List.of("docker", "build", "--pull=false", "--network", "none",
        "--build-arg", "BASE=" + baseImage,
        "-f", Repository.resolve("deploy/docker/Dockerfile").toString(), "-t", image,
        jar.getParent().toString());
    buildOutput = Command.run(Duration.ofMinutes(5), null, build, Map.of("DOCKER_BUILDKIT", "0")).orFail();
    images.add(image);

    docker("run", "-d", "--name", run + "-peer", "--label", label, "--network", "none",
        TEST_IMAGE, "sleep", "600");
    docker("run", "-d", "--name", run + "-microc", "--label", label, "--network", "host",
        "-v", "/proc:/host/proc:ro", "-v", "/sys:/host/sys:ro", "-v", "/:/host/rootfs:" + rootfsOptions(),
        "-v", "/var/run/docker.sock:/var/run/docker.sock:ro",
        "-e", "MICROC_WEB_LISTEN__ADDRESS=127.0.0.1:0", image);
    long started = System.nanoTime();
    awaitReady();
    System.out.printf("ContainerImageIT: ready %d ms after docker run returned%n",
        (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (dir == null) {
      return;
    }
    DockerCli.removeLabelled(label);
    for (String i : images) {
      Command.run(Duration.ofSeconds(60), "docker", "rmi", "-f", i);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void imageIsBuiltOnTheGivenBase() {
    String baseId = docker("image", "inspect", "--format", "{{.Id}}", baseImage);
    assertThat(buildOutput).as("the FROM step resolves BASE to the local image")
        .containsPattern("FROM \\$\\{BASE}\\s+---> " + baseId.substring("sha256:".length(), "sha256:".length() + 12));
    String layers = docker("image", "inspect", "--format", "{{len .RootFS.Layers}}", image);
    String baseLayers = docker("image", "inspect", "--format", "{{len .RootFS.Layers}}", baseImage);
    assertThat(Integer.parseInt(layers)).isGreaterThan(Integer.parseInt(baseLayers));
    assertThat(docker("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", image))
        .isEqualTo(docker("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", baseImage));
  }

  /** The training run at build time wrote the class-data archive the entrypoint maps. */
  @Test
  void imageCarriesAClassDataArchive() {
    // -Xshare:on makes an archive that cannot be mapped a start-up error instead of a fallback.
    String version = docker("run", "--rm", "--network", "none", "-e", "JAVA_TOOL_OPTIONS=-Xshare:on",
        image, "--version");
    assertThat(version).containsPattern("(?m)^microc \\S+ \\(Java ");
  }

  @Test
  void bootTimeIsTheHosts() throws IOException {
    long hostBootTime = Files.readAllLines(Path.of("/proc/stat")).stream()
        .filter(l -> l.startsWith("btime ")).map(l -> Long.parseLong(l.substring(6).strip()))
        .findFirst().orElseThrow();
    assertThat(Math.round(value(scrape(), "node_boot_time_seconds", ""))).isEqualTo(hostBootTime);
  }

  /** Without the rootfs mount, / in the container is an overlay, which Microc leaves out. */
  @Test
  void rootFileSystemIsTheHosts() throws IOException {
    FileStore hostRoot = Files.getFileStore(Path.of("/"));
    String metrics = scrape();
    String root = "mountpoint=\"/\"";
    assertThat(value(metrics, "node_filesystem_size_bytes", root)).isEqualTo((double) hostRoot.getTotalSpace());
    assertThat(series(metrics, "node_filesystem_size_bytes", root)).contains("fstype=\"" + hostRoot.type() + "\"");
  }

  @Test
  void otherContainersAppear() {
    String peer = "name=\"" + run + "-peer\"";
    // The metadata watcher connects to Docker in the background; give it a moment on a busy host.
    // Sample lines only: the HELP line names microc_docker_up too.
    Pattern up = Pattern.compile("(?m)^microc_docker_up 1(\\.0)?$");
    String metrics = scrape();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(up.matcher(metrics).find() && metrics.contains(peer)) && System.nanoTime() < deadline) {
      DashboardsIT.sleep(500);
      metrics = scrape();
    }
    assertThat(value(metrics, "microc_docker_up", ""))
        .as("microc_docker_up; the container's log:%n%s", containerLog()).isEqualTo(1.0);
    assertThat(series(metrics, "microc_container_state", peer + ".*state=\"running\"")).endsWith(" 1.0");
    assertThat(value(metrics, "container_memory_working_set_bytes", peer)).isPositive();
    assertThat(value(metrics, "container_cpu_usage_seconds_total", peer)).isPositive();
    assertThat(value(metrics, "container_spec_cpu_shares", "name=\"" + run + "-microc\"")).isPositive();
  }

  /**
   * {@code ro,rslave} as documented, so that file systems the host mounts later show up; a
   * host whose / is a private mount (some sandboxes) refuses rslave, and gets plain {@code ro}.
   */
  private static String rootfsOptions() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      if (fields.length > 6 && fields[4].equals("/")) {
        String optional = line.substring(0, line.indexOf(" - "));
        return optional.contains("shared:") || optional.contains("master:") ? "ro,rslave" : "ro";
      }
    }
    return "ro,rslave";
  }

  /** The port it bound (any free one, on the host's network) from its start-up line, then /ready. */
  private void awaitReady() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (port == 0) {
        Matcher listening = Ports.MICROC.matcher(
            Command.run(Duration.ofSeconds(10), "docker", "logs", run + "-microc").output());
        port = listening.find() ? Integer.parseInt(listening.group(1)) : 0;
      }
      if (port != 0 && Http.get("http://127.0.0.1:" + port + "/ready").status() == 200) {
        return;
      }
      String state = docker("inspect", "--format", "{{.State.Status}}", run + "-microc");
      if (!state.equals("running")) {
        break;
      }
      DashboardsIT.sleep(200);
    }
    throw new AssertionError("Microc's container is not ready:\n"
        + Command.run(Duration.ofSeconds(10), "docker", "logs", run + "-microc").output());
  }

  private String scrape() {
    Http.Response response = Http.get("http://127.0.0.1:" + port + "/metrics");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  /** The first exposition line of {@code name} whose labels match {@code labels} (a regex). */
  private String containerLog() {
    return Command.run(Duration.ofSeconds(30), "docker", "logs", "--tail", "60", run + "-microc").output();
  }

  private static String series(String metrics, String name, String labels) {
    String pattern = labels.isEmpty()
        ? "^" + Pattern.quote(name) + "(\\{[^\\n]*\\})? [^\\n]+$"
        : "^" + Pattern.quote(name) + "\\{[^\\n]*" + labels + "[^\\n]*\\} [^\\n]+$";
    Matcher m = Pattern.compile(pattern, Pattern.MULTILINE).matcher(metrics);
    if (!m.find()) {
      throw new AssertionError("no " + name + " series matching " + labels + " in the scrape");
    }
    return m.group();
  }

  private static double value(String metrics, String name, String labels) {
    String s = series(metrics, name, labels);
    return Double.parseDouble(s.substring(s.lastIndexOf(' ') + 1));
  }
}
