package io.github.microc.exporter.docker.watchdog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What the watchdog knows about one container at one moment, from {@code docker inspect} or,
 * when the container is already gone, from the event that announced its end.
 *
 * @param id the full container id
 * @param name the name without the leading slash
 * @param labels the container's labels
 * @param state Docker's state: {@code created, running, paused, restarting, removing, exited,
 *     dead}
 * @param exitCode the last exit code; 0 when unknown
 * @param oomKilled whether the kernel OOM-killed its last run
 * @param health {@code healthy, unhealthy, starting}, or empty without a health check
 * @param restartPolicy Docker's restart policy name ({@code no, always, unless-stopped,
 *     on-failure}); empty when unknown
 * @param autoRemove whether the container is removed when it stops ({@code --rm})
 * @param startedAt when its last run started; null when unknown
 * @param finishedAt when its last run ended; null when unknown or running
 */
public record ContainerFacts(
    String id,
    String name,
    Map<String, String> labels,
    String state,
    long exitCode,
    boolean oomKilled,
    String health,
    String restartPolicy,
    boolean autoRemove,
    Instant startedAt,
    Instant finishedAt) {

  public ContainerFacts {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    state = state == null ? "" : state;
    health = health == null ? "" : health;
    restartPolicy = restartPolicy == null ? "" : restartPolicy;
  }

  public boolean running() {
    return state.equals("running");
  }

  public boolean exited() {
    return state.equals("exited");
  }

  public boolean unhealthy() {
    return health.equals("unhealthy");
  }

  /** Whether Docker itself starts the container again after it exits. */
  public boolean restartedByDocker() {
    return switch (restartPolicy) {
      case "always", "unless-stopped", "on-failure" -> true;
      default -> false;
    };
  }

  /** Identifies one end of one container, so that the same death is judged once. */
  String deathKey() {
    return id + "@" + (finishedAt == null ? "?" : finishedAt.toString());
  }

  /** Identifies one run of one container. */
  String runKey() {
    return id + "@" + (startedAt == null ? "?" : startedAt.toString());
  }

  /** The first 12 characters of the id, as {@code docker ps} shows it. */
  String shortId() {
    return shortId(id);
  }

  static String shortId(String id) {
    return id == null ? "" : id.length() > 12 ? id.substring(0, 12) : id;
  }
}
