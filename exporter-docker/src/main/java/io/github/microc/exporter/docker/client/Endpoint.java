package io.github.microc.exporter.docker.client;

import io.github.microc.exporter.core.spi.Redaction;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Where the daemon is, and how to connect to it: a Unix socket, or TCP with TLS or without. */
record Endpoint(Path socket, String tcpHost, int port, SSLContext tls) {

  private static final int CONNECT_TIMEOUT_MILLIS = 3000;

  static Endpoint of(String host, Map<String, String> env) {
    String shown = Redaction.url(host);
    if (host.startsWith("unix://")) {
      String path = host.substring("unix://".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("not a Docker host: \"" + shown
            + "\" names no socket; use unix:///path/docker.sock");
      }
      return new Endpoint(Path.of(path), null, 0, null);
    }
    URI uri;
    try {
      uri = new URI(host);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a Docker host: \"" + shown + "\": " + e.getReason()
          + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    switch (scheme) {
      case "tcp" -> {
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("not a Docker host: \"" + shown
              + "\" names no host; use tcp://host:port");
        }
        String verify = env.getOrDefault("DOCKER_TLS_VERIFY", "");
        boolean tls = !verify.isEmpty() && !verify.equals("0") && !verify.equalsIgnoreCase("false");
        SSLContext context = null;
        if (tls) {
          String dir = env.getOrDefault("DOCKER_CERT_PATH", "");
          Path certs = dir.isEmpty()
              ? Path.of(System.getProperty("user.home"), ".docker") : Path.of(dir);
          try {
            context = TlsFiles.context(certs);
          } catch (IOException e) {
            throw new IllegalArgumentException("DOCKER_TLS_VERIFY is set but the TLS files in "
                + certs + " cannot be used: " + e.getMessage(), e);
          }
        }
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 2376 : 2375;
        // An IPv6 address comes in brackets.
        String name = uri.getHost().replaceAll("^\\[(.*)]$", "$1");
        return new Endpoint(null, name, port, context);
      }
      default -> throw new IllegalArgumentException("not a Docker host: \"" + shown
          + "\"; use unix:///path/docker.sock or tcp://host:port");
    }
  }

  Connection open(long deadline, String late) throws IOException {
    return socket != null ? Connection.unix(socket, deadline, late)
        : Connection.tcp(tcpHost, port, tls, CONNECT_TIMEOUT_MILLIS, deadline, late);
  }

  String hostHeader() {
    // Any name will do for a socket; Go's server wants one.
    return socket != null ? "docker" : tcpHost.contains(":") ? "[" + tcpHost + "]:" + port
        : tcpHost + ":" + port;
  }
}
