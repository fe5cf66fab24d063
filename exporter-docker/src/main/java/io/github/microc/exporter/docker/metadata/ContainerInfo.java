package io.github.microc.exporter.docker.metadata;

import static io.github.microc.exporter.docker.client.Json.array;
import static io.github.microc.exporter.docker.client.Json.isTrue;
import static io.github.microc.exporter.docker.client.Json.number;
import static io.github.microc.exporter.docker.client.Json.object;
import static io.github.microc.exporter.docker.client.Json.string;
import static io.github.microc.exporter.docker.client.Json.strings;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
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
 * @param detail what the disk usage and memory spec families need besides
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
    long oomEvents,
    Detail detail) {

  /** The kernel's default CFS period, which Docker uses for {@code --cpus}. */
  static final long DEFAULT_CFS_PERIOD_US = 100_000;

  public ContainerInfo {
    labels = Map.copyOf(labels);
    detail = detail == null ? Detail.NONE : detail;
  }

  /** A container whose files are not known. */
  public ContainerInfo(String id, String name, String image, String imageId,
      Map<String, String> labels, String state, long pid, long exitCode, long restartCount,
      boolean oomKilled, Instant startedAt, String health, String networkMode, long cpuQuota,
      long cpuPeriod, long cpuShares, long memoryLimit, long oomEvents) {
    this(id, name, image, imageId, labels, state, pid, exitCode, restartCount, oomKilled,
        startedAt, health, networkMode, cpuQuota, cpuPeriod, cpuShares, memoryLimit, oomEvents,
        Detail.NONE);
  }

  /**
   * What the disk usage and memory spec families need from inspect: the host paths of the
   * container's files, its memory reservation and swap.
   *
   * @param upperDir the writable layer ({@code GraphDriver.Data.UpperDir}); empty when the
   *     storage driver does not say (it is not overlay2)
   * @param containerDir the daemon's directory of the container (logs, hostname, resolv.conf):
   *     the directory of {@code HostnamePath}; empty when unknown
   * @param volumes the sources of its mounts of the {@code local} volume driver
   * @param memoryReservation {@code HostConfig.MemoryReservation}, 0 for none
   * @param memorySwap {@code HostConfig.MemorySwap}: memory and swap together, -1 unlimited,
   *     0 for the daemon's default
   */
  public record Detail(String upperDir, String containerDir, List<String> volumes,
      long memoryReservation, long memorySwap) {
    public static final Detail NONE = new Detail("", "", List.of(), 0, 0);

    public Detail {
      volumes = List.copyOf(volumes);
    }
  }

  /** Whether the container has processes whose cgroup can be read. */
  public boolean running() {
    return pid > 0 && (state.equals("running") || state.equals("paused") || state.equals("restarting"));
  }

  /** The same container with {@code n} more OOM events. */
  public ContainerInfo withOomEvents(long n) {
    return new ContainerInfo(id, name, image, imageId, labels, state, pid, exitCode, restartCount,
        oomKilled, startedAt, health, networkMode, cpuQuota, cpuPeriod, cpuShares, memoryLimit, n,
        detail);
  }

  /** Reads an inspect answer ({@code GET /containers/{id}/json}); {@code oomEvents} carries over the count seen so far. */
  public static ContainerInfo from(Map<String, Object> inspect, long oomEvents) {
    Map<String, Object> s = object(inspect, "State");
    Map<String, Object> config = object(inspect, "Config");
    Map<String, Object> host = object(inspect, "HostConfig");
    long period = number(host, "CpuPeriod", 0);
    if (period <= 0) {
      period = DEFAULT_CFS_PERIOD_US;
    }
    long nanoCpus = number(host, "NanoCpus", 0);
    long setQuota = number(host, "CpuQuota", 0);
    long quota = nanoCpus > 0 ? nanoCpus * period / 1_000_000_000L : Math.max(setQuota, 0);
    long shares = number(host, "CpuShares", 0);
    String name = string(inspect, "Name", "");
    return new ContainerInfo(
        string(inspect, "Id", ""),
        name.startsWith("/") ? name.substring(1) : name,
        string(config, "Image", ""),
        string(inspect, "Image", ""),
        new TreeMap<>(strings(config, "Labels")),
        string(s, "Status", "unknown"),
        Math.max(number(s, "Pid", 0), 0),
        number(s, "ExitCode", 0),
        number(inspect, "RestartCount", 0),
        isTrue(s, "OOMKilled"),
        parseTime(string(s, "StartedAt", null)),
        string(object(s, "Health"), "Status", ""),
        string(host, "NetworkMode", ""),
        quota,
        period,
        shares > 0 ? shares : 1024,
        Math.max(number(host, "Memory", 0), 0),
        oomEvents,
        detail(inspect, host));
  }

  /** The host paths of the container's writable layer, its directory and its local volumes. */
  static Detail detail(Map<String, Object> inspect, Map<String, Object> host) {
    String upper = string(object(object(inspect, "GraphDriver"), "Data"), "UpperDir", "");
    String hostname = string(inspect, "HostnamePath", "");
    int slash = hostname.lastIndexOf('/');
    String dir = slash > 0 && hostname.endsWith("/hostname") ? hostname.substring(0, slash) : "";
    List<String> volumes = new ArrayList<>();
    for (Object m : array(inspect.get("Mounts"))) {
      Map<String, Object> mount = object(m);
      String source = string(mount, "Source", "");
      if ("volume".equals(string(mount, "Type", "")) && "local".equals(string(mount, "Driver", ""))
          && source.startsWith("/")) {
        volumes.add(source);
      }
    }
    return new Detail(upper, dir, volumes, Math.max(number(host, "MemoryReservation", 0), 0),
        number(host, "MemorySwap", 0));
  }

  /**
   * The name of an entry of {@code GET /containers/json}: the first of its {@code Names},
   * without Docker's leading slash; empty when it has none.
   */
  public static String listedName(Map<String, Object> listed) {
    List<Object> names = array(listed.get("Names"));
    if (names.isEmpty() || !(names.get(0) instanceof String first)) {
      return "";
    }
    return first.startsWith("/") ? first.substring(1) : first;
  }

  /** Docker's RFC 3339 time; its zero time ({@code 0001-01-01...}) means never. */
  public static Instant parseTime(String text) {
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
