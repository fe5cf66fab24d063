package io.github.microc.e2e.embedding;

import io.github.microc.e2e.support.Http;
import java.util.List;
import java.util.regex.Pattern;

/** Reads an application's metrics endpoint as Prometheus does. */
final class Scrapes {

  private static final Pattern SAMPLE = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*[{ ].*");

  private Scrapes() {}

  /** The text exposition served at {@code http://127.0.0.1:<port>/metrics}. */
  static String get(int port) {
    Http.Response response = Http.get("http://127.0.0.1:" + port + "/metrics");
    if (response.status() != 200) {
      throw new AssertionError("GET /metrics: " + response);
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
