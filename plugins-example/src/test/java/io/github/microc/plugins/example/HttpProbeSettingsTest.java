package io.github.microc.plugins.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration as Microc reads it: the plugin's {@code reference.conf} below a file, every
 * error naming the file, the line and the full key.
 */
class HttpProbeSettingsTest {

  @TempDir
  Path dir;

  @Test
  void defaultsComeFromTheReferenceAndTheEngine() throws IOException {
    HttpProbeSettings settings = read("");

    assertThat(settings.targets()).isEmpty();
    assertThat(settings.concurrency()).isEqualTo(4);
    assertThat(settings.budget()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void targetKeysAreReadWithTheirDefaults() throws IOException {
    HttpProbeSettings settings = read("""
        microc.collectors.http_probe.targets = [
          { name = "orders", url = "http://127.0.0.1:8080/health", expected-status = 204, timeout = 500ms }
          { url = "https://example.invalid/ready" }
        ]
        """);

    assertThat(settings.targets()).containsExactly(
        new HttpProbeSettings.Target("orders", URI.create("http://127.0.0.1:8080/health"),
            "http://127.0.0.1:8080/health", 204, Duration.ofMillis(500)),
        new HttpProbeSettings.Target("https://example.invalid/ready",
            URI.create("https://example.invalid/ready"), "https://example.invalid/ready", 200,
            Duration.ofSeconds(2)));
    assertThat(settings.redactQueryParameters())
        .containsExactly("token", "password", "secret", "key", "auth", "sig");
  }

  @Nested
  class Secrets {

    @Test
    void aTargetWithoutANameIsLabelledWithItsUrlAsShown() throws IOException {
      HttpProbeSettings settings = read("""
          microc.collectors.http_probe.targets = [
            "http://user:pa55@127.0.0.1:8080/health?token=abc&x=1"
            { url = "https://h.example/ready?api_key=k3y&page=2" }
            { name = "billing", url = "https://u:p@h.example/?sig=s" }
          ]
          """);

      assertThat(settings.targets()).extracting(HttpProbeSettings.Target::name).containsExactly(
          "http://127.0.0.1:8080/health?token=<secret>&x=1",
          "https://h.example/ready?api_key=<secret>&page=2",
          "billing");
      assertThat(settings.targets()).extracting(HttpProbeSettings.Target::shownUrl).containsExactly(
          "http://127.0.0.1:8080/health?token=<secret>&x=1",
          "https://h.example/ready?api_key=<secret>&page=2",
          "https://h.example/?sig=<secret>");
      assertThat(settings.targets().get(0).url())
          .as("the request still goes to the URL as written")
          .isEqualTo(URI.create("http://user:pa55@127.0.0.1:8080/health?token=abc&x=1"));
    }

    @Test
    void theParametersToMaskCanBeChosen() throws IOException {
      HttpProbeSettings settings = read("""
          microc.collectors.http_probe {
            redact-query-parameters = [session]
            targets = ["http://127.0.0.1/?session=s3&token=t"]
          }
          """);

      assertThat(settings.targets().get(0).name()).isEqualTo("http://127.0.0.1/?session=<secret>&token=t");
    }

    @Test
    void twoTargetsThatOnlyASecretTellsApartNeedNames() {
      assertError("""
          microc.collectors.http_probe.targets = [
            "http://127.0.0.1/health?token=one"
            "http://127.0.0.1/health?token=two"
          ]
          """, ":3: microc.collectors.http_probe.targets[1]: target "
          + "\"http://127.0.0.1/health?token=<secret>\" is already defined at");
    }

    @Test
    void anErrorShowsTheUrlWithoutItsSecrets() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "ftp://user:pa55@127.0.0.1/file?token=abc" }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].url: not an http or https URL: "
          + "\"ftp://127.0.0.1/file?token=<secret>\"");
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "http://user:pa55@127.0.0.1/a b?token=abc" }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].url: not a valid URL: Illegal character"
          + " in path: \"http://127.0.0.1/a b?token=<secret>\"");
    }

    @Test
    void aProbeErrorThatRepeatsTheUrlIsScrubbed() {
      HttpProbeSettings.Target target = new HttpProbeSettings.Target("t",
          URI.create("http://user:pa55@h/x?token=abc&x=1"), "http://h/x?token=<secret>&x=1", 200,
          Duration.ofSeconds(1));
      assertThat(target.scrub("GET http://user:pa55@h/x?token=abc&x=1 failed; user:pa55 and"
          + " token=abc again")).isEqualTo("GET http://h/x?token=<secret>&x=1 failed; <secret> and"
          + " token=<secret> again");
    }
  }

  @Nested
  class Url {
    @Test
    void otherSchemeIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "ftp://127.0.0.1/file" }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].url: not an http or https URL: \"ftp://127.0.0.1/file\"");
    }

    @Test
    void unparsableUrlIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { name = "ok", url = "http://127.0.0.1/" }
            { url = "http://127.0.0.1/a b" }
          ]
          """, ":3: microc.collectors.http_probe.targets[1].url: not a valid URL: Illegal character in path");
    }

    @Test
    void urlWithoutHostIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = ["http:///health"]
          """, ":1: microc.collectors.http_probe.targets[0]: the URL has no host");
    }

    @Test
    void missingUrlIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { name = "orders" }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].url: missing");
    }
  }

  @Nested
  class ExpectedStatus {
    @Test
    void outOfRangeIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "http://127.0.0.1/",
              expected-status = 42 }
          ]
          """, ":3: microc.collectors.http_probe.targets[0].expected-status: not an HTTP status (100 to 599): 42");
    }

    @Test
    void notANumberIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "http://127.0.0.1/", expected-status = ok }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].expected-status: wrong type");
    }
  }

  @Nested
  class Target {
    @Test
    void unknownKeyIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "http://127.0.0.1/", expect = 200 }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].expect: unknown key (known: expected-status, name, timeout, url)");
    }

    @Test
    void duplicateNameIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { name = "api", url = "http://127.0.0.1/a" }
            { name = "api", url = "http://127.0.0.1/b" }
          ]
          """, ":3: microc.collectors.http_probe.targets[1]: target \"api\" is already defined at "
          + "microc.collectors.http_probe.targets[0]");
    }

    @Test
    void zeroTimeoutIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [
            { url = "http://127.0.0.1/", timeout = 0s }
          ]
          """, ":2: microc.collectors.http_probe.targets[0].timeout: must be positive");
    }

    @Test
    void numberIsRejected() {
      assertError("""
          microc.collectors.http_probe.targets = [ 8080 ]
          """, ":1: microc.collectors.http_probe.targets[0]: must be a URL or an object with a url, got number");
    }
  }

  @Test
  void zeroConcurrencyIsRejected() {
    assertError("""
        microc.collectors.http_probe.concurrency = 0
        """, ":1: microc.collectors.http_probe.concurrency: must be at least 1, got 0");
  }

  @Test
  void unknownCollectorKeyIsRejectedByTheEngine() {
    assertError("""
        microc.collectors.http_probe.target = []
        """, ":1: microc.collectors.http_probe.target: unknown key (did you mean \"targets\"?)");
  }

  private HttpProbeSettings read(String conf) throws IOException {
    HttpProbeSettings[] read = new HttpProbeSettings[1];
    CollectorPlugin real = new HttpProbeCollector.Plugin();
    CollectorPlugin spy = new CollectorPlugin() {
      @Override
      public String name() {
        return real.name();
      }

      @Override
      public MultiCollector create(PluginContext context) throws Exception {
        read[0] = HttpProbeSettings.from(context.config());
        return real.create(context);
      }
    };
    try (Microc microc = build(conf, spy)) {
      return read[0];
    }
  }

  private void assertError(String conf, String expected) {
    Path file = write(conf);
    assertThatThrownBy(() -> build(conf, new HttpProbeCollector.Plugin()).close())
        .isInstanceOf(ConfigError.class)
        .hasMessageStartingWith(file.toString() + expected.substring(0, expected.indexOf(':', 1)))
        .hasMessageContaining(expected);
  }

  private Microc build(String conf, CollectorPlugin plugin) {
    return Microc.builder()
        .plugins(List.of(plugin))
        .environment(Map.of())
        .configFile(write(conf))
        .build();
  }

  private Path write(String conf) {
    try {
      return Files.writeString(dir.resolve("microc.conf"), conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
