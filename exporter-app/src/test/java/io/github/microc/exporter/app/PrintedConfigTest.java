package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class PrintedConfigTest {

  private static Config parse(String text) {
    return ConfigFactory.parseString(text, com.typesafe.config.ConfigParseOptions.defaults()
        .setOriginDescription("microc.conf"));
  }

  @Test
  void urlsAnywhereLoseTheirSecretsAndKeepTheirOrigins() {
    String out = PrintedConfig.render(parse("""
        microc.collectors.http_probe.targets = [
          "http://user:pa55@127.0.0.1:8080/health?token=abc&x=1"
          { name = "b", url = "https://h.example/ready?api_key=k3y" }
        ]
        microc.collectors.containers.docker-host = "tcp://admin:s3cret@docker.internal:2376"
        """));
    assertThat(out)
        .contains("\"http://127.0.0.1:8080/health?token=<secret>&x=1\"")
        .contains("url=\"https://h.example/ready?api_key=<secret>\"")
        .contains("docker-host=\"tcp://docker.internal:2376\"")
        .contains("# microc.conf: 2", "# microc.conf: 3", "# microc.conf: 5")
        .doesNotContain("pa55", "abc", "k3y", "s3cret", "admin");
  }

  @Test
  void aValueUnderASecretKeyIsMaskedWhole() {
    String out = PrintedConfig.render(parse("""
        push {
          basic-auth { username = "me", password = "hunter2" }
          bearer-token = "t0k3n"
          headers { Authorization = "Bearer abc", X-Api-Key = "k", X-Team = "ops" }
          tls { key-file = "/etc/microc/key.pem" }
          empty-password = ""
        }
        """));
    assertThat(out)
        .contains("password=\"<secret>\"", "bearer-token=\"<secret>\"", "Authorization=\"<secret>\"",
            "X-Api-Key=\"<secret>\"")
        .contains("username=me", "X-Team=ops", "key-file=\"/etc/microc/key.pem\"",
            "empty-password=\"\"")
        .doesNotContain("hunter2", "t0k3n", "Bearer");
  }

  @Test
  void secretKeysAreToldByTheirWords() {
    assertThat(PrintedConfig.secretKey("password")).isTrue();
    assertThat(PrintedConfig.secretKey("client_secret")).isTrue();
    assertThat(PrintedConfig.secretKey("api-key")).isTrue();
    assertThat(PrintedConfig.secretKey("key")).isTrue();
    assertThat(PrintedConfig.secretKey("key-file")).isFalse();
    assertThat(PrintedConfig.secretKey("monkey")).isFalse();
    assertThat(PrintedConfig.secretKey("label-allow-list")).isFalse();
  }
}
