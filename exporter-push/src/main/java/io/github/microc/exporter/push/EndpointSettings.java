package io.github.microc.exporter.push;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One remote-write endpoint of {@code microc.push.remote-write}, read and checked by
 * {@link PushSettings}. Secrets are {@link Secret}s, so that printing these settings never shows
 * them.
 *
 * @param name the {@code endpoint} label of the self-metrics and the buffer's directory name
 * @param url where to POST; no user info
 * @param interval how often to collect and send
 * @param collect the collectors to push; empty for all (unless {@code exclude} is set)
 * @param exclude the collectors to leave out
 * @param externalLabels added to each series that lacks them, {@code job} and {@code instance}
 *     included
 * @param timeout a request's limit, until the answer's headers
 * @param connectTimeout the limit to connect
 * @param headers extra request headers
 * @param credentials basic auth, a bearer token or none
 * @param tls the CA, client certificate and key files; each may be null
 * @param metadataInterval how often the families' metadata go with a batch; zero for never
 * @param minBackoff the first wait after a failure
 * @param maxBackoff the longest wait between attempts (but for a longer Retry-After)
 * @param buffer where and how much is kept of what could not be sent yet
 */
public record EndpointSettings(
    String name,
    URI url,
    Duration interval,
    List<String> collect,
    List<String> exclude,
    Map<String, String> externalLabels,
    Duration timeout,
    Duration connectTimeout,
    Map<String, String> headers,
    Credentials credentials,
    Tls tls,
    Duration metadataInterval,
    Duration minBackoff,
    Duration maxBackoff,
    Buffer buffer) {

  public EndpointSettings {
    collect = List.copyOf(collect);
    exclude = List.copyOf(exclude);
    externalLabels = Map.copyOf(externalLabels);
    headers = Map.copyOf(headers);
  }

  /** How requests authenticate. */
  public sealed interface Credentials {
    /** No Authorization header. */
    record None() implements Credentials {}

    /** {@code Authorization: Basic ...}. */
    record Basic(String username, Secret password) implements Credentials {}

    /** {@code Authorization: Bearer ...}. */
    record Bearer(Secret token) implements Credentials {}
  }

  /**
   * TLS files; null where not set.
   *
   * @param caFile certificates the receiver's chain must lead to; null for the JVM's
   * @param certFile the client's certificate chain, with {@code keyFile}
   * @param keyFile the client's private key
   */
  public record Tls(Path caFile, Path certFile, Path keyFile) {}

  /**
   * @param dir the endpoint's own directory
   * @param maxSize the most bytes its segment files may take
   * @param maxAge data older than this is dropped
   */
  public record Buffer(Path dir, long maxSize, Duration maxAge) {}

  /** The URL without its query, which may hold a key, for messages. */
  public String shownUrl() {
    return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
  }
}
