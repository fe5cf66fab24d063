package io.github.microc.e2e.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Spring Boot application, started for real on a random port with its embedded server, and
 * a real container running on the local dockerd: {@code /actuator/prometheus} carries the
 * application's own {@code shop_orders_total}, Micrometer's JVM meters, Microc's host metrics and
 * the container's {@code container_*} series, all in one scrape.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Spring Boot's tests turn metrics export off unless asked; the application has it on.
@AutoConfigureObservability(tracing = false)
class SpringBootEmbeddingIT {

  private static final String IMAGE = "microc-test/busybox:1";
  private static final String CONTAINER = "microc-spring-" + UUID.randomUUID().toString().substring(0, 8);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @LocalServerPort
  int port;

  @BeforeAll
  static void startContainer() throws Exception {
    Engines.require(Files.exists(Path.of("/var/run/docker.sock")) && docker("version").isPresent(),
        "dockerd is not answering on /var/run/docker.sock (bash .ci/docker-setup.sh starts it)");
    Engines.require(docker("image", "inspect", IMAGE).isPresent(),
        "image " + IMAGE + " is missing (bash .ci/docker-setup.sh builds it)");
    assertThat(docker("run", "-d", "--name", CONTAINER, IMAGE, "sleep", "300")).isPresent();
  }

  @AfterAll
  static void removeContainer() throws Exception {
    docker("rm", "-f", CONTAINER);
  }

  @Test
  void actuatorServesTheApplicationsMetricsBesideTheHostsAndTheContainers() throws Exception {
    post("/orders");
    post("/orders");

    // The container started before the application; Microc lists it at start.
    String metrics = "";
    for (int i = 0; i < 100 && !metrics.contains("name=\"" + CONTAINER + "\""); i++) {
      metrics = get("/actuator/prometheus");
      Thread.sleep(100);
    }

    assertThat(lines(metrics, "shop_orders_total")).containsExactly("shop_orders_total 2.0");
    assertThat(lines(metrics, "jvm_memory_used_bytes{")).isNotEmpty();
    assertThat(lines(metrics, "node_cpu_seconds_total{")).isNotEmpty();
    assertThat(lines(metrics, "node_memory_MemTotal_bytes ")).hasSize(1);
    assertThat(lines(metrics, "microc_docker_up ")).containsExactly("microc_docker_up 1.0");
    assertThat(lines(metrics, "container_memory_usage_bytes{"))
        .anyMatch(line -> line.contains("name=\"" + CONTAINER + "\"") && line.contains("image=\"" + IMAGE + "\""));
    assertThat(lines(metrics, "microc_scrape_collector_success{"))
        .contains("microc_scrape_collector_success{collector=\"cpu\"} 1.0",
            "microc_scrape_collector_success{collector=\"containers\"} 1.0");
  }

  private static List<String> lines(String metrics, String prefix) {
    return metrics.lines().filter(l -> l.startsWith(prefix)).toList();
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return response.body();
  }

  private void post(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** {@code docker args...}: its output, or empty when it fails. */
  private static java.util.Optional<String> docker(String... args) throws Exception {
    Process process = new ProcessBuilder(java.util.stream.Stream.concat(
        java.util.stream.Stream.of("docker"), java.util.stream.Stream.of(args)).toList())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return java.util.Optional.empty();
    }
    return process.exitValue() == 0 ? java.util.Optional.of(output.strip()) : java.util.Optional.empty();
  }
}
