package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SelinuxCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/selinux");

  private static SelinuxCollector collector(boolean selinuxfs) {
    return new SelinuxCollector(TREE.resolve("sys/fs/selinux"), TREE.resolve("proc/thread-self/attr/current"),
        TREE.resolve("rootfs/etc/selinux/config"), p -> selinuxfs);
  }

  @Test
  void withSelinuxfsTheModesComeFromTheConfigurationAndEnforce() {
    try (SelinuxCollector collector = collector(true)) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_selinux_config_mode Configured SELinux enforcement mode
          # TYPE node_selinux_config_mode gauge
          node_selinux_config_mode 1.0
          # HELP node_selinux_current_mode Current SELinux enforcement mode
          # TYPE node_selinux_current_mode gauge
          node_selinux_current_mode 1.0
          # HELP node_selinux_enabled SELinux is enabled, 1 is true, 0 is false
          # TYPE node_selinux_enabled gauge
          node_selinux_enabled 1.0
          """);
    }
  }

  @Test
  void withoutSelinuxfsOnlyEnabledZero() {
    try (SelinuxCollector collector = collector(false)) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_selinux_enabled SELinux is enabled, 1 is true, 0 is false
          # TYPE node_selinux_enabled gauge
          node_selinux_enabled 0.0
          """);
    }
    // This machine has no SELinux: its /sys/fs/selinux is not a writable selinuxfs.
    assertThat(SelinuxCollector.writableSelinuxfs(Path.of("/sys/fs/selinux"))).isFalse();
    assertThat(SelinuxCollector.writableSelinuxfs(TREE.resolve("sys/fs/selinux"))).isFalse();
  }

  @Test
  void modesAreReadAsGoSelinuxReadsThem() {
    assertThat(SelinuxCollector.configMode("# SELINUX=disabled\n\n  SELINUX=\"permissive\"  \nSELINUX=enforcing\n")).isZero();
    assertThat(SelinuxCollector.configMode("SELINUX = enforcing\n")).isEqualTo(-1);
    assertThat(SelinuxCollector.configMode("SELINUXTYPE=targeted\n")).isEqualTo(-1);
    assertThat(SelinuxCollector.configMode(null)).isEqualTo(-1);
    assertThat(SelinuxCollector.currentMode("0")).isZero();
    assertThat(SelinuxCollector.currentMode("1\n")).isEqualTo(-1);
    assertThat(SelinuxCollector.currentMode(null)).isEqualTo(-1);
  }
}
