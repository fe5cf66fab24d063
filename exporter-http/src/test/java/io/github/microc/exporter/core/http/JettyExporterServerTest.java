package io.github.microc.exporter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every test of the endpoint, again on Jetty: exporter-http on the class path is found. */
class JettyExporterServerTest extends ExporterServerTest {

  @Test
  void theServerIsJetty() {
    assertThat(ServerProvider.find(getClass().getClassLoader()).name()).isEqualTo("jetty");
  }
}
