package io.github.microc.exporter.push;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.tls.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * POSTs remote-write bodies to one endpoint with the JDK's {@link HttpURLConnection}: HTTP/1.1
 * kept alive, the endpoint's TLS files, credentials and headers; {@code connect-timeout} to
 * connect and {@code timeout} for the receiver's answer. At most {@link #SNIPPET} bytes of an
 * answer's body are kept, for the error message.
 *
 * <p>The JDK's {@code java.net.http.HttpClient} would do as well, but it loads its own
 * classes and the whole TLS stack with the JVM's trusted certificates even for a plain http
 * URL, more than push mode needs in all (docs/push.md, "Libraries, and what push mode costs").
 */
final class RemoteWriteClient implements AutoCloseable {

  static final int SNIPPET = 512;

  /** An answer: its status, its Retry-After header (or null) and the start of its body. */
  record Answer(int status, String retryAfter, String body) {}

  private final EndpointSettings settings;
  private final URL url;
  private final SSLSocketFactory tls;
  private final String userAgent = "Microc/" + Microc.version();
  /** The request under way, for {@link #abort}. */
  private volatile HttpURLConnection inFlight;
  private volatile boolean aborted;

  RemoteWriteClient(EndpointSettings settings) throws IOException {
    this.settings = settings;
    this.url = settings.url().toURL();
    EndpointSettings.Tls files = settings.tls();
    this.tls = files.caFile() != null || files.certFile() != null
        ? PemFiles.context(files.caFile(), files.certFile(), files.keyFile()).getSocketFactory()
        : null;
  }

  /**
   * Sends one body and waits for the answer.
   *
   * @throws IOException when no answer came: its message says why, without secrets
   * @throws InterruptedException when the client was aborted meanwhile
   */
  Answer send(byte[] body) throws IOException, InterruptedException {
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    if (tls != null && connection instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(tls);
    }
    connection.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
    connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    connection.setDoOutput(true);
    connection.setRequestMethod("POST");
    connection.setFixedLengthStreamingMode(body.length);
    connection.setRequestProperty("Content-Encoding", "snappy");
    connection.setRequestProperty("Content-Type", "application/x-protobuf");
    connection.setRequestProperty("User-Agent", userAgent);
    connection.setRequestProperty("X-Prometheus-Remote-Write-Version", "0.1.0");
    settings.headers().forEach(connection::setRequestProperty);
    String authorization = authorization();
    if (authorization != null) {
      connection.setRequestProperty("Authorization", authorization);
    }
    inFlight = connection;
    try {
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      String retryAfter = connection.getHeaderField("Retry-After");
      return new Answer(status, retryAfter, snippet(connection, status));
    } catch (IOException e) {
      if (aborted) {
        throw new InterruptedException("abandoned: the sender stops");
      }
      connection.disconnect();
      throw new IOException(describe(e), e);
    } finally {
      inFlight = null;
    }
  }

  /** The start of the answer's body; the rest is read past, so that the connection is kept. */
  private static String snippet(HttpURLConnection connection, int status) throws IOException {
    InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    if (in == null) {
      return "";
    }
    try (in) {
      byte[] kept = in.readNBytes(SNIPPET);
      // A long error page is not worth reading to its end: the connection goes instead.
      if (in.read() >= 0 && in.skip(64 * 1024) >= 64 * 1024) {
        connection.disconnect();
      }
      return new String(kept, StandardCharsets.UTF_8).strip();
    }
  }

  /** Abandons the request under way, if any: its {@link #send} throws at once. */
  void abort() {
    aborted = true;
    HttpURLConnection connection = inFlight;
    if (connection != null) {
      connection.disconnect();
    }
  }

  private String authorization() throws IOException {
    EndpointSettings.Credentials credentials = settings.credentials();
    if (credentials instanceof EndpointSettings.Credentials.Basic basic) {
      String pair = basic.username() + ":" + read(basic.password(), "basic-auth.password-file");
      return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
    if (credentials instanceof EndpointSettings.Credentials.Bearer bearer) {
      return "Bearer " + read(bearer.token(), "bearer-token-file");
    }
    return null;
  }

  private static String read(Secret secret, String key) throws IOException {
    try {
      return secret.read();
    } catch (IOException e) {
      throw new IOException(key + " " + secret.path() + ": cannot read it: "
          + e.getClass().getSimpleName());
    }
  }

  /** The secrets this client sends, so that a message can be cleaned of them. */
  List<String> secrets() {
    List<String> values = new ArrayList<>();
    EndpointSettings.Credentials credentials = settings.credentials();
    try {
      if (credentials instanceof EndpointSettings.Credentials.Basic basic) {
        values.add(basic.password().read());
      } else if (credentials instanceof EndpointSettings.Credentials.Bearer bearer) {
        values.add(bearer.token().read());
      }
    } catch (IOException e) {
      // Nothing read, nothing to hide.
    }
    values.removeIf(String::isEmpty);
    return values;
  }

  /** Why no answer came, in words an operator can act on. */
  String describe(Throwable e) {
    String where = settings.url().getHost() + ":" + port(settings.url());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("connect")
            ? "cannot connect to " + where + ": no answer within " + seconds(settings.connectTimeout())
            : "no answer within " + seconds(settings.timeout());
      }
      if (t instanceof ConnectException) {
        return "cannot connect to " + where + ": " + (t.getMessage() == null ? "connection refused"
            : t.getMessage().replaceFirst(" \\(Connection refused\\)$", "").toLowerCase(Locale.ROOT));
      }
      if (t instanceof UnknownHostException) {
        return "cannot resolve " + settings.url().getHost();
      }
      if (t instanceof SSLException) {
        return "TLS handshake with " + where + " failed: " + tlsReason(t);
      }
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** Whether a failure to get an answer was TLS's. */
  static boolean isTls(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  /** Whether a failure to get an answer was a timeout. */
  static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private String tlsReason(Throwable e) {
    String trusted = settings.tls().caFile() != null
        ? "the certificates in tls.ca-file " + settings.tls().caFile() : "the JVM's trusted CAs";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathBuilderException) {
        return "the receiver's certificate is not signed by " + trusted
            + " (unable to find a valid certification path)";
      }
      if (t instanceof CertificateException && t.getMessage() != null
          && t.getMessage().startsWith("No subject alternative")) {
        return "the receiver's certificate does not name " + settings.url().getHost() + " ("
            + t.getMessage() + ")";
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  private static int port(URI url) {
    return url.getPort() > 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  @Override
  public void close() {
    abort();
  }
}
