package io.github.microc.exporter.core.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebConfigTest {

  /** htpasswd -nbBC 10 prometheus secret */
  static final String HASH = "$2y$10$wH1lUKI2uy9/AEe49IOrWuydzZWfx8xjAYCMtPMwVqmieKoDrn8yS";

  @TempDir
  Path dir;

  private WebConfig read(String yaml) throws Exception {
    return WebConfig.read(Files.writeString(dir.resolve("web.yml"), yaml));
  }

  @Nested
  class Problems {
    @Test
    void everyProblemIsReportedAtOnceWithItsLine() {
      assertThatThrownBy(() -> read("""
          tls_server_config:
            cert_file: missing.crt
            key_fiel: missing.key
            min_version: TLS9
          http_server_config:
            headers:
              Server: microc
              X-Frame-Options: always
          basic_auth_users:
            prometheus: not-a-hash
          extra: 1
          """))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("problems in the web config file")
          .hasMessageContaining("web.yml:3: tls_server_config.key_fiel: unknown key (did you mean \"key_file\"?)")
          .hasMessageContaining("web.yml:2: tls_server_config.key_file: missing")
          .hasMessageContaining("web.yml:4: tls_server_config.min_version: unknown TLS version \"TLS9\"")
          .hasMessageContaining("web.yml:7: http_server_config.headers.Server: HTTP header \"Server\" can not be configured")
          .hasMessageContaining("web.yml:8: http_server_config.headers.X-Frame-Options: must be \"deny\" or \"sameorigin\"")
          .hasMessageContaining("web.yml:10: basic_auth_users.prometheus: not a bcrypt hash")
          .hasMessageContaining("web.yml:11: extra: unknown key")
          .hasMessageNotContaining("not-a-hash");
    }

    @Test
    void aMissingCertificateFileIsNamedAtItsKey() {
      assertThatThrownBy(() -> read("""
          tls_server_config:
            cert_file: missing.crt
            key_file: missing.key
          """))
          .hasMessageStartingWith(dir.resolve("web.yml") + ":2: tls_server_config.cert_file: ")
          .hasMessageContaining("missing.crt");
    }

    @Test
    void badYamlNamesItsLine() {
      assertThatThrownBy(() -> read("basic_auth_users:\n  a: [\n"))
          .hasMessageStartingWith(dir.resolve("web.yml") + ":3: not valid YAML");
    }

    @Test
    void clientCasWithoutAClientAuthTypeAreRefusedAsExporterToolkitRefusesThem() {
      assertThatThrownBy(() -> read("""
          tls_server_config:
            cert_file: a.crt
            key_file: a.key
            client_ca_file: ca.crt
            client_auth_type: Sometimes
          """))
          .hasMessageContaining(":5: tls_server_config.client_auth_type: invalid ClientAuth \"Sometimes\"");
    }
  }

  @Test
  void headersAndUsersAreRead() throws Exception {
    WebConfig config = read("""
        http_server_config:
          http2: false
          headers:
            x-content-type-options: nosniff
            Strict-Transport-Security: max-age=31536000
        basic_auth_users:
          prometheus: %s
        """.formatted(HASH));
    assertThat(config.tls()).isNull();
    assertThat(config.http2()).isFalse();
    assertThat(config.headers()).isEqualTo(Map.of("X-Content-Type-Options", "nosniff",
        "Strict-Transport-Security", "max-age=31536000"));
    assertThat(config.users()).containsOnlyKeys("prometheus");
  }

  @Test
  void anEmptyFileIsPlainHttp() throws Exception {
    WebConfig config = read("");
    assertThat(config.tls()).isNull();
    assertThat(config.users()).isEmpty();
  }

  @Nested
  class Authentication {
    private final BasicAuth auth = new BasicAuth(Map.of("prometheus", HASH));

    private String basic(String user, String password) {
      return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightPasswordPassesAndAnyOtherDoesNot() {
      assertThat(auth.allows(basic("prometheus", "secret"))).isTrue();
      assertThat(auth.allows(basic("prometheus", "Secret"))).isFalse();
      assertThat(auth.allows(basic("nobody", "secret"))).isFalse();
      assertThat(auth.allows(null)).isFalse();
      assertThat(auth.allows("Bearer x")).isFalse();
      assertThat(auth.allows("Basic %%%")).isFalse();
    }

    @Test
    void theOutcomeIsKeptSoARepeatedScrapeCostsNoBcrypt() {
      java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
      BasicAuth counted = new BasicAuth(Map.of("prometheus", HASH), (password, hash) -> {
        checks.incrementAndGet();
        return password.equals("secret");
      });
      for (int i = 0; i < 1000; i++) {
        assertThat(counted.allows(basic("prometheus", "secret"))).isTrue();
        assertThat(counted.allows(basic("prometheus", "wrong"))).isFalse();
      }
      assertThat(checks).as("one bcrypt check per user and password").hasValue(2);
    }

    @Test
    void hashesOfEveryVariantAreVerified() {
      // htpasswd -nbBC 4 u a; $2a$ and $2b$ hash an ASCII password as $2y$ does.
      String y = "$2y$04$ItI6zVaaBRqFDIJaClt4P.AezpjZqKu8sKIYhwIvuYjMCq13Vd0Pm";
      for (String variant : new String[] {"$2y$", "$2a$", "$2b$"}) {
        BasicAuth users = new BasicAuth(Map.of("u", variant + y.substring(4)));
        assertThat(users.allows(basic("u", "a"))).as(variant).isTrue();
        assertThat(users.allows(basic("u", "b"))).as(variant).isFalse();
      }
      assertThat(new BasicAuth(Map.of()).allows(null)).isTrue();
    }
  }
}
