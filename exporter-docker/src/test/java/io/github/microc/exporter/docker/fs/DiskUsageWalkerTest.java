package io.github.microc.exporter.docker.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walker over a host root of its own: the host paths of inspect are found under
 * {@code rootfs}, the devices in a {@code mountinfo} written for the test.
 */
class DiskUsageWalkerTest {

  @TempDir
  Path root;

  static ContainerInfo container(String id, long pid, String upper, String dir, List<String> volumes) {
    return new ContainerInfo(id, id, "img", "", Map.of(), "running", pid, 0, 0, false, null, "",
        "default", 0, 100_000, 1024, 0, 0, new ContainerInfo.Detail(upper, dir, volumes, 0, 0));
  }

  HostPaths host() throws Exception {
    Path proc = Files.createDirectories(root.resolve("proc/1"));
    Files.writeString(proc.resolve("mountinfo"), """
        27 1 254:0 / / rw,relatime - ext4 /dev/layers rw
        46 27 8:17 / /volumes rw,relatime - xfs /dev/volumes rw
        """);
    return new HostPaths(root.resolve("proc"), root.resolve("sys"), root.resolve("rootfs"));
  }

  @Test
  void eachContainersLayerAndDirectoryAreWalkedAndVolumesWhenAsked() throws Exception {
    HostPaths host = host();
    Path layer = Files.createDirectories(host.rootfs("/docker/overlay2/a/diff"));
    Files.write(layer.resolve("data"), new byte[1 << 20]);
    Path dir = Files.createDirectories(host.rootfs("/docker/containers/a"));
    Files.write(dir.resolve("a-json.log"), new byte[64 * 1024]);
    Path volume = Files.createDirectories(host.rootfs("/volumes/v/_data"));
    Files.write(volume.resolve("db"), new byte[2 << 20]);
    List<ContainerInfo> running = new CopyOnWriteArrayList<>(List.of(container("a", 10,
        "/docker/overlay2/a/diff", "/docker/containers/a", List.of("/volumes/v/_data"))));
    for (boolean volumes : new boolean[] {false, true}) {
      try (DiskUsageWalker walker = new DiskUsageWalker(host, Duration.ofMinutes(1),
          Duration.ofSeconds(10), volumes, true, () -> running).start()) {
        awaitUsage(walker, "a");
        List<DiskUsageWalker.FsUsage> usage = walker.usage("a");
        DiskUsageWalker.FsUsage layers = usage.get(0);
        assertThat(layers.device()).isEqualTo("/dev/layers");
        assertThat(layers.usageBytes()).isBetween((1L << 20) + 64 * 1024, (1L << 20) + 64 * 1024 + 64 * 1024);
        assertThat(layers.inodes()).as("two directories, two files").isEqualTo(4);
        assertThat(layers.limitBytes()).isEqualTo(Files.getFileStore(layer).getTotalSpace());
        if (volumes) {
          assertThat(usage).extracting(DiskUsageWalker.FsUsage::device).containsExactly("/dev/layers", "/dev/volumes");
          assertThat(usage.get(1).usageBytes()).isGreaterThanOrEqualTo(2L << 20);
        } else {
          assertThat(usage).hasSize(1);
        }
      }
    }
  }

  @Test
  void aContainerThatIsGoneIsForgotten() throws Exception {
    HostPaths host = host();
    Files.createDirectories(host.rootfs("/docker/overlay2/b/diff"));
    List<ContainerInfo> running = new CopyOnWriteArrayList<>(List.of(
        container("b", 11, "/docker/overlay2/b/diff", "", List.of())));
    try (DiskUsageWalker walker = new DiskUsageWalker(host, Duration.ofMillis(50),
        Duration.ofSeconds(10), false, false, () -> running).start()) {
      awaitUsage(walker, "b");
      running.clear();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!walker.usage("b").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(walker.usage("b")).isEmpty();
      assertThat(walker.rootUsage()).as("not asked for").isEmpty();
      assertThat(walker.cost()[0]).isPositive();
    }
  }

  private static void awaitUsage(DiskUsageWalker walker, String id) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (walker.usage(id).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(walker.usage(id)).as("figures of " + id).isNotEmpty();
  }
}
