package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.NoDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineCollectorTest {

  /** This host, against nproc and MemTotal as the shell reads them. */
  @Test
  void thisMachinesCoresAndMemory() throws Exception {
    Exposition e = Exposition.parse(ContainerCollectorTest.render(new MachineCollector(HostPaths.DEFAULT).collect()));
    long nproc = Long.parseLong(run("nproc", "--all").trim());
    long memTotal = Long.parseLong(run("awk", "/^MemTotal:/ {print $2}", "/proc/meminfo").trim()) * 1024;
    assertThat(e.named("machine_cpu_cores").get(0).value()).isEqualTo(nproc);
    assertThat(e.named("machine_memory_bytes").get(0).value()).isEqualTo(memTotal);
    assertThat(e.named("machine_cpu_sockets").get(0).value()).isBetween(1.0, (double) nproc);
    assertThat(e.named("machine_cpu_physical_cores").get(0).value()).isBetween(1.0, (double) nproc);
    assertThat(e.named("machine_cpu_cores").get(0).labels())
        .containsEntry("boot_id", Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim());
  }

  @Test
  void cpuinfoOfTwoSocketsWithHyperThreads() {
    StringBuilder text = new StringBuilder();
    int n = 0;
    for (int socket = 0; socket < 2; socket++) {
      for (int thread = 0; thread < 2; thread++) {
        for (int core = 0; core < 4; core++) {
          text.append("processor\t: ").append(n++).append("\nphysical id\t: ").append(socket)
              .append("\ncore id\t\t: ").append(core).append("\n\n");
        }
      }
    }
    assertThat(MachineCollector.parseCpuinfo(text.toString())).containsExactly(16, 8, 2);
    assertThat(MachineCollector.parseCpuinfo("processor : 0\nprocessor : 1\n"))
        .as("no topology in cpuinfo (some ARM)").containsExactly(2, 2, 1);
  }

  @Test
  void sysfsTopologyLeavesOfflineCpusOut(@TempDir Path sys) throws Exception {
    for (int cpu = 0; cpu < 4; cpu++) {
      Path dir = Files.createDirectories(sys.resolve("cpu" + cpu));
      if (cpu == 3) {
        continue; // offline: no topology
      }
      Files.createDirectories(dir.resolve("topology"));
      Files.writeString(dir.resolve("topology/core_id"), (cpu / 2) + "\n");
      Files.writeString(dir.resolve("topology/physical_package_id"), "0\n");
    }
    Files.createDirectories(sys.resolve("cpufreq"));
    assertThat(MachineCollector.readTopology(sys)).containsExactly(3, 2, 1);
  }

  @Test
  void withoutMeminfoThereIsNoData(@TempDir Path dir) {
    MachineCollector collector = new MachineCollector(new HostPaths(dir, dir, dir));
    assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }
}
