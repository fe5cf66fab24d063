package io.github.microc.exporter.docker.metadata;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Microc knows about one container, from {@code docker inspect}. Immutable.
 *
 * @param id the full container id
 * @param name the name without the leading slash
 * @param image the image as the container was created with it ({@code Config.Image})
 * @param imageId the image's id ({@code sha256:...})
 * @param labels all the container's labels (the collector exports only allow-listed ones)
 * @param state created, restarting, running, removing, paused, exited or dead
 * @param pid the main process on the host, 0 when not running
 * @param exitCode the last exit code
 * @param restartCount restarts by the daemon's restart policy
 * @param oomKilled whether the last exit was an OOM kill
 * @param startedAt when it last started, null when never
 * @param health starting, healthy or unhealthy; empty without a health check
 * @param networkMode {@code host}, {@code none}, {@code container:<id>}, a network name...
 * @param cpuQuota CFS quota in microseconds per period, 0 when unlimited
 * @param cpuPeriod CFS period in microseconds
 * @param cpuShares relative CPU weight
 * @param memoryLimit the memory limit in bytes, 0 for none
 * @param oomEvents OOM events seen on the events stream since Microc started
 */
public record ContainerInfo(
    String id,
    String name,
    String image,
    String imageId,
    Map<String, String> labels,
    String state,
    long pid,
    long exitCode,
    long restartCount,
    boolean oomKilled,
    Instant startedAt,
    String health,
    String networkMode,
    long cpuQuota,
    long cpuPeriod,
    long cpuShares,
    long memoryLimit,
    long oomEvents) {

  /** The kernel's default CFS period, which Docker uses for {@code --cpus}. */
  static final long DEFAULT_CFS_PERIOD_US = 100_000;

  public ContainerInfo {
    labels = Map.copyOf(labels);
  }

  /** Whether the container has processes whose cgroup can be read. */
  public boolean running() {
    return pid > 0 && (state.equals("running") || state.equals("paused") || state.equals("restarting"));
  }

  /** The same container with {@code n} more OOM events. */
  public ContainerInfo withOomEvents(long n) {
    return new ContainerInfo(id, name, image, imageId, labels, state, pid, exitCode, restartCount,
        oomKilled, startedAt, health, networkMode, cpuQuota, cpuPeriod, cpuShares, memoryLimit, n);
  }

  /** Reads an inspect response; {@code oomEvents} carries over the count seen so far. */
  public static ContainerInfo from(InspectContainerResponse r, long oomEvents) {
    InspectContainerResponse.ContainerState s = r.getState();
    var config = r.getConfig();
    HostConfig host = r.getHostConfig();
    Map<String, String> labels = config == null || config.getLabels() == null ? Map.of()
        : new TreeMap<>(config.getLabels());
    String name = r.getName() == null ? "" : r.getName();
    long quota = 0;
    long period = DEFAULT_CFS_PERIOD_US;
    long shares = 1024;
    long memory = 0;
    String networkMode = "";
    if (host != null) {
      long nanoCpus = host.getNanoCPUs() == null ? 0 : host.getNanoCPUs();
      long setPeriod = host.getCpuPeriod() == null ? 0 : host.getCpuPeriod();
      long setQuota = host.getCpuQuota() == null ? 0 : host.getCpuQuota();
      if (setPeriod > 0) {
        period = setPeriod;
      }
      if (nanoCpus > 0) {
        quota = nanoCpus * period / 1_000_000_000L;
      } else if (setQuota > 0) {
        quota = setQuota;
      }
      if (host.getCpuShares() != null && host.getCpuShares() > 0) {
        shares = host.getCpuShares();
      }
      networkMode = host.getNetworkMode() == null ? "" : host.getNetworkMode();
      memory = host.getMemory() == null || host.getMemory() < 0 ? 0 : host.getMemory();
    }
    String health = "";
    if (s != null && s.getHealth() != null && s.getHealth().getStatus() != null) {
      health = s.getHealth().getStatus();
    }
    return new ContainerInfo(
        r.getId(),
        name.startsWith("/") ? name.substring(1) : name,
        config == null || config.getImage() == null ? "" : config.getImage(),
        r.getImageId() == null ? "" : r.getImageId(),
        labels,
        s == null || s.getStatus() == null ? "unknown" : s.getStatus(),
        s == null || s.getPidLong() == null ? 0 : s.getPidLong(),
        s == null || s.getExitCodeLong() == null ? 0 : s.getExitCodeLong(),
        r.getRestartCount() == null ? 0 : r.getRestartCount(),
        s != null && Boolean.TRUE.equals(s.getOOMKilled()),
        s == null ? null : parseTime(s.getStartedAt()),
        health,
        networkMode,
        quota,
        period,
        shares,
        memory,
        oomEvents);
  }

  /** Docker's RFC 3339 time; its zero time ({@code 0001-01-01...}) means never. */
  static Instant parseTime(String text) {
    if (text == null || text.isEmpty() || text.startsWith("0001-")) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
