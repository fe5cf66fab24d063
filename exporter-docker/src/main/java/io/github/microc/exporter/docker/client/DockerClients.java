package io.github.microc.exporter.docker.client;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;

/**
 * Makes docker-java clients on the zerodep transport. Requests and the events stream get
 * separate clients: a response timeout that protects a request would cut a quiet stream.
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
    ZerodepDockerHttpClient.Builder http = new ZerodepDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(32)
        .connectionTimeout(Duration.ofSeconds(3));
    if (!responseTimeout.isZero()) {
      http.responseTimeout(responseTimeout);
    }
    return http.build();
  }
}
