package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PowerSupplyClassCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  private static PowerSupplyClassCollector collector(String tree, String ignored) {
    return new PowerSupplyClassCollector(PARITY.resolve(tree).resolve("sys/class/power_supply"),
        Pattern.compile(ignored));
  }

  @Test
  void aBatteryRendersInUnitsAsNodeExporterDoes() {
    try (PowerSupplyClassCollector collector = collector("powersupplyclass", "^(AC|ucsi|hidpp)")) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_power_supply_info info of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_info gauge
          node_power_supply_info{capacity_level="Normal",charge_type="Standard",health="Good",manufacturer="SMP",model_name="5B10W13930",power_supply="BAT0",status="Discharging",technology="Li-poly",type="Battery"} 1
          # HELP node_power_supply_capacity capacity value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_capacity gauge
          node_power_supply_capacity{power_supply="BAT0"} 87.0
          # HELP node_power_supply_cyclecount cyclecount value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_cyclecount gauge
          node_power_supply_cyclecount{power_supply="BAT0"} 123.0
          # HELP node_power_supply_energy_full energy_full value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_energy_full gauge
          node_power_supply_energy_full{power_supply="BAT0"} 48.4
          # HELP node_power_supply_energy_full_design energy_full_design value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_energy_full_design gauge
          node_power_supply_energy_full_design{power_supply="BAT0"} 57.02
          # HELP node_power_supply_energy_watthour energy_watthour value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_energy_watthour gauge
          node_power_supply_energy_watthour{power_supply="BAT0"} 41.94
          # HELP node_power_supply_power_watt power_watt value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_power_watt gauge
          node_power_supply_power_watt{power_supply="BAT0"} 8.52
          # HELP node_power_supply_present present value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_present gauge
          node_power_supply_present{power_supply="BAT0"} 1.0
          # HELP node_power_supply_temp_celsius temp_celsius value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_temp_celsius gauge
          node_power_supply_temp_celsius{power_supply="BAT0"} 28.3
          # HELP node_power_supply_time_to_empty_seconds time_to_empty_seconds value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_time_to_empty_seconds gauge
          node_power_supply_time_to_empty_seconds{power_supply="BAT0"} 17640.0
          # HELP node_power_supply_voltage_min_design voltage_min_design value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_voltage_min_design gauge
          node_power_supply_voltage_min_design{power_supply="BAT0"} 11.58
          # HELP node_power_supply_voltage_volt voltage_volt value of /sys/class/power_supply/<power_supply>.
          # TYPE node_power_supply_voltage_volt gauge
          node_power_supply_voltage_volt{power_supply="BAT0"} 12.4
          """);
    }
  }

  @Test
  void aNumberThatDoesNotParseFailsEvenInAnIgnoredSupply() {
    try (PowerSupplyClassCollector collector = collector("powersupplyclass-bad-value", "^BAT")) {
      assertThatThrownBy(collector::collect).hasMessageContaining("time_to_empty_now").hasMessageContaining("\"abc\"");
    }
  }

  @Test
  void noPowerSupplyClassIsNoData(@TempDir Path dir) {
    try (PowerSupplyClassCollector collector = new PowerSupplyClassCollector(dir.resolve("x"), Pattern.compile("^$"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);
    }
  }
}
