package io.github.microc.exporter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.TestPlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration read from real files; errors must name the key and the file:line. */
class ConfigurationTest {

  @TempDir
  Path dir;

  private Path file(String content) throws IOException {
    Path file = dir.resolve("microc.conf");
    Files.writeString(file, content);
    return file;
  }

  private Microc build(Path file, Map<String, String> env) {
    return Microc.builder()
        .plugins(List.of(TestPlugins.configured(), TestPlugins.constant("other")))
        .configFile(file)
        .environment(env)
        .build();
  }

  private ConfigError error(String content) throws IOException {
    Path file = file(content);
    try (Microc ignored = build(file, Map.of())) {
      throw new AssertionError("expected a configuration error");
    } catch (ConfigError e) {
      return e;
    }
  }

  @Test
  void valuesFromTheFileReachThePlugin() throws IOException {
    Path file = file("""
        microc.collectors.configured {
          limit = 7
          nested.depth = 2
        }
        """);
    try (Microc microc = build(file, Map.of())) {
      assertThat(Exposition.text(microc.engine().collect()))
          .contains("test_configured_limit 7.0").contains("test_configured_depth 2.0");
    }
  }

  @Nested
  class UnknownKeys {
    @Test
    void unknownPluginKeyNamesFileLineAndSuggestion() throws IOException {
      ConfigError e = error("""
          microc.collectors.configured {
            limt = 4
          }
          """);
      assertThat(e).hasMessage(dir.resolve("microc.conf") + ":2: microc.collectors.configured.limt: "
          + "unknown key (did you mean \"limit\"?) (known: enabled, limit, max-series, max-threads, min-interval, nested, pattern, timeout)");
    }

    @Test
    void unknownNestedKey() throws IOException {
      ConfigError e = error("microc.collectors.configured.nested.deepth = 3\n");
      assertThat(e.getMessage()).startsWith(dir.resolve("microc.conf")
          + ":1: microc.collectors.configured.nested.deepth: unknown key (did you mean \"depth\"?)");
    }

    @Test
    void unknownTopLevelKey() throws IOException {
      ConfigError e = error("\n\nmicroc.webb.listen-address = \":1\"\n");
      assertThat(e.getMessage()).startsWith(dir.resolve("microc.conf") + ":3: microc.webb: unknown key (did you mean \"web\"?)");
    }

    @Test
    void keysOutsideMicrocAreIgnored() throws IOException {
      Path file = file("akka.loglevel = DEBUG\n");
      try (Microc microc = build(file, Map.of())) {
        assertThat(microc.engine().enabledCollectors()).containsExactly("configured", "other");
      }
    }
  }

