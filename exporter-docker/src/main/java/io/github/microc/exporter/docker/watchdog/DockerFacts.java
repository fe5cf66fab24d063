package io.github.microc.exporter.docker.watchdog;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.model.HostConfig;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Turns Docker's answers into {@link ContainerFacts}. */
final class DockerFacts {

  private DockerFacts() {}

  /** The facts of an inspected container. */
  static ContainerFacts from(InspectContainerResponse inspect) {
    ContainerState state = inspect.getState();
    HostConfig host = inspect.getHostConfig();
    Map<String, String> labels = inspect.getConfig() == null ? Map.of()
        : inspect.getConfig().getLabels();
    return new ContainerFacts(
        inspect.getId(),
        name(inspect.getName()),
        labels,
        state == null ? "" : state.getStatus(),
        state == null || state.getExitCodeLong() == null ? 0 : state.getExitCodeLong(),
        state != null && Boolean.TRUE.equals(state.getOOMKilled()),
        state == null || state.getHealth() == null ? "" : state.getHealth().getStatus(),
        host == null || host.getRestartPolicy() == null ? "" : host.getRestartPolicy().getName(),
        host != null && Boolean.TRUE.equals(host.getAutoRemove()),
        time(state == null ? null : state.getStartedAt()),
        time(state == null ? null : state.getFinishedAt()));
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

  /** Docker's RFC 3339 time; null for its zero time or anything unreadable. */
  static Instant time(String value) {
    if (value == null || value.isEmpty() || value.startsWith("0001-")) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
