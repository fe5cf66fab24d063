package io.github.microc.exporter.core.config;

/**
 * A {@code host:port} to listen on, as node_exporter's {@code --web.listen-address}:
 * {@code :10049} (every interface), {@code 127.0.0.1:10049}, {@code [::1]:10049}.
 *
 * @param host the interface's address or name; empty for every interface
 * @param port the TCP port, 0 for any free one
 */
public record ListenAddress(String host, int port) {

  public static ListenAddress parse(String value) {
    String text = value.trim();
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected [host]:port, got \"" + value + "\"");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException(
          "an IPv6 address needs brackets, as in [::1]:10049, got \"" + value + "\"");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number in \"" + value + "\"");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0-65535 in \"" + value + "\"");
    }
    return new ListenAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
