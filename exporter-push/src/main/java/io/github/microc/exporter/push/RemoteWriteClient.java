package io.github.microc.exporter.push;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.tls.PemFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * POSTs remote-write bodies to one endpoint with the JDK's HTTP client: HTTP/1.1 kept alive,
 * the endpoint's TLS files, credentials and headers. A request that gets no whole answer
 * within the timeout is abandoned; at most {@link #SNIPPET} bytes of an answer's body are
 * kept, for the error message.
 */
final class RemoteWriteClient implements AutoCloseable {

  static final int SNIPPET = 512;

  /** An answer: its status, its Retry-After header (or null) and the start of its body. */
  record Answer(int status, String retryAfter, String body) {}

  private final EndpointSettings settings;
  private final HttpClient http;
  private final ExecutorService executor;
  private final String userAgent = "Microc/" + Microc.version();
  /** The request under way, for {@link #abort}. */
  private volatile CompletableFuture<HttpResponse<String>> inFlight;

  RemoteWriteClient(EndpointSettings settings) throws IOException {
    this.settings = settings;
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "microc-push-http-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .executor(executor);
    EndpointSettings.Tls tls = settings.tls();
    if (tls.caFile() != null || tls.certFile() != null) {
      SSLContext context = PemFiles.context(tls.caFile(), tls.certFile(), tls.keyFile());
      builder.sslContext(context);
    }
    this.http = builder.build();
  }

  /**
   * Sends one body and waits for the answer.
   *
   * @throws IOException when no answer came: its message says why, without secrets
   * @throws InterruptedException when the sender is stopped meanwhile; the request is abandoned
   */
  Answer send(byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(settings.url())
        .timeout(settings.timeout())
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("User-Agent", userAgent)
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    settings.headers().forEach(request::header);
    String authorization = authorization();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(request.build(), responseInfo -> new Snippet());
    inFlight = response;
    try {
      // The request's own timeout covers the wait for the answer's headers; this also bounds
      // a body that never ends.
      HttpResponse<String> answer = response.get(
          settings.timeout().plus(settings.connectTimeout()).toMillis(), TimeUnit.MILLISECONDS);
      return new Answer(answer.statusCode(),
          answer.headers().firstValue("Retry-After").orElse(null), answer.body());
    } catch (InterruptedException e) {
      response.cancel(true);
      throw e;
    } catch (TimeoutException e) {
      response.cancel(true);
      throw new IOException("no whole answer within " + seconds(settings.timeout()));
    } catch (ExecutionException e) {
      throw new IOException(describe(e.getCause()), e.getCause());
    } catch (CancellationException e) {
      throw new InterruptedIOException("abandoned: the sender stops");
    } finally {
      inFlight = null;
    }
  }

  /** Abandons the request under way, if any: its {@link #send} throws at once. */
  void abort() {
    CompletableFuture<HttpResponse<String>> request = inFlight;
    if (request != null) {
      request.cancel(true);
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
      if (t instanceof HttpConnectTimeoutException) {
        return "cannot connect to " + where + ": no answer within " + seconds(settings.connectTimeout());
      }
      if (t instanceof HttpTimeoutException) {
        return "no answer within " + seconds(settings.timeout());
      }
      if (t instanceof ConnectException) {
        return "cannot connect to " + where + ": " + (t.getMessage() == null ? "connection refused" : t.getMessage());
      }
      if (t instanceof UnresolvedAddressException) {
        return "cannot resolve " + settings.url().getHost();
      }
      if (t instanceof SSLHandshakeException || t instanceof SSLException) {
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
      if (t instanceof HttpTimeoutException) {
        return true;
      }
    }
    return e != null && e.getMessage() != null && e.getMessage().startsWith("no whole answer");
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
    executor.shutdownNow();
  }

  /** Keeps the first {@link #SNIPPET} bytes of a body and reads past the rest. */
  private static final class Snippet implements HttpResponse.BodySubscriber<String> {
    private final CompletableFuture<String> result = new CompletableFuture<>();
    private final byte[] kept = new byte[SNIPPET];
    private int length;

    @Override
    public CompletionStage<String> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      for (ByteBuffer item : items) {
        int n = Math.min(item.remaining(), SNIPPET - length);
        item.get(kept, length, n);
        length += n;
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(new String(kept, 0, length, StandardCharsets.UTF_8).strip());
    }
  }
}
