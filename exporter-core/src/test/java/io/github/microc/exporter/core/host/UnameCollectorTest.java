package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

class UnameCollectorTest {

  @Test
  void kernelFilesOfTheCapturedHost() {
    String text = Exposition.text(new UnameCollector(Fixtures.host()).collect());

    assertThat(text).isEqualTo("""
        # HELP node_uname_info Labeled system information as provided by the uname system call.
        # TYPE node_uname_info gauge
        node_uname_info{domainname="(none)",machine="%s",nodename="vm",release="6.18.44-fc-v669",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC @0"} 1
        """.formatted(UnameCollector.machine(System.getProperty("os.arch"))));
  }

  @Test
  void aNewHostNameShowsOnTheNextScrape(@TempDir Path proc) throws IOException {
    Path kernel = Files.createDirectories(proc.resolve("sys/kernel"));
    Files.writeString(kernel.resolve("ostype"), "Linux\n");
    Files.writeString(kernel.resolve("osrelease"), "6.1.0\n");
    Files.writeString(kernel.resolve("version"), "#1 SMP\n");
    Files.writeString(kernel.resolve("hostname"), "before\n");
    Files.writeString(kernel.resolve("domainname"), "(none)\n");
    try (UnameCollector collector = new UnameCollector(new HostPaths(proc, proc, proc))) {
      assertThat(Exposition.text(collector.collect())).contains("nodename=\"before\"", "release=\"6.1.0\"");

      // hostname(1) writes the file in place, as sethostname(2) changes what it reads.
      try (var out = Files.newOutputStream(kernel.resolve("hostname"), StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write("after\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(Exposition.text(collector.collect())).contains("nodename=\"after\"", "release=\"6.1.0\"");
    }
  }

  @Test
  void javaArchitecturesAreNamedAsUnameDashM() {
    assertThat(UnameCollector.machine("amd64")).isEqualTo("x86_64");
    assertThat(UnameCollector.machine("aarch64")).isEqualTo("aarch64");
    assertThat(UnameCollector.machine("x86")).isEqualTo("i686");
    assertThat(UnameCollector.machine("ppc64le")).isEqualTo("ppc64le");
  }

  @Test
  void oshiFallbackHasEveryLabel() {
    String text = Exposition.text(new UnameCollector(new SystemInfo()).collect());

    assertThat(text).contains("node_uname_info{domainname=").contains(",sysname=\"" + System.getProperty("os.name") + "\"");
  }
}
