package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DmiCollectorTest {

  private static final Path DMI = Path.of("src/test/parity/dmi/sys/class/dmi/id");

  @Test
  void theTreeRendersAsNodeExporterDoes() throws IOException {
    assertThat(Exposition.text(new DmiCollector(DmiCollector.read(DMI), "none").collect())).isEqualTo("""
        # HELP node_dmi_info A metric with a constant '1' value labeled by bios_date, bios_release, bios_vendor, bios_version, board_asset_tag, board_name, board_serial, board_vendor, board_version, chassis_asset_tag, chassis_serial, chassis_vendor, chassis_version, product_family, product_name, product_serial, product_sku, product_uuid, product_version, system_vendor if provided by DMI.
        # TYPE node_dmi_info gauge
        node_dmi_info{bios_date="04/01/2014",bios_release="0.0",bios_vendor="SeaBIOS",bios_version="1.16.2-debian-1.16.2-1",board_asset_tag="Default string",board_name="",board_vendor="ASUSTeK COMPUTER INC.",board_version="Rev 1.xx",chassis_asset_tag="",chassis_vendor="QEMU",chassis_version="pc-q35-7.2",product_family="To be filled by O.E.M.",product_name="Standard PC (Q35 + ICH9, 2009)",product_serial="VMware-56 4d 1a 2b",product_uuid="1b3f7c2e-5d6a-4c8b-9e0f-112233445566",product_version="1.0\uFFFD beta",system_vendor="QEMU"} 1
        """);
  }

  @Test
  void noDmiDirectoryIsNoData(@TempDir Path dir) throws IOException {
    Map<String, String> labels = DmiCollector.read(dir.resolve("class/dmi/id"));

    assertThat(labels).isEmpty();
    assertThatThrownBy(() -> new DmiCollector(labels, "no DMI information under x").collect())
        .isInstanceOf(NoDataException.class).hasMessage("no DMI information under x");
  }

  @Test
  void aValueIsCutAt128BytesAndARunOfBadBytesIsOneReplacement(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("product_name"), ("ü".repeat(63) + "ü\n").getBytes(StandardCharsets.UTF_8));
    byte[] cut = ("x".repeat(127) + "ü").getBytes(StandardCharsets.UTF_8); // 129 bytes: ü is cut in half
    Files.write(dir.resolve("board_name"), cut);

    Map<String, String> labels = DmiCollector.read(dir);

    assertThat(labels.get("product_name")).isEqualTo("ü".repeat(64));
    assertThat(labels.get("board_name")).isEqualTo("x".repeat(127) + "\uFFFD");
    assertThat(Sysfs.toValidUtf8(new byte[] {'a', (byte) 0xff, (byte) 0xfe, 'b', (byte) 0xc3, 'c'}))
        .isEqualTo("a\uFFFDb\uFFFDc");
    assertThat(Sysfs.toValidUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).isEqualTo("\uFFFD");
    assertThat(Sysfs.toValidUtf8("€ ok".getBytes(StandardCharsets.UTF_8))).isEqualTo("€ ok");
  }
}