  @Nested
  class UnknownCollectors {
    @Test
    void unknownCollectorNamesFileLineAndTheCollectors() throws IOException {
      ConfigError e = error("microc {\n  collectors {\n    configurd.enabled = false\n  }\n}\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf") + ":3: microc.collectors.configurd: unknown collector "
          + "(did you mean \"configured\"?) (collectors: configured, other)");
    }
  }

  @Nested
  class WrongTypes {
    @Test
    void stringWhereNumberExpected() throws IOException {
      ConfigError e = error("microc.collectors.configured.limit = many\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":1: microc.collectors.configured.limit: expected number, got string \"many\"");
    }

    @Test
    void enabledMustBeBoolean() throws IOException {
      ConfigError e = error("microc.collectors.other.enabled = maybe\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":1: microc.collectors.other.enabled: expected boolean, got string \"maybe\"");
    }

    @Test
    void badDurationNamesKeyAndLine() throws IOException {
      ConfigError e = error("microc.collectors.other.timeout = soon\n");
      assertThat(e.getMessage()).startsWith(dir.resolve("microc.conf")
          + ":1: microc.collectors.other.timeout: bad value");
    }

    @Test
    void negativeTimeoutIsRejected() throws IOException {
      ConfigError e = error("microc.collectors.other.timeout = -1s\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":1: microc.collectors.other.timeout: must be positive, got -1s");
    }

    @Test
    void objectWhereValueExpected() throws IOException {
      ConfigError e = error("microc.collectors.configured.limit { a = 1 }\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":1: microc.collectors.configured.limit: expected number, got object");
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
      ConfigError e = error("microc.collectors.configured.limit = many\nmicrocx = 1\nmicroc.collectors.nope = {}\n");
      assertThat(e.getMessage()).startsWith("2 configuration problems:")
          .contains(":1: microc.collectors.configured.limit: expected number")
          .contains(":3: microc.collectors.nope: unknown collector");
    }
  }

  @Nested
  class Regexes {
    @Test
    void badRegexNamesKeyLineAndProblem() throws IOException {
      ConfigError e = error("\nmicroc.collectors.configured.pattern = \"sd(\"\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":2: microc.collectors.configured.pattern: not a valid regex: Unclosed group near index 3 in \"sd(\"");
    }
  }

  @Nested
  class ListenAddresses {
    @Test
    void badPortNamesKey() throws IOException {
      ConfigError e = error("microc.web.listen-address = \"localhost:http\"\n");
      assertThat(e).hasMessage(dir.resolve("microc.conf")
          + ":1: microc.web.listen-address: not a port number in \"localhost:http\"");
    }

    @Test
    void forms() {
      assertThat(ListenAddress.parse(":10049")).isEqualTo(new ListenAddress("", 10049));
      assertThat(ListenAddress.parse("127.0.0.1:0")).isEqualTo(new ListenAddress("127.0.0.1", 0));
      assertThat(ListenAddress.parse("[::1]:9")).isEqualTo(new ListenAddress("::1", 9));
      assertThatThrownBy(() -> ListenAddress.parse("::1:9")).hasMessageContaining("brackets");
      assertThatThrownBy(() -> ListenAddress.parse("host:70000")).hasMessageContaining("out of range");
    }
  }

  @Nested
  class Environment {
    @Test
    void variablesOverrideTheFile() throws IOException {
      Path file = file("microc.collectors.configured.limit = 7\n");
      try (Microc microc = build(file, Map.of("MICROC_COLLECTORS_CONFIGURED_LIMIT", "9",
          "MICROC_COLLECTORS_OTHER_ENABLED", "false", "MICROC_IT_STRICT", "1", "MICROC_OPTS", "-Xmx1g"))) {
        assertThat(Exposition.text(microc.engine().collect())).contains("test_configured_limit 9.0");
        assertThat(microc.engine().enabledCollectors()).containsExactly("configured");
      }
    }

    @Test
    void wrongTypeFromAVariableNamesIt() throws IOException {
      Path file = file("");
      assertThatThrownBy(() -> build(file, Map.of("MICROC_COLLECTORS_CONFIGURED_LIMIT", "lots")))
          .isInstanceOf(ConfigError.class)
          .hasMessage("environment variable MICROC_COLLECTORS_CONFIGURED_LIMIT: "
              + "microc.collectors.configured.limit: expected number, got string \"lots\"");
    }

    @Test
    void namesMapToKeys() {
      assertThat(ConfigLoader.envToPath("COLLECTORS_FILESYSTEM_MOUNT__POINTS__EXCLUDE"))
          .isEqualTo("collectors.filesystem.mount-points-exclude");
      assertThat(ConfigLoader.envToPath("COLLECTORS_HTTP___PROBE_ENABLED"))
          .isEqualTo("collectors.http_probe.enabled");
    }
  }

  @Nested
  class Files_ {
    @Test
    void missingFileIsNamed() {
      Path missing = dir.resolve("absent.conf");
      assertThatThrownBy(() -> build(missing, Map.of()))
          .isInstanceOf(ConfigError.class)
          .hasMessage(missing + ": configuration file not found");
    }

    @Test
    void syntaxErrorNamesFileAndLine() throws IOException {
      ConfigError e = error("microc {\n  web {\n    listen-address = \n}\n");
      assertThat(e.getMessage()).contains("microc.conf: 4");
    }
  }
}
