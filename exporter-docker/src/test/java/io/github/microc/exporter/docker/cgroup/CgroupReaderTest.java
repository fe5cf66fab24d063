package io.github.microc.exporter.docker.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.docker.MetricSet;
import io.github.microc.exporter.docker.cgroup.ContainerStats.BlockIo;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Faults;
import io.github.microc.exporter.docker.cgroup.ContainerStats.NetInterface;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Pressure;
import io.github.microc.exporter.docker.cgroup.ContainerStats.Processes;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class CgroupReaderTest {

  static final String V1_ID = "a0358c2a90805d6d207895370b6545522a2909608ad84eb5b7e776f907b8bd87";
  static final String V2_ID = "1f3c5e7a9b2d4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5f7";
  public static final String V1_FULL_ID = "7600d1fde31b233deca85577413cf651dd1f7eb2d33ee695b8cc5460438ff464";
  static final long U = ContainerStats.UNKNOWN;

  static Set<MetricSet> all() {
    return EnumSet.allOf(MetricSet.class);
  }

  /**
   * A fixture tree; from the source tree, where the symbolic links of {@code <proc>/<pid>/fd}
   * are (copying resources drops them), else from the class path.
   */
  public static Path fixture(String name) {
    Path source = Path.of("src/test/resources/fixtures", name);
    if (Files.isDirectory(source)) {
      return source.toAbsolutePath();
    }
    try {
      return Path.of(CgroupReaderTest.class.getResource("/fixtures/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static HostPaths hostPaths(String fixture) {
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

  /**
   * The second real capture (../fixtures/cgroup-v1-full/README): limits, direct writes, per-CPU
   * usage, three processes, and the root cgroup at the same moment.
   */
  @Nested
  class RealV1FullCapture {
    final CgroupReader reader = new CgroupReader(hostPaths("cgroup-v1-full"));

    ContainerStats read(Set<MetricSet> sets) throws IOException {
      CgroupPaths paths = reader.locate(V1_FULL_ID, 3634).orElseThrow();
      return reader.read(paths, reader.processDirectory(3634), new OpenFiles(), sets, 3634);
    }

    @Test
    void readsPeakMappedKernelAndFaults() throws IOException {
      ContainerStats s = read(all());
      assertThat(s.memoryUsage()).isEqualTo(10_629_120);
      assertThat(s.memoryMaxUsage()).isEqualTo(11_239_424);
      assertThat(s.memoryKernel()).isEqualTo(450_560);
      assertThat(s.memoryMappedFile()).isZero();
      assertThat(s.failures()).isEqualTo(new Faults(1245, 0, 1245, 0));
    }

    @Test
    void perCpuUsageIsTheKernelsPerCpuCounters() throws IOException {
      ContainerStats s = read(all());
      assertThat(s.perCpuNanos()).containsExactly(5_849_177_100L, 4_445_920_246L);
      assertThat(s.cpuUsageNanos()).isEqualTo(10_287_649_749L);
      Set<MetricSet> withoutPerCpu = all();
      withoutPerCpu.remove(MetricSet.PERCPU);
      assertThat(read(withoutPerCpu).perCpuNanos()).isNull();
    }

    @Test
    void directWritesAreCountedAsOperationsAndBytesPerOperation() throws IOException {
      assertThat(read(all()).io()).containsExactly(
          new BlockIo("/dev/vda", 254, 0, 4096, 2_048_000, 2_052_096, 0, 0, 2_052_096, 1, 500));
    }

    @Test
    void processesFilesAndTheOpenFilesLimit() throws IOException {
      ContainerStats s = read(all());
      // cgroup.procs lists 3634, 3667 and 3668, each with stdin, stdout and stderr open.
      assertThat(s.processes()).isEqualTo(new Processes(3, 0, 9, 0, 20_000));
      assertThat(s.pids()).isEqualTo(3);
    }

    @Test
    void aSetThatIsOffReadsNothing() throws IOException {
      ContainerStats s = read(EnumSet.noneOf(MetricSet.class));
      assertThat(s.memoryWorkingSet()).isEqualTo(U);
      assertThat(s.cpuUsageNanos()).isEqualTo(U);
      assertThat(s.io()).isEmpty();
      assertThat(s.network()).isEmpty();
      assertThat(s.processes()).isNull();
      assertThat(s.pids()).as("microc_container_pids has no set").isEqualTo(3);
    }

    @Test
    void theSpecHasTheReservationAndTheSwapLimit() {
      CgroupSpec spec = reader.readSpec(reader.locate(V1_FULL_ID, 3634).orElseThrow());
      assertThat(spec).isEqualTo(new CgroupSpec(64L << 20, 32L << 20, 128L << 20, 1024, 100_000, 50_000));
    }

    @Test
    void theRootCgroupIsEachControllersRoot() throws IOException {
      CgroupPaths root = reader.locateRoot().orElseThrow();
      assertThat(root.root()).isTrue();
      assertThat(root.memory()).endsWith(Path.of("sys/fs/cgroup/memory"));
      assertThat(root.cpuacct()).endsWith(Path.of("sys/fs/cgroup/cpuacct"));
      ContainerStats s = reader.read(root, reader.processDirectory(1), new OpenFiles(), all(), 0);
      assertThat(s.memoryUsage()).isEqualTo(value("sys/fs/cgroup/memory/memory.usage_in_bytes"));
      assertThat(s.cpuUsageNanos()).isEqualTo(value("sys/fs/cgroup/cpuacct/cpuacct.usage"));
      assertThat(s.network()).extracting(NetInterface::name).contains("eth0")
          .noneMatch(n -> n.startsWith("veth") || n.startsWith("docker") || n.equals("lo"));
      // cgroup v1 has no per-cgroup pressure: the root's is the machine's.
      assertThat(s.pressure().cpuSome()).isEqualTo(total("proc/pressure/cpu", "some"));
      assertThat(s.pressure().ioFull()).isEqualTo(total("proc/pressure/io", "full"));
      assertThat(s.processes()).as("cAdvisor's root processes are not counted").isNull();
      assertThat(reader.readSpec(root).memoryLimit()).as("unlimited").isZero();
      assertThat(reader.bootTime()).isEqualTo(java.time.Instant.ofEpochSecond(1_796_309_527L));
    }

    private long value(String file) throws IOException {
      return Long.parseLong(Files.readString(fixture("cgroup-v1-full").resolve(file)).trim());
    }

    private long total(String file, String line) throws IOException {
      String text = Files.readString(fixture("cgroup-v1-full").resolve(file));
      String l = text.lines().filter(x -> x.startsWith(line)).findFirst().orElseThrow();
      return Long.parseLong(l.substring(l.indexOf("total=") + 6).trim());
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

    @Test
    void pressureFaultsPeakAndKernelMemory() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      ContainerStats s = reader.read(reader.locate(V2_ID, 4242).orElseThrow(), 4242);
      assertThat(s.pressure()).isEqualTo(new Pressure(2_500_000, 1_250_000, 340_000, 120_000, 75_000, 50_000));
      assertThat(s.memoryMaxUsage()).isEqualTo(62_914_560);
      assertThat(s.memoryMappedFile()).isEqualTo(4_194_304);
      assertThat(s.memoryKernel()).isEqualTo(1_048_576);
      assertThat(s.failures()).as("v2 has one count for both scopes").isEqualTo(new Faults(12_000, 3, 12_000, 3));
      assertThat(s.perCpuNanos()).as("no per-CPU file on v2").isNull();
    }

    @Test
    void processesAndTheirSockets() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      ContainerStats s = reader.read(reader.locate(V2_ID, 4242).orElseThrow(),
          reader.processDirectory(4242), new OpenFiles(), all(), 4242);
      assertThat(s.processes()).isEqualTo(new Processes(2, 4915, 8, 3, 1_048_576));
    }

    @Test
    void specOfV2() {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      assertThat(reader.readSpec(reader.locate(V2_ID, 4242).orElseThrow()))
          .isEqualTo(new CgroupSpec(64L << 20, 0, 0, U, U, U));
    }

    @Test
    void theRootCgroupsMemoryIsTheMachines() throws IOException {
      CgroupReader reader = new CgroupReader(hostPaths("cgroup-v2-cgroupfs"));
      CgroupPaths root = reader.locateRoot().orElseThrow();
      assertThat(root).isEqualTo(CgroupPaths.unified(fixture("cgroup-v2-cgroupfs").resolve("sys/fs/cgroup")).asRoot());
      ContainerStats s = reader.read(root, reader.processDirectory(1), new OpenFiles(), all(), 0);
      assertThat(s.memoryUsage()).as("MemTotal - MemFree").isEqualTo(5_000_000L * 1024);
      assertThat(s.memoryWorkingSet()).isEqualTo(5_000_000L * 1024 - 1_073_741_824);
      assertThat(s.memorySwap()).as("SwapTotal - SwapFree").isEqualTo(500_000L * 1024);
      assertThat(s.cpuUsageNanos()).isEqualTo(900_000_000_000L);
      assertThat(s.io()).containsExactly(new BlockIo("/dev/sda", 8, 0, 104_857_600, 209_715_200, U, U, U, U, 10_000, 20_000));
      assertThat(s.network()).extracting(NetInterface::name).containsExactly("eth0", "br-0123456789ab");
      assertThat(s.pressure()).isEqualTo(new Pressure(9_000_000, 1_000_000, 800_000, 400_000, 700_000, 600_000));
      assertThat(reader.readSpec(root)).isEqualTo(CgroupSpec.NONE);
      assertThat(reader.bootTime()).isEqualTo(java.time.Instant.ofEpochSecond(1_795_290_000L));
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
      long u = ContainerStats.UNKNOWN;
      assertThat(s.io()).containsExactly(
          new BlockIo("/dev/sda", 8, 0, 1_048_576, 4_194_304, u, u, u, u, 40, 100),
          new BlockIo("/dev/dm-1", 253, 1, 4096, 0, u, u, u, u, 1, 0));
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
    void blkioV1KeepsEveryOperationPerDevice() {
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
      String ops = """
          8:0 Read 1
          8:0 Write 2
          8:0 Sync 3
          8:0 Async 0
          8:0 Discard 0
          8:0 Total 3
          Total 3
          """;
      long u = ContainerStats.UNKNOWN;
      assertThat(CgroupReader.parseBlkioV1(text, ops)).containsExactly(
          new BlockIo("8:0", 8, 0, 4096, 8192, 12288, 0, 0, 12288, 1, 2),
          new BlockIo("8:16", 8, 16, 1, 2, 0, 0, 0, 0, u, u));
      assertThat(CgroupReader.parseBlkioV1("Total 0\n", null)).isEmpty();
      assertThat(CgroupReader.hasDevice("Total 0\n")).isFalse();
      assertThat(CgroupReader.hasDevice(text)).isTrue();
    }

    @Test
    void pressureTotalsOfSomeAndFull() {
      assertThat(CgroupReader.parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n"
          + "full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n")).containsExactly(12, 5);
      assertThat(CgroupReader.parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=12\n"))
          .as("cpu.pressure before Linux 5.13 has no full line").containsExactly(12, U);
      assertThat(CgroupReader.parsePressure(null)).isNull();
    }

    @Test
    void perCpuNumbers() {
      assertThat(CgroupReader.parseNumbers("5849177100 4445920246 \n")).containsExactly(5_849_177_100L, 4_445_920_246L);
      assertThat(CgroupReader.parseNumbers("1 2 3 4 5 6 7 8 9 10\n")).hasSize(10);
      assertThat(CgroupReader.parseNumbers("\n")).isEmpty();
    }

    @Test
    void openFilesSoftLimit() {
      assertThat(CgroupReader.parseOpenFilesSoftLimit(
          "Max processes             unlimited            unlimited            processes\n"
              + "Max open files            1024                 524288               files     \n"))
          .isEqualTo(1024);
      assertThat(CgroupReader.parseOpenFilesSoftLimit(
          "Max open files            unlimited            unlimited            files\n")).isEqualTo(-1);
      assertThat(CgroupReader.parseOpenFilesSoftLimit("Max processes  1  1\n")).isEqualTo(U);
    }

    @Test
    void ioStatWithoutOperationsCounts() {
      assertThat(CgroupReader.parseIoStatV2("8:16 rbytes=10 wbytes=20\n253:2\n"))
          .containsExactly(new BlockIo("8:16", 8, 16, 10, 20, U, U, U, U, 0, 0),
              new BlockIo("253:2", 253, 2, 0, 0, U, U, U, U, 0, 0));
    }

    @Test
    void flatKeyedSkipsWhatIsNotANumber() {
      assertThat(CgroupReader.parseKeyed("a 1\nb x\nc 3\n\n", List.of("a", "b", "c", "d")))
          .containsExactly(1, U, 3, U);
      assertThat(CgroupReader.parseKeyed(null, List.of("a"))).containsExactly(U);
    }

    @Test
    void numbersAreParsedInPlaceAsLongParsesThem() {
      assertThat(CgroupReader.parseKeyed("a 1\nb  42 \nc -7\nd 9223372036854771712\n"
          + "e 18446744073709551615\nf 12x\ng \nh 000123\r\n", List.of("a", "b", "c", "d", "e", "f", "g", "h")))
          .containsExactly(1, 42, -7, 9223372036854771712L, U, U, U, 123);
      assertThat(CgroupReader.parseKeyed("total_rss 5\nrss 6\nother 7\n", List.of("rss", "total_rss")))
          .containsExactly(6, 5);
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
  }

  /**
   * A cgroup v1 host under {@code root} whose root cgroup has {@code rootBlkio} as its
   * {@code blkio.throttle.io_service_bytes_recursive} and whose disks did {@link #DISKSTATS}'s
   * I/O (vda and cciss/c0d0 some, loop0 none).
   */
  public static HostPaths blkioHost(Path root, String rootBlkio) throws IOException {
    write(root, "proc/1/cgroup", "7:blkio:/init.scope\n4:memory:/init.scope\n0::/init.scope\n");
    write(root, "proc/diskstats", DISKSTATS);
    write(root, "sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes_recursive", rootBlkio);
    Files.createDirectories(root.resolve("sys/fs/cgroup/memory"));
    for (String disk : List.of("vda", "loop0", "cciss!c0d0")) {
      Files.createDirectories(root.resolve("sys/block").resolve(disk));
    }
    return new HostPaths(root.resolve("proc"), root.resolve("sys"), root);
  }

  /** As the kernel gives it before any throttle rule: no device, nothing counted. */
  public static final String UNCOUNTED = "Total 0\n";

  private static final String DISKSTATS = """
       254       0 vda 9164 3210 745862 4120 51880 40011 2201624 63532 0 40816 67652 0 0 0 0 0 0
       254       1 vda1 9000 3210 740000 4100 51880 40011 2201624 63532 0 40800 67600 0 0 0 0 0 0
         7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
       104       0 cciss/c0d0 0 0 0 0 12 0 96 4 0 4 4 0 0 0 0 0 0
      """;

  private static void write(Path root, String file, String text) throws IOException {
    Files.createDirectories(root.resolve(file).getParent());
    Files.writeString(root.resolve(file), text);
  }

  /**
   * A freshly booted cgroup v1 host as the kernel shows it before any throttle rule: the
   * root's blkio.throttle files say {@code Total 0} while the disks did I/O.
   */
  @Nested
  class UncountedBlockIo {

    @TempDir
    Path root;

    @Test
    void disksThatDidIoAreNamedWhileTheRootCgroupListsNoDevice() throws IOException {
      CgroupReader reader = new CgroupReader(blkioHost(root, UNCOUNTED));
      assertThat(reader.uncountedDisks()).containsExactly(
          new CgroupReader.Disk("vda", "254:0"), new CgroupReader.Disk("cciss/c0d0", "104:0"));
      assertThat(reader.uncountedDisks().get(0)).hasToString("vda (254:0)");
    }

    @Test
    void nothingWhenTheRootCgroupCountsADevice() throws IOException {
      CgroupReader reader = new CgroupReader(blkioHost(root,
          "254:0 Read 381881344\n254:0 Write 1127231488\n254:0 Total 1509112832\nTotal 1509112832\n"));
      assertThat(reader.uncountedDisks()).isEmpty();
    }

    @Test
    void nothingWhenNoDiskDidIoOrTheFilesAreMissing() throws IOException {
      HostPaths host = blkioHost(root, UNCOUNTED);
      write(root, "proc/diskstats", "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n");
      assertThat(new CgroupReader(host).uncountedDisks()).isEmpty();
      Files.delete(root.resolve("proc/diskstats"));
      assertThat(new CgroupReader(host).uncountedDisks()).isEmpty();
    }

    @Test
    void nothingOnCgroupV2() throws IOException {
      HostPaths host = blkioHost(root, UNCOUNTED);
      write(root, "sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
      assertThat(new CgroupReader(host).uncountedDisks()).isEmpty();
    }
  }
}
