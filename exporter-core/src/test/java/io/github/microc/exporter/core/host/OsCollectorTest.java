package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

class OsCollectorTest {

  @Test
  void capturedOsRelease() {
    String text = Exposition.text(new OsCollector(Fixtures.host(), null).collect());

    assertThat(text).isEqualTo("""
        # HELP node_os_info A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.
        # TYPE node_os_info gauge
        node_os_info{build_id="",id="debian",id_like="",image_id="",image_version="",name="Debian GNU/Linux",pretty_name="Debian GNU/Linux 12 (bookworm)",variant="",variant_id="",version="12 (bookworm)",version_codename="bookworm",version_id="12"} 1
        # HELP node_os_version Metric containing the major.minor part of the OS version.
        # TYPE node_os_version gauge
        node_os_version{id="debian",id_like="",name="Debian GNU/Linux"} 12.0
        """);
  }

  @Test
  void quotesEscapesAndCommentsAreShellLike() {
    Map<String, String> release = OsCollector.parseOsRelease(Fixtures.text("nasty/os-release"));

    assertThat(release)
        .containsEntry("NAME", "Ubuntu")
        .containsEntry("PRETTY_NAME", "Ubuntu 22.04.3 LTS")
        .containsEntry("VARIANT", "Say \"hi\" $HOME \\n")
        .containsEntry("BUILD_ID", "2024")
        .doesNotContainKeys("UNCLOSED", "broken");
  }

  @Test
  void versionIsTheLeadingMajorMinor() {
    assertThat(OsCollector.parseVersion("22.04")).isEqualTo(22.04);
    assertThat(OsCollector.parseVersion("9.3.2009")).isEqualTo(9.3);
    assertThat(OsCollector.parseVersion("rolling")).isZero();
  }

  @Test
  void usrLibIsTheFallbackAndRollingReleasesHaveNoVersion(@TempDir Path rootfs) throws IOException {
    Files.createDirectories(rootfs.resolve("usr/lib"));
    Files.writeString(rootfs.resolve("usr/lib/os-release"), "NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n");

    String text = Exposition.text(new OsCollector(new HostPaths(rootfs, rootfs, rootfs), null).collect());

    assertThat(text).contains("id=\"arch\"").contains("build_id=\"rolling\"").doesNotContain("node_os_version");
  }

  @Test
  void parsedAgainOnlyWhenTheFileChanges(@TempDir Path rootfs) throws IOException {
    Path file = Files.createDirectories(rootfs.resolve("etc")).resolve("os-release");
    Files.writeString(file, "ID=debian\nVERSION_ID=12\n");
    OsCollector collector = new OsCollector(new HostPaths(rootfs, rootfs, rootfs), null);
    assertThat(Exposition.text(collector.collect())).contains("id=\"debian\"");

    // Other content with the same modification time, as node_exporter: the parsed file is kept.
    var modified = Files.getLastModifiedTime(file);
    Files.writeString(file, "ID=ubuntu\nVERSION_ID=22.04\n");
    Files.setLastModifiedTime(file, modified);
    assertThat(Exposition.text(collector.collect())).contains("id=\"debian\"");

    // An upgrade rewrites it: read again.
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(modified.toMillis() + 1000));
    assertThat(Exposition.text(collector.collect())).contains("id=\"ubuntu\"").contains("} 22.04");
  }

  @Test
  void noOsReleaseIsAnError(@TempDir Path rootfs) {
    assertThatThrownBy(() -> new OsCollector(new HostPaths(rootfs, rootfs, rootfs), null).collect())
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("no os-release file");
  }

  @Test
  void withoutOsReleaseOshiNamesTheSystem(@TempDir Path rootfs) {
    var os = new SystemInfo().getOperatingSystem();

    String text = Exposition.text(new OsCollector(new HostPaths(rootfs, rootfs, rootfs), os).collect());

    assertThat(text).contains("name=\"" + os.getFamily() + "\"")
        .contains("version_id=\"" + os.getVersionInfo().getVersion() + "\"");
  }
}
