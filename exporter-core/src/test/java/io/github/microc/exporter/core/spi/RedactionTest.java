package io.github.microc.exporter.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionTest {

  @Test
  void userInformationIsDroppedAndSensitiveParametersMasked() {
    assertThat(Redaction.url("http://user:pa55@127.0.0.1:8080/health?token=abc&x=1"))
        .isEqualTo("http://127.0.0.1:8080/health?token=<secret>&x=1");
  }

  @Test
  void theDefaultWordsMatchAnywhereInANameWhateverItsCase() {
    assertThat(Redaction.url("https://h/p?access_token=a&API_KEY=b&X-Amz-Signature=c"
        + "&client_secret=d&Authorization=e&password=f&page=2&q=key"))
        .isEqualTo("https://h/p?access_token=<secret>&API_KEY=<secret>&X-Amz-Signature=<secret>"
            + "&client_secret=<secret>&Authorization=<secret>&password=<secret>&page=2&q=key");
  }

  @Test
  void anEncodedNameIsDecodedBeforeItIsMatched() {
    assertThat(Redaction.url("http://h/?%74oken=abc&a%3Db=1"))
        .isEqualTo("http://h/?%74oken=<secret>&a%3Db=1");
  }

  @Test
  void theFragmentIsTreatedLikeTheQuery() {
    assertThat(Redaction.url("https://h/cb#access_token=abc&state=1"))
        .isEqualTo("https://h/cb#access_token=<secret>&state=1");
    assertThat(Redaction.url("https://h/p#section")).isEqualTo("https://h/p#section");
  }

  @Test
  void theWordsCanBeChosen() {
    assertThat(Redaction.url("http://h/?token=a&session=b", List.of("session")))
        .isEqualTo("http://h/?token=a&session=<secret>");
  }

  @Test
  void whatNeedsNoRedactionIsLeftAsItIs() {
    for (String url : List.of("http://10.0.0.5:9100/metrics", "unix:///var/run/docker.sock",
        "tcp://[::1]:2375", "http://h/a@b/c", "http://h?", "not a url at all", "")) {
      assertThat(Redaction.url(url)).isEqualTo(url);
    }
  }

  @Test
  void userInformationOfAnyUrlIsDropped() {
    assertThat(Redaction.url("tcp://admin:s3cret@docker.internal:2376"))
        .isEqualTo("tcp://docker.internal:2376");
    assertThat(Redaction.url("http://a@b@h/x")).isEqualTo("http://h/x");
  }
}
