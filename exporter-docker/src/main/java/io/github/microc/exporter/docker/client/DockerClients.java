package io.github.microc.exporter.docker.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.SSLConfig;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Makes docker-java clients on the zerodep transport. Requests and the events stream get
 * separate clients: a response timeout that protects a request would cut a quiet stream.
 *
 * <p>Over a Unix socket the transport gets a TLS context that is never used, in place of the
 * JDK's default one: without it the transport initialises the default context, which loads
 * the JDK's TLS implementation and parses its whole trust store (about 150 certificates), for
 * a connection that cannot use TLS.
 */
public final class DockerClients {

  /** The local daemon's socket, used when neither the configuration nor DOCKER_HOST says. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  private DockerClients() {}

  /** The Docker host to use: the configured one, else {@code DOCKER_HOST}, else the socket. */
  public static String resolveHost(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? DEFAULT_HOST : env;
  }

  /**
   * A client for requests.
   *
   * @param host {@code unix:///path} or {@code tcp://host:port}
   * @param responseTimeout how long a request may take; zero for no limit (event streams)
   */
  public static DockerClient create(String host, Duration responseTimeout) {
    DefaultDockerClientConfig config = config(host);
    return DockerClientImpl.getInstance(config, http(config, responseTimeout));
  }

  /**
   * A raw HTTP client, for endpoints docker-java does not model (such as one-shot stats).
   *
   * @param host {@code unix:///path} or {@code tcp://host:port}
   * @param responseTimeout how long a request may take; zero for no limit
   */
  public static DockerHttpClient http(String host, Duration responseTimeout) {
    return http(config(host), responseTimeout);
  }

  private static DefaultDockerClientConfig config(String host) {
    return DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(host)
        .build();
  }

  private static DockerHttpClient http(DefaultDockerClientConfig config, Duration responseTimeout) {
    URI host = config.getDockerHost();
    ZerodepDockerHttpClient.Builder http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(host)
        .sslConfig("unix".equals(host.getScheme()) ? NoTls.CONFIG : config.getSSLConfig())
        .maxConnections(32)
        .connectionTimeout(Duration.ofSeconds(3));
    if (!responseTimeout.isZero()) {
      http.responseTimeout(responseTimeout);
    }
    return http.build();
  }

  /** A TLS context for a Unix socket, where TLS does not apply: any use of it is an error. */
  static final class NoTls extends SSLContextSpi {

    static final SSLConfig CONFIG = () -> new SSLContext(new NoTls(), null, "none") {};

    private static UnsupportedOperationException unsupported() {
      return new UnsupportedOperationException("TLS over a Unix socket");
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
      throw unsupported();
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      throw unsupported();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      throw unsupported();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      throw unsupported();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      throw unsupported();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      throw unsupported();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      throw unsupported();
    }
  }
}
