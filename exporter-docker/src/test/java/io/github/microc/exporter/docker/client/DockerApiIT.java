package io.github.microc.exporter.docker.client;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.docker.DockerCli;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every call of the client against a real dockerd, with the docker CLI as the oracle. */
class DockerApiIT {

  private static final String P = "microc-it-api-";
  private static DockerCli docker;
  private static DockerApi api;

  @BeforeAll
  static void start() {
    docker = DockerCli.requireLocal();
    docker.removeLabelled("api");
    api = DockerApi.create(docker.host(), Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (docker != null) {
      docker.removeLabelled("api");
    }
  }

  @Test
  void listAndInspectSayWhatTheCliSays() {
    docker.runDetached(P + "inspect", "api", "--network", "none", "--memory", "64m",
        "--label", "quote=a\"b\\c", "--label", "unicode=żółw", IMAGE, "sleep", "300");
    String id = docker.run("inspect", "-f", "{{.Id}}", P + "inspect");

    api.ping();
    List<Object> listed = api.listContainers();
    Map<String, Object> entry = listed.stream().map(Json::object)
        .filter(c -> id.equals(c.get("Id"))).findFirst().orElseThrow();
    assertThat(Json.array(entry.get("Names"))).containsExactly("/" + P + "inspect");
    assertThat(Json.string(entry, "State", "")).isEqualTo("running");

    Map<String, Object> inspect = api.inspect(P + "inspect");
    assertThat(inspect.get("Id")).isEqualTo(id);
    Map<String, Object> state = Json.object(inspect, "State");
    assertThat(Json.number(state, "Pid", 0))
        .isEqualTo(Long.parseLong(docker.run("inspect", "-f", "{{.State.Pid}}", id)));
    assertThat(Json.string(inspect, "Image", "")).isEqualTo(docker.run("inspect", "-f", "{{.Image}}", id));
    assertThat(Json.number(Json.object(inspect, "HostConfig"), "Memory", 0)).isEqualTo(64L << 20);
    assertThat(Json.strings(Json.object(inspect, "Config"), "Labels"))
        .containsEntry("quote", "a\"b\\c").containsEntry("unicode", "żółw");
  }

  @Test
  void aMissingContainerIsNotFound() {
    assertThatThrownBy(() -> api.inspect(P + "never-created"))
        .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.notFound()).isTrue())
        .hasMessageContaining("No such container");
  }

  @Test
  void startRestartAndStatsActOnTheContainer() throws Exception {
    docker.runDetached(P + "actions", "api", "--network", "none", IMAGE, "sleep", "300");
    String id = docker.run("inspect", "-f", "{{.Id}}", P + "actions");
    assertThatThrownBy(() -> api.start(id))
        .isInstanceOfSatisfying(DockerException.class, e -> assertThat(e.notModified()).isTrue());

    String started = docker.run("inspect", "-f", "{{.State.StartedAt}}", id);
    api.restart(id, Duration.ofSeconds(1));
    assertThat(docker.run("inspect", "-f", "{{.State.StartedAt}}", id)).isNotEqualTo(started);

    docker.run("kill", id);
    assertThat(docker.run("inspect", "-f", "{{.State.Running}}", id)).isEqualTo("false");
    api.start(id);
    assertThat(docker.run("inspect", "-f", "{{.State.Running}}", id)).isEqualTo("true");

    Map<String, Object> stats = api.stats(id);
    assertThat(stats.get("id")).isEqualTo(id);
    assertThat(Json.number(Json.object(stats, "pids_stats"), "current", 0)).isPositive();
  }

  @Test
  void theEventsStreamBringsTheFilteredActionsOfContainers() throws Exception {
    List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();
    List<Throwable> ends = new CopyOnWriteArrayList<>();
    try (EventStream stream = api.events(0, List.of("start", "die"), new EventStream.Listener() {
      @Override
      public void onEvent(Map<String, Object> event) {
        seen.add(event);
      }

      @Override
      public void onEnd(Throwable error) {
        ends.add(error == null ? new IllegalStateException("ended") : error);
      }
    })) {
      docker.runDetached(P + "events", "api", "--network", "none", IMAGE, "sh", "-c", "exit 4");
      String id = docker.run("inspect", "-f", "{{.Id}}", P + "events");
      await("start and die of " + P + "events", Duration.ofSeconds(20), () -> seen.stream()
          .filter(e -> id.equals(Json.string(Json.object(e, "Actor"), "ID", null)))
          .map(e -> Json.string(e, "Action", "")).toList().equals(List.of("start", "die")));
      Map<String, Object> die = seen.stream().filter(e -> "die".equals(e.get("Action")))
          .filter(e -> id.equals(Json.string(Json.object(e, "Actor"), "ID", null)))
          .findFirst().orElseThrow();
      assertThat(Json.string(die, "Type", "")).isEqualTo("container");
      assertThat(Json.strings(Json.object(die, "Actor"), "Attributes"))
          .containsEntry("exitCode", "4").containsEntry("name", P + "events");
      // "create" happened too, but the filter keeps it away.
      assertThat(seen).allMatch(e -> List.of("start", "die").contains(e.get("Action")));
      assertThat(ends).isEmpty();
    }
  }
}
