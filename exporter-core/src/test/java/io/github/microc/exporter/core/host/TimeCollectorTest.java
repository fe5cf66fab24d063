package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Exposition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TimeCollectorTest {

  @Test
  void clockZoneAndCapturedClocksources() {
    Clock clock = Clock.fixed(Instant.parse("2024-07-01T12:00:00.25Z"), ZoneId.of("Europe/Berlin"));

    String text = Exposition.text(new TimeCollector(clock,
        Fixtures.host().sys("devices", "system", "clocksource")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_time_clocksource_available_info Available clocksources read from '/sys/devices/system/clocksource'.
        # TYPE node_time_clocksource_available_info gauge
        node_time_clocksource_available_info{clocksource="kvm-clock",device="0"} 1
        node_time_clocksource_available_info{clocksource="tsc",device="0"} 1
        # HELP node_time_clocksource_current_info Current clocksource read from '/sys/devices/system/clocksource'.
        # TYPE node_time_clocksource_current_info gauge
        node_time_clocksource_current_info{clocksource="tsc",device="0"} 1
        # HELP node_time_seconds System time in seconds since epoch (1970).
        # TYPE node_time_seconds gauge
        node_time_seconds 1.71983520025E9
        # HELP node_time_zone_offset_seconds System time zone offset in seconds.
        # TYPE node_time_zone_offset_seconds gauge
        node_time_zone_offset_seconds{time_zone="CEST"} 7200.0
        """);
  }

  @Test
  void zonesAreAbbreviatedAsGoDoes() {
    assertThat(TimeCollector.zoneAbbreviation(ZoneId.of("Etc/UTC"), false)).isEqualTo("UTC");
    assertThat(TimeCollector.zoneAbbreviation(ZoneId.of("Europe/Berlin"), false)).isEqualTo("CET");
  }

  @Test
  void withoutClocksourcesOnlyTheTime() {
    String text = Exposition.text(new TimeCollector(Clock.systemUTC(), null).collect());

    assertThat(text).contains("node_time_seconds ").doesNotContain("clocksource");
  }
}
