package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;
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
