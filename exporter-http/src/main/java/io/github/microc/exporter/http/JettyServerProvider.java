package io.github.microc.exporter.http;

import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.config.WebSettings;
import io.github.microc.exporter.core.http.Endpoint;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.http.ServerProvider;
import io.github.microc.exporter.core.web.ServerTls;
import java.io.IOException;

/** Listed in META-INF/services: the endpoint on Jetty. */
public final class JettyServerProvider implements ServerProvider {

  @Override
  public String name() {
    return "jetty";
  }

  @Override
  public ExporterServer bind(ListenAddress listen, WebSettings settings, ServerTls tls,
      Endpoint endpoint) throws IOException {
    return JettyServer.bind(listen, settings, tls, endpoint);
  }
}
