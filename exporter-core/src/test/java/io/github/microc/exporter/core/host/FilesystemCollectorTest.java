package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.host.FilesystemCollector.FsStats;
import io.github.microc.exporter.core.host.FilesystemCollector.Mount;
import io.github.microc.exporter.core.host.FilesystemCollector.Settings;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount table is a real capture; {@code statvfs} itself is replaced by a stand-in in the
 * tests that need fixed sizes, a failure or a hang (a dead NFS server cannot be conjured
 * here). {@link #statvfsAgreesWithTheJdk} calls the real one.
 */
class FilesystemCollectorTest {

  private static final FsStats STATS = new FsStats(4096.0 * 1000, 4096.0 * 600, 4096.0 * 500, 1000, 900);

  /** The reference.conf defaults of the block. */
  private static PluginConfig defaults() {
    Config reference = ConfigFactory.parseResources(FilesystemCollector.class.getClassLoader(), "reference.conf");
    return new PluginConfig("microc.collectors.filesystem", reference.getConfig("microc.collectors.filesystem"));
  }

  private static Settings settings(Duration mountTimeout) {
    Settings s = Settings.from(defaults());
    return new Settings(s.mountPointsExclude(), s.fsTypesExclude(), mountTimeout);
  }

  @Test
  void capturedMountTableWithNodeExportersDefaultExcludes() {
    List<Path> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    HostPaths host = new HostPaths(Fixtures.path("proc"), Fixtures.path("sys"), Path.of("/hostfs"));
    FilesystemCollector collector = new FilesystemCollector(Settings.from(defaults()), host, path -> {
      asked.add(path);
      return STATS;
    });

    String text = Exposition.text(collector.collect());
    collector.close();

    assertThat(asked).containsExactlyInAnyOrder(Path.of("/hostfs"), Path.of("/hostfs/var/lib/docker"));
    assertThat(text).isEqualTo("""
        # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
        # TYPE node_filesystem_avail_bytes gauge
        node_filesystem_avail_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 2048000.0
        node_filesystem_avail_bytes{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 2048000.0
        # HELP node_filesystem_device_error Whether an error occurred while getting statistics for the given device.
        # TYPE node_filesystem_device_error gauge
        node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/"} 0.0
        node_filesystem_device_error{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 0.0
        # HELP node_filesystem_files Filesystem total file nodes.
        # TYPE node_filesystem_files gauge
        node_filesystem_files{device="/dev/vda",fstype="ext4",mountpoint="/"} 1000.0
        node_filesystem_files{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 1000.0
        # HELP node_filesystem_files_free Filesystem total free file nodes.
        # TYPE node_filesystem_files_free gauge
        node_filesystem_files_free{device="/dev/vda",fstype="ext4",mountpoint="/"} 900.0
        node_filesystem_files_free{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 900.0
        # HELP node_filesystem_free_bytes Filesystem free space in bytes.
        # TYPE node_filesystem_free_bytes gauge
        node_filesystem_free_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 2457600.0
        node_filesystem_free_bytes{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 2457600.0
        # HELP node_filesystem_readonly Filesystem read-only status.
        # TYPE node_filesystem_readonly gauge
        node_filesystem_readonly{device="/dev/vda",fstype="ext4",mountpoint="/"} 0.0
        node_filesystem_readonly{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 0.0
        # HELP node_filesystem_size_bytes Filesystem size in bytes.
        # TYPE node_filesystem_size_bytes gauge
        node_filesystem_size_bytes{device="/dev/vda",fstype="ext4",mountpoint="/"} 4096000.0
        node_filesystem_size_bytes{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"} 4096000.0
        """);
  }

  @Test
  void aChangedMountTableIsReadAgainAndOneSeriesPerMountPoint(@TempDir Path proc) throws IOException {
    Path mounts = Files.createDirectories(proc.resolve("1")).resolve("mounts");
    Files.writeString(mounts, "/dev/vda / ext4 rw,relatime 0 0\n"
        + "/dev/vda / ext4 ro,relatime 0 0\n"); // mounted twice: one series, the first line's
    List<Path> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (FilesystemCollector collector = new FilesystemCollector(Settings.from(defaults()),
        new HostPaths(proc, proc, Path.of("/")), path -> {
          asked.add(path);
          return STATS;
        })) {
      String before = Exposition.text(collector.collect());
      assertThat(before).contains("node_filesystem_readonly{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 0.0")
          .doesNotContain("/data");
      assertThat(before.lines().filter(l -> l.startsWith("node_filesystem_size_bytes"))).hasSize(1);

      // A mount, written in place as the kernel regenerates the file.
      Files.writeString(mounts, "/dev/vda / ext4 rw,relatime 0 0\n/dev/vdb /data xfs ro 0 0\n");
      String after = Exposition.text(collector.collect());

      assertThat(after).contains("node_filesystem_readonly{device=\"/dev/vdb\",fstype=\"xfs\",mountpoint=\"/data\"} 1.0");
      assertThat(asked).containsExactly(Path.of("/"), Path.of("/"), Path.of("/data"));
    }
  }

  @Test
  void escapedMountPointsAreDecodedAndTheRootfsPrefixStripped() {
    List<Mount> mounts = FilesystemCollector.parseMounts(Fixtures.text("nasty/mounts"), "/host");

    assertThat(mounts).extracting(Mount::mountPoint)
        .containsExactly("/", "/", "/mnt/my disk", "/srv/tab\tdir", "/hostile");
    assertThat(mounts.get(2).readonly()).isTrue();
    assertThat(mounts.get(3).readonly()).isFalse();
  }

  @Test
  void hungStatIsADeviceErrorAndIsNotAskedAgainUntilItReturns(@TempDir Path proc) throws Exception {
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/mounts"),
        "/dev/vda / ext4 rw 0 0\nserver:/x /mnt/nfs nfs4 ro 0 0\n");
    CountDownLatch server = new CountDownLatch(1);
    AtomicInteger nfsCalls = new AtomicInteger();
    FilesystemCollector collector = new FilesystemCollector(settings(Duration.ofMillis(500)),
        new HostPaths(proc, proc, Path.of("/")), path -> {
          if (path.toString().equals("/mnt/nfs")) {
            nfsCalls.incrementAndGet();
            awaitQuietly(server);
          }
          return STATS;
        });
    try {
      String first = Exposition.text(collector.collect());
      String second = Exposition.text(collector.collect());

      assertThat(first).contains("node_filesystem_device_error{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 1.0")
          .contains("node_filesystem_readonly{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 1.0")
          .contains("node_filesystem_size_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 4096000.0")
          .doesNotContain("node_filesystem_size_bytes{device=\"server:/x\"");
      assertThat(second).isEqualTo(first);
      assertThat(nfsCalls).hasValue(1);

      server.countDown();
      String third = awaitRecovery(collector);
      assertThat(third).contains("node_filesystem_device_error{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 0.0");
      assertThat(nfsCalls).hasValue(2);
    } finally {
      server.countDown();
      collector.close();
    }
  }

  @Test
  void mountsAfterAHungOneAreStillReportedByAFreshThread(@TempDir Path proc) throws Exception {
    Files.createDirectories(proc.resolve("1"));
    StringBuilder table = new StringBuilder("server:/x /mnt/nfs nfs4 rw 0 0\n");
    for (int i = 0; i < 40; i++) {
      table.append("/dev/vdb").append(i).append(" /srv/").append(i).append(" ext4 rw 0 0\n");
    }
    Files.writeString(proc.resolve("1/mounts"), table.toString());
    CountDownLatch server = new CountDownLatch(1);
    FilesystemCollector collector = new FilesystemCollector(settings(Duration.ofMillis(500)),
        new HostPaths(proc, proc, Path.of("/")), path -> {
          if (path.toString().equals("/mnt/nfs")) {
            awaitQuietly(server);
          }
          return STATS;
        });
    try {
      for (int i = 0; i < 5; i++) {
        String text = Exposition.text(collector.collect());

        assertThat(text).contains("node_filesystem_device_error{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 1.0");
        for (int m = 0; m < 40; m++) {
          assertThat(text).contains("node_filesystem_size_bytes{device=\"/dev/vdb" + m + "\",fstype=\"ext4\",mountpoint=\"/srv/" + m + "\"} 4096000.0");
        }
      }
      assertThat(statThreads()).as("the worker and the one left to the hung call").isLessThanOrEqualTo(2);
    } finally {
      server.countDown();
      collector.close();
    }
  }

  private static long statThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("microc-statvfs-") && t.isAlive()).count();
  }

  @Test
  void failingStatIsADeviceErrorWithoutSizes(@TempDir Path proc) throws IOException {
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/mounts"), "/dev/sdz1 /data xfs rw 0 0\n");
    FilesystemCollector collector = new FilesystemCollector(settings(Duration.ofSeconds(2)),
        new HostPaths(proc, proc, Path.of("/")), path -> {
          throw new IOException("statvfs /data: errno 5");
        });

    String text = Exposition.text(collector.collect());
    collector.close();

    assertThat(text).contains("node_filesystem_device_error{device=\"/dev/sdz1\",fstype=\"xfs\",mountpoint=\"/data\"} 1.0")
        .doesNotContain("node_filesystem_size_bytes{");
  }

  @Test
  void procMountsIsReadWhenPidOneIsHidden(@TempDir Path proc) throws IOException {
    Files.writeString(proc.resolve("mounts"), "/dev/sda1 /srv ext4 rw 0 0\n");
    Map<Path, Boolean> asked = new ConcurrentHashMap<>();
    FilesystemCollector collector = new FilesystemCollector(settings(Duration.ofSeconds(2)),
        new HostPaths(proc, proc, Path.of("/")), path -> {
          asked.put(path, true);
          return STATS;
        });

    collector.collect();
    // Once hidden, pid 1's table is not looked for again: this one stays unread.
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/mounts"), "/dev/sdb1 /other ext4 rw 0 0\n");
    collector.collect();
    collector.close();

    assertThat(asked).containsOnlyKeys(Path.of("/srv"));
  }

  @Test
  void invalidExcludeRegexNamesTheKeyAndTheFileLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("microc.conf");
    Files.writeString(file, "microc.collectors.filesystem {\n  mount-points-exclude = \"^/(dev\"\n}\n");
    Config user = ConfigFactory.parseFile(file.toFile());
    Config block = user.getConfig("microc.collectors.filesystem").withFallback(defaults().raw());

    assertThatThrownBy(() -> Settings.from(new PluginConfig("microc.collectors.filesystem", block)))
        .isInstanceOf(ConfigError.class)
        .hasMessageStartingWith(file + ":2: microc.collectors.filesystem.mount-points-exclude: not a valid regex");
  }

  @Test
  void statvfsAgreesWithTheJdk() throws IOException {
    FileStore store = Files.getFileStore(Path.of("/"));

    FsStats stats = FilesystemCollector.statvfs(Path.of("/"));

    assertThat(stats.size()).isEqualTo((double) store.getTotalSpace());
    assertThat(stats.files()).isPositive();
  }

  @Test
  void theDirectStatvfsReadsTheSameFieldsAsJnasStructure() throws IOException {
    assertThat(Statvfs.available()).as("64-bit Linux").isTrue();
    Path root = Path.of("/");

    FsStats direct = Statvfs.stat(root);
    FsStats structure = FilesystemCollector.statvfsStructure(root);

    // Sizes and inode totals hold still; free space may move between the two calls.
    assertThat(direct.size()).isEqualTo(structure.size()).isPositive();
    assertThat(direct.files()).isEqualTo(structure.files());
    assertThat(direct.avail()).isLessThanOrEqualTo(direct.free()).isCloseTo(structure.avail(),
        org.assertj.core.data.Offset.offset(64.0 * 1024 * 1024));
    assertThat(direct.filesFree()).isCloseTo(structure.filesFree(),
        org.assertj.core.data.Offset.offset(10_000.0));
  }

  @Test
  void statvfsOfAMissingPathFails() {
    assertThatThrownBy(() -> FilesystemCollector.statvfs(Path.of("/no/such/mount/point")))
        .isInstanceOf(IOException.class).hasMessageContaining("errno 2");
  }

  private static String awaitRecovery(FilesystemCollector collector) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String text;
    do {
      Thread.sleep(20);
      text = Exposition.text(collector.collect());
    } while (text.contains("node_filesystem_device_error{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/mnt/nfs\"} 1.0")
        && System.nanoTime() < deadline);
    return text;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
