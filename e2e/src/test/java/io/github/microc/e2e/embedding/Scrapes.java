package io.github.microc.e2e.embedding;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** Reads an application's metrics endpoint as Prometheus does. */
final class Scrapes {

  private static final Pattern SAMPLE = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*[{ ].*");

  private Scrapes() {}

  /** The text exposition served at {@code http://127.0.0.1:<port>/metrics}. */
  static String get(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("GET /metrics: " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  /** The sample lines (no comments) whose metric name starts with {@code prefix}. */
  static List<String> samples(String exposition, String prefix) {
    return exposition.lines()
        .filter(line -> SAMPLE.matcher(line).matches())
        .filter(line -> line.startsWith(prefix))
        .toList();
  }
}
