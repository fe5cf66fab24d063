package io.github.microc.exporter.core.http;

import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.config.WebSettings;
import io.github.microc.exporter.core.web.ServerTls;
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
   * @param tls TLS for every connection, its context kept current; null for plain HTTP
   * @throws IOException when the address cannot be bound, or this server cannot do TLS
   */
  ExporterServer bind(ListenAddress listen, WebSettings settings, ServerTls tls, Endpoint endpoint)
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
    public ExporterServer bind(ListenAddress listen, WebSettings settings, ServerTls tls,
        Endpoint endpoint) throws IOException {
      if (tls != null) {
        throw new IOException("TLS (tls_server_config) needs exporter-http on the class path;"
            + " the JDK's HttpServer carries the endpoint here");
      }
      return JdkServer.bind(listen, settings, endpoint);
    }
  };
}
