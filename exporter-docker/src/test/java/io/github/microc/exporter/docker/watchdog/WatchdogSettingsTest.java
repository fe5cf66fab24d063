package io.github.microc.exporter.docker.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The watchdog's block in reference.conf, and what a user may put in it. */
class WatchdogSettingsTest {

  static WatchdogSettings read(String userConfig) {
    var reference = ConfigFactory.parseResources(Watchdog.class.getClassLoader(), "reference.conf")
        .getConfig("microc.collectors.watchdog");
    var user = ConfigFactory.parseString(userConfig);
    return WatchdogSettings.from(new PluginConfig("microc.collectors.watchdog",
        user.withFallback(reference).resolve()));
  }

  @Test
  void defaultsAreSafe() {
    WatchdogSettings s = read("");

    assertThat(s.containers()).isEmpty();
    assertThat(s.label()).isEqualTo("microc.watchdog");
    assertThat(s.dryRun()).isFalse();
    assertThat(s.restartOnExitCode()).isTrue();
    assertThat(s.restartOnOom()).isTrue();
    assertThat(s.restartOnUnhealthy()).isTrue();
    assertThat(s.initialBackoff()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.maxBackoff()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.maxRestarts()).isEqualTo(5);
    assertThat(s.window()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.intentWindow()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.sweepInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(new Watchdog.Plugin().enabledByDefault()).isFalse();
    assertThat(new Watchdog.Plugin().name()).isEqualTo("watchdog");
  }

  @Nested
  class Containers {
    @Test
    void namesMayBeWrittenWithDockersLeadingSlash() {
      assertThat(read("containers = [web, /db]").containers()).isEqualTo(Set.of("web", "db"));
    }

    @Test
    void anEmptyNameIsAnError() {
      assertThatThrownBy(() -> read("containers = [web, \" \"]"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.collectors.watchdog.containers: a container name must not be empty");
    }
  }

  @Nested
  class Backoff {
    @Test
    void maxBelowInitialIsAnError() {
      assertThatThrownBy(() -> read("initial-backoff = 10s\nmax-backoff = 1s"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.collectors.watchdog.max-backoff: must not be below initial-backoff");
    }

    @Test
    void aNegativeRestartLimitIsAnError() {
      assertThatThrownBy(() -> read("max-restarts = -1"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.collectors.watchdog.max-restarts: must not be negative");
    }

    @Test
    void aZeroWindowIsAnError() {
      assertThatThrownBy(() -> read("window = 0s"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.collectors.watchdog.window: must be positive");
    }
  }
}
