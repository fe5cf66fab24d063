package io.github.microc.exporter.docker.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupReaderTest {

  static final String V1_ID = "a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87";
  static final String V2_ID = "1f3c5e7a9b2d4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5f7";

  static Path fixture(String name) {
    try {
      return Path.of(CgroupReaderTest.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static HostPaths hostPaths(String fixture) {
    Path root = fixture(fixture);
    return new HostPaths(root.resolve("proc"), root.resolve("sys"), root);
  }

  /** The capture of a real container on cgroup v1 (cgroupfs, cpu and cpuacct apart). */
  @Nested
  class RealV1Capture {
    final CgroupReader reader = new CgroupReader(hostPaths("cgroup-v1"));

    @Test
    void locatesEachControllerFromProcPidCgroup() {
      CgroupPaths paths = reader.locate(V1_ID, 7750).orElseThrow();
      assertThat(reader.unified()).isFalse();
      assertThat(paths.version()).isEqualTo(1);
      assertThat(paths.memory()).endsWith(Path.of("sys/fs/cgroup/memory/docker", V1_ID));
      assertThat(paths.cpuacct()).endsWith(Path.of("sys/fs/cgroup/cpuacct/docker", V1_ID));
      assertThat(paths.cpu()).endsWith(Path.of("sys/fs/cgroup/cpu/docker", V1_ID));
    }

    @Test
    void readsCpuMemoryPidsAndNetwork() throws IOException {
      ContainerStats s = reader.read(reader.locate(V1_ID, 7750).orElseThrow(), 7750);
      assertThat(s.cpuUsageNanos()).isEqualTo(59_492_108_810L);
      assertThat(s.cpuUserNanos()).isEqualTo(2420L * 10_000_000L);
      assertThat(s.cpuSystemNanos()).isEqualTo(3528L * 10_000_000L);
      assertThat(s.cfsPeriods()).isEqualTo(1274);
      assertThat(s.cfsThrottledPeriods()).isEqualTo(992);
      assertThat(s.cfsThrottledNanos()).isEqualTo(40_796_332_182L);
      assertThat(s.memoryUsage()).isEqualTo(8_142_848);
      assertThat(s.memoryWorkingSet()).isEqualTo(8_142_848); // total_inactive_file 0
      assertThat(s.memoryRss()).isEqualTo(57_344);
      assertThat(s.memoryCache()).isEqualTo(7_340_032);
      assertThat(s.memorySwap()).isZero();
      assertThat(s.memoryFailcnt()).isZero();
      assertThat(s.memoryLimit()).as("from inspect, not read").isEqualTo(ContainerStats.UNKNOWN);
      assertThat(s.oomKills()).as("from the events stream, not read").isEqualTo(ContainerStats.UNKNOWN);
      assertThat(s.pids()).isEqualTo(1);
      assertThat(s.io()).isEmpty(); // "Total 0": no device did I/O
      assertThat(s.network()).containsExactly(new NetInterface("eth0", 1016, 12, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void aPidOfAnotherContainerOrProcessIsNotTaken() {
      assertThat(reader.locate(V2_ID, 7750)).isEmpty();
      assertThat(reader.locate(V1_ID, 999_999)).isEmpty();
      assertThat(reader.locate(V1_ID, 0)).isEmpty();
    }
  }

  @Nested
  class HandWrittenV2 {

    @Test
    void cgroupfsDriver() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      assertThat(reader.unified()).isTrue();
      CgroupPaths paths = reader.locate(V2_ID, 4242).orElseThrow();
      assertThat(paths.version()).isEqualTo(2);
      assertThat(paths.memory()).endsWith(Path.of("sys/fs/cgroup/docker", V2_ID));
      assertV2Counters(reader.read(paths, 4242));
    }

    @Test
    void systemdDriver() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-systemd"));
      CgroupPaths paths = reader.locate(V2_ID, 4343).orElseThrow();
      assertThat(paths.memory()).endsWith(Path.of("sys/fs/cgroup/system.slice", "docker-" + V2_ID + ".scope"));
      assertV2Counters(reader.read(paths, 4343));
    }

    @Test
    void hostNetworkContainersHaveNoNetworkCounters() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      ContainerStats s = reader.read(reader.locate(V2_ID, 4242).orElseThrow(), 0);
      assertThat(s.network()).isEmpty();
    }

    private void assertV2Counters(ContainerStats s) {
      assertThat(s.cpuUsageNanos()).isEqualTo(5_123_456_000L);
      assertThat(s.cpuUserNanos()).isEqualTo(4_000_000_000L);
      assertThat(s.cpuSystemNanos()).isEqualTo(1_123_456_000L);
      assertThat(s.cfsPeriods()).isEqualTo(1200);
      assertThat(s.cfsThrottledPeriods()).isEqualTo(350);
      assertThat(s.cfsThrottledNanos()).isEqualTo(17_500_000_000L);
      assertThat(s.memoryUsage()).isEqualTo(52_428_800);
      assertThat(s.memoryWorkingSet()).isEqualTo(52_428_800 - 12_582_912);
      assertThat(s.memoryRss()).isEqualTo(31_457_280);
      assertThat(s.memoryCache()).isEqualTo(18_874_368);
      assertThat(s.memorySwap()).isEqualTo(1_048_576);
      assertThat(s.memoryFailcnt()).isEqualTo(7);
      assertThat(s.oomKills()).isEqualTo(1);
      assertThat(s.pids()).isEqualTo(5);
      assertThat(s.io()).containsExactly(new BlockIo("sda", 1_048_576, 4_194_304),
          new BlockIo("dm-1", 4096, 0));
      assertThat(s.network()).containsExactly(
          new NetInterface("eth0", 1_234_567, 4321, 1, 2, 765_432, 3210, 3, 4));
    }
  }

  @Nested
  class ProcPidCgroup {

    @Test
    void jointCpuCpuacctMountAndSystemdDriverOnV1(@TempDir Path root) throws IOException {
      Path cgroup = root.resolve("fs/cgroup");
      Files.createDirectories(cgroup.resolve("cpu,cpuacct"));
      Files.createDirectories(cgroup.resolve("memory"));
      String text = """
          12:pids:/system.slice/docker-abc.scope
          4:memory:/system.slice/docker-abc.scope
          3:cpu,cpuacct:/system.slice/docker-abc.scope
          1:name=systemd:/system.slice/docker-abc.scope
          0::/system.slice/docker-abc.scope
          """;
      CgroupPaths p = CgroupReader.parseProcCgroup(text, cgroup, false);
      assertThat(p.version()).isEqualTo(1);
      assertThat(p.cpu()).isEqualTo(cgroup.resolve("cpu,cpuacct/system.slice/docker-abc.scope"));
      assertThat(p.cpuacct()).isEqualTo(p.cpu());
      assertThat(p.memory()).isEqualTo(cgroup.resolve("memory/system.slice/docker-abc.scope"));
      assertThat(p.pids()).isEqualTo(cgroup.resolve("pids/system.slice/docker-abc.scope"));
      assertThat(p.blkio()).isNull();
    }

    @Test
    void aPathOutsideOurCgroupNamespaceIsNotGuessed() {
      assertThat(CgroupReader.parseProcCgroup("0::/../../docker/abc\n", Path.of("/sys/fs/cgroup"), true))
          .isNull();
    }

    @Test
    void unifiedUsesTheEmptyControllerLine() {
      CgroupPaths p = CgroupReader.parseProcCgroup("0::/docker/abc\n", Path.of("/s/fs/cgroup"), true);
      assertThat(p).isEqualTo(CgroupPaths.unified(Path.of("/s/fs/cgroup/docker/abc")));
    }
  }

  @Nested
  class Parsers {

    @Test
    void blkioV1SumsReadsAndWritesPerDevice() {
      String text = """
          8:0 Read 4096
          8:0 Write 8192
          8:0 Sync 12288
          8:0 Async 0
          8:0 Discard 0
          8:0 Total 12288
          8:16 Read 1
          8:16 Write 2
          Total 12291
          """;
      assertThat(CgroupReader.parseBlkioV1(text))
          .containsExactly(new BlockIo("8:0", 4096, 8192), new BlockIo("8:16", 1, 2));
    }

    @Test
    void flatKeyedSkipsWhatIsNotANumber() {
      assertThat(CgroupReader.parseFlatKeyed("a 1\nb x\nc 3\n\n"))
          .containsEntry("a", 1L).containsEntry("c", 3L).doesNotContainKey("b");
    }

    @Test
    void numbersAreParsedInPlaceAsLongParsesThem() {
      assertThat(CgroupReader.parseFlatKeyed("a 1\nb  42 \nc -7\nd 9223372036854771712\n"
          + "e 18446744073709551615\nf 12x\ng \nh 000123\r\n"))
          .containsExactlyInAnyOrderEntriesOf(Map.of("a", 1L, "b", 42L, "c", -7L,
              "d", 9223372036854771712L, "h", 123L));
      assertThat(CgroupReader.parseFlatKeyed("total_rss 5\nrss 6\nother 7\n", List.of("rss", "total_rss")))
          .containsExactlyInAnyOrderEntriesOf(Map.of("rss", 6L, "total_rss", 5L));
    }

    @Test
    void netDevOfThisMachineAsASplitOnWhitespaceReadsIt() throws IOException {
      String text = Files.readString(Path.of("/proc/self/net/dev"));
      List<NetInterface> expected = new ArrayList<>();
      for (String line : text.split("\n")) {
        int colon = line.indexOf(':');
        String name = colon < 0 ? "" : line.substring(0, colon).trim();
        if (name.isEmpty() || name.equals("lo")) {
          continue;
        }
        long[] f = Arrays.stream(line.substring(colon + 1).trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
        expected.add(new NetInterface(name, f[0], f[1], f[2], f[3], f[8], f[9], f[10], f[11]));
      }
      assertThat(CgroupReader.parseNetDev(text)).isEqualTo(expected);
    }

    @Test
    void netDevSkipsLoopbackAndShortLines() {
      String text = """
          Inter-|   Receive                                                |  Transmit
           face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
              lo:     1       1    0    0    0     0          0         0        1       1    0    0    0     0       0          0
            eth1:10 20 1 2 0 0 0 0 30 40 3 4 0 0 0 0
            bad: 1 2 3
          """;
      assertThat(CgroupReader.parseNetDev(text))
          .containsExactly(new NetInterface("eth1", 10, 20, 1, 2, 30, 40, 3, 4));
    }
  }

  @Test
  void aGoneCgroupIsAnError(@TempDir Path root) {
    CgroupReader reader = new CgroupReader(new HostPaths(root.resolve("proc"), root.resolve("sys"), root));
    CgroupPaths gone = new CgroupPaths(1, null, null, root.resolve("memory/docker/x"), null, null);
    assertThatThrownBy(() -> reader.read(gone, 0)).isInstanceOf(NoSuchFileException.class);
    assertThat(List.of()).isEmpty();
  }
}
