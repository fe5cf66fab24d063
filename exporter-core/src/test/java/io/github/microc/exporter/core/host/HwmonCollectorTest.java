package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HwmonCollectorTest {

  /** The hand-made tree that node_exporter also reads in FixtureParityIT. */
  private static final Path TREE = Path.of("src/test/parity/hwmon/sys");

  @Test
  void fileNamesSplitIntoTypeSensorAndProperty() {
    assertThat(HwmonCollector.sensorFile("temp1_crit_alarm")).containsExactly("temp", "temp1", "crit_alarm");
    assertThat(HwmonCollector.sensorFile("fan2")).containsExactly("fan", "fan2", "");
    assertThat(HwmonCollector.sensorFile("in007_input")).containsExactly("in", "in7", "input");
    assertThat(HwmonCollector.sensorFile("beep_enable")).containsExactly("beep_enable", "beep_enable0", "");
    assertThat(HwmonCollector.sensorFile("update_interval")).containsExactly("update_interval", "update_interval0", "");
    assertThat(HwmonCollector.sensorFile("power")).containsExactly("power", "power0", "");
    assertThat(HwmonCollector.sensorFile("name")).isNull();
    assertThat(HwmonCollector.sensorFile("uevent")).isNull();
    assertThat(HwmonCollector.sensorFile("temp_crit")).isNull();
    assertThat(HwmonCollector.sensorFile("temp99999999999_input")).isNull();
  }

  @Test
  void namesAreCleanedAsNodeExporterCleansThem() {
    assertThat(HwmonCollector.clean("coretemp\n")).isEqualTo("coretemp");
    assertThat(HwmonCollector.clean("0000:00:18.3")).isEqualTo("0000:00:18_3");
    assertThat(HwmonCollector.clean("  ACPI Thermal / zone ")).isEqualTo("acpi_thermal___zone");
    assertThat(HwmonCollector.clean("\n")).isEmpty();
    assertThat(HwmonCollector.trimNewlines("\n 45000\n\n")).isEqualTo(" 45000");
  }

  @Test
  void aChipIsNamedAfterItsDeviceThenItsNameFileThenItsDirectory() {
    Path hwmon = TREE.resolve("class/hwmon");
    assertThat(HwmonCollector.chipName(hwmon.resolve("hwmon0"), "coretemp\n")).isEqualTo("platform_coretemp_0");
    assertThat(HwmonCollector.chipName(hwmon.resolve("hwmon3"), null)).isEqualTo("pci0000:00_0000:00:18_3");
    assertThat(HwmonCollector.chipName(hwmon.resolve("hwmon4"), null)).isEqualTo("hwmon4");
    assertThat(HwmonCollector.chipName(hwmon.resolve("hwmon4"), "k10temp\n")).isEqualTo("k10temp");
    assertThat(HwmonCollector.chipName(hwmon.resolve("hwmon5"), "\n")).isEqualTo("hwmon5");
  }

  @Test
  void aSensorsValuesBecomeNodeExportersFamiliesAndUnits() {
    Map<String, String> fan = new LinkedHashMap<>();
    fan.put("input", "1200");
    fan.put("min", "300");
    fan.put("alarm", "0");
    fan.put("beep", "1");
    fan.put("pulses", "2");
    fan.put("label", "CPU Fan");
    Map<String, String> temp = new LinkedHashMap<>();
    temp.put("", "41000"); // the sensor's own file: temp_celsius; input then becomes temp_input
    temp.put("input", "42000");
    temp.put("max", " 80000"); // a blank: not a number as Go reads one
    HwmonCollector.Families families = new HwmonCollector.Families();
    HwmonCollector.addSensor(families, "platform_it87_552", "fan1", "fan", fan);
    HwmonCollector.addSensor(families, "platform_it87_552", "temp1", "temp", temp);

    assertThat(Exposition.text(families.snapshots())).isEqualTo("""
        # HELP node_hwmon_fan_alarm Hardware sensor alarm status (fan)
        # TYPE node_hwmon_fan_alarm gauge
        node_hwmon_fan_alarm{chip="platform_it87_552",sensor="fan1"} 0.0
        # HELP node_hwmon_fan_beep_enabled Hardware monitor sensor has beeping enabled
        # TYPE node_hwmon_fan_beep_enabled gauge
        node_hwmon_fan_beep_enabled{chip="platform_it87_552",sensor="fan1"} 1.0
        # HELP node_hwmon_fan_min_rpm Hardware monitor for fan revolutions per minute (min)
        # TYPE node_hwmon_fan_min_rpm gauge
        node_hwmon_fan_min_rpm{chip="platform_it87_552",sensor="fan1"} 300.0
        # HELP node_hwmon_fan_pulses Hardware monitor fan element pulses
        # TYPE node_hwmon_fan_pulses gauge
        node_hwmon_fan_pulses{chip="platform_it87_552",sensor="fan1"} 2.0
        # HELP node_hwmon_fan_rpm Hardware monitor for fan revolutions per minute (input)
        # TYPE node_hwmon_fan_rpm gauge
        node_hwmon_fan_rpm{chip="platform_it87_552",sensor="fan1"} 1200.0
        # HELP node_hwmon_sensor_label Label for given chip and sensor
        # TYPE node_hwmon_sensor_label gauge
        node_hwmon_sensor_label{chip="platform_it87_552",label="CPU Fan",sensor="fan1"} 1.0
        # HELP node_hwmon_temp_celsius Hardware monitor for temperature (input)
        # TYPE node_hwmon_temp_celsius gauge
        node_hwmon_temp_celsius{chip="platform_it87_552",sensor="temp1"} 41.0
        # HELP node_hwmon_temp_input_celsius Hardware monitor for temperature (input)
        # TYPE node_hwmon_temp_input_celsius gauge
        node_hwmon_temp_input_celsius{chip="platform_it87_552",sensor="temp1"} 42.0
        """);
  }

  @Test
  void aDriversFileNamedLikeAReservedSuffixIsLeftOutRatherThanFailingTheScrape() {
    HwmonCollector.Families families = new HwmonCollector.Families();
    HwmonCollector.addSensor(families, "chip", "pwm1", "pwm", Map.of("info", "3", "", "128"));

    assertThat(Exposition.text(families.snapshots())).contains("node_hwmon_pwm{chip=\"chip\",sensor=\"pwm1\"} 128.0")
        .doesNotContain("pwm_info");
  }

  @Test
  void theTreeRendersItsChipsNamesLabelsAndTheDevicesOwnSensor() {
    try (HwmonCollector collector = new HwmonCollector(TREE.resolve("class/hwmon"))) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_hwmon_chip_names{chip=\"platform_coretemp_0\",chip_name=\"coretemp\"} 1.0")
          .contains("node_hwmon_temp_celsius{chip=\"pci0000:00_0000:00:18_3\",sensor=\"temp2\"} 57.25")
          .contains("node_hwmon_temp_crit_alarm_celsius{chip=\"platform_coretemp_0\",sensor=\"temp2\"} 0.001")
          .contains("node_hwmon_sensor_label{chip=\"hwmon4\",label=\"\",sensor=\"temp1\"} 1.0")
          .contains("node_hwmon_energy_joule_total{chip=\"platform_acpi_power_meter_0\",sensor=\"energy1\"} 123456.789012")
          .contains("node_hwmon_cpu_vid_volts{chip=\"platform_nct6775_656\",sensor=\"cpu0\"} 1.1")
          .contains("node_hwmon_temp_celsius{chip=\"platform_nct6775_656\",sensor=\"temp9\"} 45.0")
          .doesNotContain("sensor=\"temp7\"} 45") // " 45000"
          .doesNotContain("sensor=\"temp8\"") // empty
          .doesNotContain("chip_name=\"\"")
          .doesNotContain("README");
    }
  }

  @Test
  void noHwmonDirectoryIsNoData(@TempDir Path dir) {
    try (HwmonCollector collector = new HwmonCollector(dir.resolve("class/hwmon"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);
    }
  }

  @Test
  void aChipThatComesAndGoesIsFoundAndLetGo(@TempDir Path dir) throws IOException {
    Path hwmon = Files.createDirectories(dir.resolve("class/hwmon"));
    try (HwmonCollector collector = new HwmonCollector(hwmon)) {
      assertThat(collector.collect()).isEmpty();

      Path chip = Files.createDirectories(hwmon.resolve("hwmon0"));
      Files.writeString(chip.resolve("name"), "drivetemp\n");
      Files.writeString(chip.resolve("temp1_input"), "36000\n");
      assertThat(Exposition.text(collector.collect()))
          .contains("node_hwmon_temp_celsius{chip=\"drivetemp\",sensor=\"temp1\"} 36.0");

      Files.writeString(chip.resolve("temp1_input"), "37000\n");
      assertThat(Exposition.text(collector.collect()))
          .contains("node_hwmon_temp_celsius{chip=\"drivetemp\",sensor=\"temp1\"} 37.0");

      Files.delete(chip.resolve("temp1_input"));
      Files.delete(chip.resolve("name"));
      Files.delete(chip);
      assertThat(collector.collect()).isEmpty();
    }
  }
}
