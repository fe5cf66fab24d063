package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.host.ParsedExposition.Series;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Btrfs file system, made on a loop device and mounted, read by the real node_exporter
 * 1.5 and by Microc: the device families node_exporter takes from the btrfs ioctls
 * ({@code BTRFS_IOC_FS_INFO}, {@code DEV_INFO}, {@code GET_DEV_STATS}) on a mounted file
 * system, which no fixture tree can stand for, must be the same, with every other family of
 * that file system. Needs root, loop devices and {@code mkfs.btrfs} (btrfs-progs); skips without
 * them, fails instead under {@code MICROC_IT_STRICT=1}. The file system is unmounted at the end.
 */
class BtrfsMountIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  /** The label of this test's file systems, followed by the pid of the JVM that made one. */
  private static final String LABEL = "microc-it-";

  @Test
  void aMountedFileSystemsDevicesComeFromTheIoctlsAsInNodeExporter(@TempDir Path dir) throws Exception {
    long start = System.nanoTime();
    Path mkfs = Engines.requireExecutable("mkfs.btrfs", "apt-get install btrfs-progs",
        "/usr/sbin/mkfs.btrfs", "/sbin/mkfs.btrfs");
    Path nodeExporterBinary = Engines.executable("node_exporter").orElseGet(() -> Engines.requireExecutable(
        "prometheus-node-exporter", "apt-get install prometheus-node-exporter",
        "/usr/bin/prometheus-node-exporter"));
    Engines.require(BtrfsCollector.Kernel.available(), "JNA's libc mapping (Linux, 64-bit)");
    Engines.require("root".equals(System.getProperty("user.name")), "root, to mount a loop device");
    unmountStale();
    String label = LABEL + ProcessHandle.current().pid();
    Path image = dir.resolve("btrfs.img");
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(160L << 20);
    }
    run(List.of(mkfs.toString(), "-q", "-f", "-L", label, image.toString()));
    Path mountPoint = Files.createDirectory(dir.resolve("mnt"));
    int mounted = exec(List.of("mount", "-o", "loop", image.toString(), mountPoint.toString()));
    Engines.require(mounted == 0, "a loop mount of a btrfs image (mount -o loop failed: no loop"
        + " devices or no privilege)");
    Process nodeExporter = null;
    try {
      Path sysfs = sysfsDirectory(label);
      String uuid = sysfs.getFileName().toString();
      Files.writeString(mountPoint.resolve("data"), "x".repeat(1 << 16));
      exec(List.of("sync"));

      Path log = Files.createDirectories(Path.of("target")).resolve("btrfs-mount-node-exporter.log");
      nodeExporter = new ProcessBuilder(nodeExporterBinary.toString(), "--web.listen-address=127.0.0.1:0",
          "--web.disable-exporter-metrics", "--collector.disable-defaults", "--collector.btrfs")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      int port = Ports.fromLog(log, Ports.EXPORTER_TOOLKIT, nodeExporter, Duration.ofSeconds(30));
      URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
      ParsedExposition theirs = ParsedExposition.parse(scrape(uri, nodeExporter));
      BtrfsCollector microc = new BtrfsCollector(HostPaths.DEFAULT.sys("fs", "btrfs"), HostPaths.DEFAULT,
          new BtrfsCollector.Kernel());
      ParsedExposition ours = ParsedExposition.parse(Exposition.text(microc.collect()));

      Map<String, Double> expected = of(theirs, uuid);
      Map<String, Double> actual = of(ours, uuid);
      assertThat(expected).as("node_exporter's series of " + uuid)
          .containsKeys("node_btrfs_device_errors_total{type=corruption}",
              "node_btrfs_device_unused_bytes{}");
      assertThat(actual).as("Microc's series of the mounted file system " + uuid).isEqualTo(expected);
      for (String family : List.of("node_btrfs_device_size_bytes", "node_btrfs_device_errors_total",
          "node_btrfs_info")) {
        assertThat(ours.families.get(family)).as(family).isEqualTo(theirs.families.get(family));
      }
    } finally {
      if (nodeExporter != null) {
        nodeExporter.destroy();
        nodeExporter.waitFor(5, TimeUnit.SECONDS);
      }
      unmount(mountPoint.toString());
      System.out.printf("BtrfsMountIT: %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * Unmounts, retrying while the mount point is busy (a scrape of another exporter on this
   * machine may have it open for its ioctls, a loaded machine may be slow to let go), for up to
   * 20 s; then detaches it lazily, so that the temporary directory can go in any case.
   */
  private static void unmount(String mountPoint) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (exec(List.of("umount", mountPoint)) != 0) {
      if (exec(List.of("mountpoint", "-q", mountPoint)) != 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        exec(List.of("umount", "-l", mountPoint));
        return;
      }
      Thread.sleep(200);
    }
  }

  /**
   * Unmounts what a run of this test killed before its end left mounted: a file system labelled
   * by a JVM that is gone (a concurrent run's is left alone).
   */
  private static void unmountStale() throws Exception {
    Path sysfs = HostPaths.DEFAULT.sys("fs", "btrfs");
    if (!Files.isDirectory(sysfs)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(sysfs)) {
      for (Path entry : entries) {
        Path file = entry.resolve("label");
        String label = Files.isRegularFile(file) ? Files.readString(file).strip() : "";
        if (!label.startsWith(LABEL) || !label.substring(LABEL.length()).matches("\\d+")
            || ProcessHandle.of(Long.parseLong(label.substring(LABEL.length()))).isPresent()) {
          continue;
        }
        Process findmnt = new ProcessBuilder("findmnt", "-rn", "-o", "TARGET", "-S",
            "UUID=" + entry.getFileName()).redirectErrorStream(true).start();
        String targets = new String(findmnt.getInputStream().readAllBytes()).strip();
        findmnt.waitFor(10, TimeUnit.SECONDS);
        for (String target : targets.split("\n")) {
          if (!target.isBlank()) {
            unmount(target);
          }
        }
      }
    }
  }

  /** The series of one file system, with labels other than uuid, device UUID and device. */
  private static Map<String, Double> of(ParsedExposition exposition, String uuid) {
    Map<String, Double> series = new TreeMap<>();
    for (Map.Entry<Series, Double> e : exposition.samples.entrySet()) {
      Map<String, String> labels = new TreeMap<>(e.getKey().labels());
      if (!e.getKey().name().startsWith("node_btrfs_") || !uuid.equals(labels.remove("uuid"))) {
        continue;
      }
      String device = labels.remove("device");
      assertThat(device == null || device.matches("loop\\d+")).as("device of " + e.getKey()).isTrue();
      labels.remove("btrfs_dev_uuid");
      series.put(e.getKey().name() + labels.toString().replace(" ", ""), e.getValue());
    }
    return series;
  }

  private static Path sysfsDirectory(String label) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(HostPaths.DEFAULT.sys("fs", "btrfs"))) {
      for (Path entry : entries) {
        Path file = entry.resolve("label");
        if (Files.isRegularFile(file) && Files.readString(file).strip().equals(label)) {
          return entry;
        }
      }
    }
    throw new IllegalStateException("no /sys/fs/btrfs entry labelled " + label);
  }

  private static String scrape(URI uri, Process process) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
      } catch (ConnectException e) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("node_exporter did not start", e);
        }
        Thread.sleep(20);
      }
    }
  }

  private static void run(List<String> command) throws Exception {
    int code = exec(command);
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited with " + code);
    }
  }

  private static int exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
