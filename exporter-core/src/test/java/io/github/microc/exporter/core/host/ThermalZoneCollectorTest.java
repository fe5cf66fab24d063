package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThermalZoneCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void zonesAndCoolingDevicesRenderAsNodeExporterDoes() {
    try (ThermalZoneCollector collector = new ThermalZoneCollector(PARITY.resolve("thermal_zone/sys/class/thermal"))) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_cooling_device_cur_state Current throttle state of the cooling device
          # TYPE node_cooling_device_cur_state gauge
          node_cooling_device_cur_state{name="0",type="Processor"} 0.0
          node_cooling_device_cur_state{name="1",type="intel_powerclamp"} -1.0
          node_cooling_device_cur_state{name="10",type="TCC Offset"} 0.0
          node_cooling_device_cur_state{name="2",type="Fan"} 1.0
          # HELP node_cooling_device_max_state Maximum throttle state of the cooling device
          # TYPE node_cooling_device_max_state gauge
          node_cooling_device_max_state{name="0",type="Processor"} 10.0
          node_cooling_device_max_state{name="1",type="intel_powerclamp"} 50.0
          node_cooling_device_max_state{name="10",type="TCC Offset"} 63.0
          node_cooling_device_max_state{name="2",type="Fan"} 1.0
          # HELP node_thermal_zone_temp Zone temperature in Celsius
          # TYPE node_thermal_zone_temp gauge
          node_thermal_zone_temp{type="acpitz",zone="1"} -2.0
          node_thermal_zone_temp{type="iwlwifi_1",zone="2"} 38.5
          node_thermal_zone_temp{type="pch_cannonlake",zone="10"} 52.0
          node_thermal_zone_temp{type="x86_pkg_temp",zone="0"} 45.0
          """);
    }
  }

  @Test
  void aBadCoolingDeviceFailsTheCollectionButKeepsTheZones() {
    try (ThermalZoneCollector collector = new ThermalZoneCollector(PARITY.resolve("thermal_zone-bad-cooling/sys/class/thermal"))) {
      assertThatThrownBy(collector::collect).isInstanceOfSatisfying(PartialCollectionException.class, e -> {
        assertThat(e).hasMessageContaining("max_state").hasMessageContaining("\"ten\"");
        assertThat(Exposition.text(e.collected())).contains("node_thermal_zone_temp{type=\"acpitz\",zone=\"0\"} 1.0")
            .doesNotContain("cooling_device");
      });
    }
  }

  @Test
  void aZoneThatCannotBeReadFailsTheCollection() {
    try (ThermalZoneCollector collector = new ThermalZoneCollector(PARITY.resolve("thermal_zone-temp-directory/sys/class/thermal"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(UncheckedIOException.class).hasMessageContaining("temp");
    }
  }

  @Test
  void noThermalDirectoryIsNoZonesAndNoError(@TempDir Path dir) {
    try (ThermalZoneCollector collector = new ThermalZoneCollector(dir.resolve("class/thermal"))) {
      assertThat(collector.collect()).isEmpty();
    }
  }

  @Test
  void aPassiveThatIsNotUnsignedOrATempThatIsNotDecimalFails(@TempDir Path dir) throws IOException {
    Path zone = Files.createDirectories(dir.resolve("thermal_zone0"));
    Files.writeString(zone.resolve("type"), "acpitz\n");
    Files.writeString(zone.resolve("policy"), "step_wise\n");
    Files.writeString(zone.resolve("temp"), "27800\n");
    Files.writeString(zone.resolve("passive"), "-1\n");
    try (ThermalZoneCollector collector = new ThermalZoneCollector(dir)) {
      assertThatThrownBy(collector::collect).hasMessageContaining("passive");

      Files.writeString(zone.resolve("passive"), "0\n");
      assertThat(Exposition.text(collector.collect())).contains("node_thermal_zone_temp{type=\"acpitz\",zone=\"0\"} 27.8");

      Files.writeString(zone.resolve("temp"), "0x10\n");
      assertThatThrownBy(collector::collect).hasMessageContaining("temp");
    }
  }

  @Test
  void decimalsAreReadAsGoReadsThemInBaseTen() {
    assertThat(Sysfs.parseDecimal("+45", false)).isEqualTo(45);
    assertThat(Sysfs.parseDecimal("-2000", false)).isEqualTo(-2000);
    assertThat(Sysfs.parseDecimal("0045", false)).isEqualTo(45);
    assertThat(Sysfs.parseDecimal("18446744073709551615", true)).isEqualTo(-1L);
    for (String bad : new String[] {"", "-", "0x10", "1_000", "١٢", "9223372036854775808", " 1"}) {
      assertThat(Sysfs.parseDecimal(bad, false)).as(bad).isEqualTo(Long.MIN_VALUE);
    }
    assertThat(Sysfs.parseDecimal("+1", true)).isEqualTo(Long.MIN_VALUE);
    assertThat(Sysfs.parseDecimal("-1", true)).isEqualTo(Long.MIN_VALUE);
  }
}
