package io.github.microc.exporter.docker.watchdog;

import static io.github.microc.exporter.docker.client.Json.isTrue;
import static io.github.microc.exporter.docker.client.Json.number;
import static io.github.microc.exporter.docker.client.Json.object;
import static io.github.microc.exporter.docker.client.Json.string;
import static io.github.microc.exporter.docker.client.Json.strings;

import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.time.Instant;
import java.util.Map;

/** Turns Docker's answers into {@link ContainerFacts}. */
final class DockerFacts {

  private DockerFacts() {}

  /** The facts of an inspected container ({@code GET /containers/{id}/json}). */
  static ContainerFacts from(Map<String, Object> inspect) {
    Map<String, Object> state = object(inspect, "State");
    Map<String, Object> host = object(inspect, "HostConfig");
    return new ContainerFacts(
        string(inspect, "Id", ""),
        name(string(inspect, "Name", null)),
        strings(object(inspect, "Config"), "Labels"),
        string(state, "Status", ""),
        number(state, "ExitCode", 0),
        isTrue(state, "OOMKilled"),
        string(object(state, "Health"), "Status", ""),
        string(object(host, "RestartPolicy"), "Name", ""),
        isTrue(host, "AutoRemove"),
        ContainerInfo.parseTime(string(state, "StartedAt", null)),
        ContainerInfo.parseTime(string(state, "FinishedAt", null)));
  }

  /**
   * The facts a {@code die} event carries (its attributes hold the name, the labels and
   * {@code exitCode}), for a container that is gone before it could be inspected.
   */
  static ContainerFacts fromDieEvent(String id, Map<String, String> attributes, Instant now) {
    long exitCode;
    try {
      exitCode = Long.parseLong(attributes.getOrDefault("exitCode", "0"));
    } catch (NumberFormatException e) {
      exitCode = 0;
    }
    return new ContainerFacts(id, name(attributes.get("name")), attributes, "exited", exitCode,
        false, "", "", false, null, now);
  }

  /** A name without Docker's leading slash; the first of several. */
  static String name(String... names) {
    if (names == null || names.length == 0 || names[0] == null) {
      return "";
    }
    return names[0].startsWith("/") ? names[0].substring(1) : names[0];
  }
}
