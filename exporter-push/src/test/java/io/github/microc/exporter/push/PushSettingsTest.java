package io.github.microc.exporter.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.testing.TestPlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushSettingsTest {

  @TempDir
  Path dir;

  private Microc microc(String conf) throws IOException {
    Path file = Files.writeString(dir.resolve("microc.conf"), conf);
    return Microc.builder().plugins(List.of(TestPlugins.constant("cpu"), TestPlugins.constant("meminfo")))
        .environment(Map.of()).configFile(file).build();
  }

  private PushSettings settings(String conf) throws IOException {
    try (Microc microc = microc(conf)) {
      return PushSettings.from(microc.config(), microc.settings(), microc.engine());
    }
  }

  @Test
  void noEndpointsByDefault() throws IOException {
    assertThat(settings("").enabled()).isFalse();
  }

  @Test
  void anEndpointNeedsOnlyItsUrl() throws IOException {
    EndpointSettings e = settings("""
        microc.web.listen-address = ":9999"
        microc.push.remote-write = [ { url = "http://receiver:9090/api/v1/write" } ]
        """).endpoints().get(0);
    assertThat(e.name()).isEqualTo("receiver:9090/api/v1/write");
    assertThat(e.interval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(e.externalLabels()).containsEntry("job", "microc")
        .containsEntry("instance", PushSettings.hostName() + ":9999").hasSize(2);
    assertThat(e.collect()).isEmpty();
    assertThat(e.credentials()).isInstanceOf(EndpointSettings.Credentials.None.class);
    assertThat(e.buffer().dir()).isEqualTo(Path.of("push-buffer", "receiver_9090_api_v1_write"));
    assertThat(e.buffer().maxSize()).isEqualTo(256L * 1024 * 1024);
    assertThat(e.buffer().maxAge()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void withoutAListenerTheInstancePortIsTheDefaultOne() throws IOException {
    EndpointSettings e = settings("""
        microc.web.listen-address = ""
        microc.push.remote-write = [ { url = "http://r/w", external-labels { region = eu } } ]
        """).endpoints().get(0);
    assertThat(e.externalLabels()).containsEntry("instance", PushSettings.hostName() + ":10049")
        .containsEntry("region", "eu");
  }

  @Test
  void theDefaultsBlockAppliesToEveryEndpointAndEachCanOverrideIt() throws IOException {
    PushSettings s = settings("""
        microc.push.remote-write-defaults { interval = 30s, headers { X-Scope-OrgID = hosts } }
        microc.push.remote-write = [
          { url = "http://a/w", name = a }
          { url = "https://b/w", name = b, interval = 5s, collect = [cpu], bearer-token = "t0ken" }
        ]
        """);
    assertThat(s.endpoints()).extracting(EndpointSettings::interval)
        .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(5));
    assertThat(s.endpoints().get(0).headers()).containsEntry("X-Scope-OrgID", "hosts");
    assertThat(s.endpoints().get(1).collect()).containsExactly("cpu");
    assertThat(s.endpoints().get(1).credentials().toString()).doesNotContain("t0ken");
  }

  @Test
  void everyProblemOfEveryEndpointIsReportedAtOnceWithFileAndLine() throws IOException {
    Path conf = dir.resolve("microc.conf");
    assertThatThrownBy(() -> settings("""
        microc.push.remote-write = [
          { url = "http://a/w", intervall = 5s }
          { name = nourl }
          { url = "http://user:pw@b/w", name = b }
          { url = "http://c/w", name = c, headers { Authorization = "Bearer x" }, collect = [cpux] }
          { url = "http://d/w", name = d, bearer-token = x, basic-auth { username = u, password = p } }
          { url = "ftp://e/w", name = e }
          "http://f/w"
          { url = "http://g/w", name = g, buffer.max-size = 1KiB, interval = 0s }
        ]
        """))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(conf + ":2: microc.push.remote-write[0].intervall: unknown key (did you mean \"interval\"?)")
        .hasMessageContaining(conf + ":3: microc.push.remote-write[1].url: missing")
        .hasMessageContaining(conf + ":4: microc.push.remote-write[2].url: holds a user name or password; put them in basic-auth")
        .hasMessageContaining(conf + ":5: microc.push.remote-write[3].headers.Authorization: set by remote-write itself; use basic-auth or bearer-token")
        .hasMessageContaining(conf + ":5: microc.push.remote-write[3].collect: unknown collector \"cpux\"")
        .hasMessageContaining(conf + ":6: microc.push.remote-write[4].bearer-token: set either basic-auth or a bearer token, not both")
        .hasMessageContaining(conf + ":7: microc.push.remote-write[5].url: must be an http or https URL")
        .hasMessageContaining(conf + ":8: microc.push.remote-write[6]: expected an object")
        .hasMessageContaining(conf + ":9: microc.push.remote-write[7].buffer.max-size: must be at least 16KiB")
        .hasMessageContaining(conf + ":9: microc.push.remote-write[7].interval: must be positive")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@", "user:pw"));
  }

  @Test
  void twoEndpointsWithOneNameAreRefused() {
    assertThatThrownBy(() -> settings("""
        microc.push.remote-write = [ { url = "http://a/w", name = x }, { url = "http://b/w", name = x } ]
        """)).hasMessageContaining("microc.push.remote-write[1].name: \"x\" is also the name of microc.push.remote-write[0]");
  }

  @Test
  void tlsFilesAreCheckedAtStartAndNeedHttps() throws IOException {
    Files.writeString(dir.resolve("ca.pem"), "no certificate here\n");
    assertThatThrownBy(() -> settings("""
        microc.push.remote-write = [
          { url = "https://a/w", name = a, tls.ca-file = "%1$s/ca.pem" }
          { url = "http://b/w", name = b, tls.ca-file = "%1$s/ca.pem" }
          { url = "https://c/w", name = c, tls.cert-file = "%1$s/ca.pem" }
        ]
        """.formatted(dir)))
        .hasMessageContaining("microc.push.remote-write[0].tls.ca-file: " + dir.resolve("ca.pem") + ": no certificate")
        .hasMessageContaining("microc.push.remote-write[1].tls.ca-file: the URL is http, not https")
        .hasMessageContaining("microc.push.remote-write[2].tls.cert-file: set tls.cert-file and tls.key-file together");
  }

  @Test
  void aSecretFileMustBeReadableAndItsContentIsNeverShown() throws IOException {
    Path token = Files.writeString(dir.resolve("token"), "s3cr3t\n");
    EndpointSettings e = settings("""
        microc.push.remote-write = [ { url = "http://a/w", bearer-token-file = "%s" } ]
        """.formatted(token)).endpoints().get(0);
    assertThat(((EndpointSettings.Credentials.Bearer) e.credentials()).token().read()).isEqualTo("s3cr3t");
    assertThat(e.toString()).doesNotContain("s3cr3t");
    assertThatThrownBy(() -> settings("""
        microc.push.remote-write = [ { url = "http://a/w", bearer-token-file = "%s/missing" } ]
        """.formatted(dir))).hasMessageContaining("bearer-token-file: cannot read " + dir + "/missing");
  }

  @Test
  void printedConfigurationShowsNoSecret() throws IOException {
    try (Microc microc = microc("""
        microc.push.remote-write = [ { url = "http://a/w", basic-auth { username = me, password = "hunter2" },
          headers { X-Api-Key = "k3y", X-Scope-OrgID = tenant } } ]
        """)) {
      String shown = PushSettings.redacted(microc.config()).root().render();
      assertThat(shown).doesNotContain("hunter2", "k3y").contains("<secret>", "tenant", "me");
    }
  }
}
