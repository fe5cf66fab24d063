package io.github.microc.exporter.core.http;

import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.config.WebSettings;
import java.io.IOException;
import java.util.ServiceLoader;

/**
 * A server that carries the {@link Endpoint}, found with {@link java.util.ServiceLoader}:
 * {@code exporter-http} brings one (Jetty), and without it Microc uses the JDK's own
 * {@code HttpServer}, which cannot time out a request's headers nor speak TLS.
 */
public interface ServerProvider {

  /** A short name for logs, such as {@code jetty}. */
  String name();

  /**
   * Binds the address; the server answers once {@linkplain ExporterServer#start started}.
   *
   * @throws IOException when the address cannot be bound
   */
  ExporterServer bind(ListenAddress listen, WebSettings settings, Endpoint endpoint)
      throws IOException;

  /** The first provider {@code loader} finds, else the JDK's {@code HttpServer}. */
  static ServerProvider find(ClassLoader loader) {
    return ServiceLoader.load(ServerProvider.class, loader).findFirst().orElse(JDK);
  }

  /** The JDK's {@code HttpServer}. */
  ServerProvider JDK = new ServerProvider() {
    @Override
    public String name() {
      return "jdk";
    }

    @Override
    public ExporterServer bind(ListenAddress listen, WebSettings settings, Endpoint endpoint)
        throws IOException {
      return JdkServer.bind(listen, settings, endpoint);
    }
  };
}
