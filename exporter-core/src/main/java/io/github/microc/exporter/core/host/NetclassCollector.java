package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Network interfaces' link state and properties from sysfs ({@code class/net/<device>/*}), as
 * node_exporter 1.5's netclass collector reads them.
 *
 * <pre>
 * node_network_up{device="eth0"} 1
 * node_network_carrier{device="eth0"} 1
 * node_network_speed_bytes{device="eth0"} 1.25e+08
 * node_network_info{address="02:fc:00:00:00:01",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="",operstate="up"} 1
 * node_network_mtu_bytes{device="eth0"} 1500
 * </pre>
 *
 * <p>A property whose file is missing or that the driver refuses to give (the carrier and the
 * speed of a link that is down answer {@code EINVAL}) has no series, as in node_exporter; one
 * whose file holds no integer (empty, or beyond int64) is 0, as there. The speed is the file's
 * Mbit/s times 125,000, and -1 ("unknown") stays -125000 unless {@code ignore-invalid-speed}. Every interface's files are kept open while it is listed; the
 * directory is listed once a scrape. {@code ignored-devices} leaves interfaces out.
 * Thread-safe.
 */
public final class NetclassCollector implements MultiCollector, AutoCloseable {

  /** The files read of each interface; their index is the column of a device's values. */
  static final String[] FILES = {"addr_assign_type", "address", "broadcast", "carrier",
      "carrier_changes", "carrier_down_count", "carrier_up_count", "dev_id", "dormant", "duplex",
      "flags", "ifalias", "ifindex", "iflink", "link_mode", "mtu", "name_assign_type",
      "netdev_group", "operstate", "speed", "tx_queue_len", "type"};
  private static final int ADDRESS = 1;
  private static final int BROADCAST = 2;
  private static final int DUPLEX = 9;
  private static final int IFALIAS = 11;
  private static final int OPERSTATE = 18;
  private static final int SPEED = 19;

  /** The numeric families, in node_exporter's names, with the file each comes from. */
  private static final Property[] PROPERTIES = {
      new Property("address_assign_type", 0, false),
      new Property("carrier", 3, false),
      new Property("carrier_changes_total", 4, true),
      new Property("carrier_down_changes_total", 5, true),
      new Property("carrier_up_changes_total", 6, true),
      new Property("device_id", 7, false),
      new Property("dormant", 8, false),
      new Property("flags", 10, false),
      new Property("iface_id", 12, false),
      new Property("iface_link", 13, false),
      new Property("iface_link_mode", 14, false),
      new Property("mtu_bytes", 15, false),
      new Property("name_assign_type", 16, false),
      new Property("net_dev_group", 17, false),
      new Property("protocol_type", 21, false),
      new Property("transmit_queue_length", 20, false)};

  private final Path classNet;
  private final Pattern ignored;
  private final boolean ignoreInvalidSpeed;
  private final Map<String, Device> devices = new ConcurrentHashMap<>();

  /**
   * @param classNet sysfs's {@code class/net}
   * @param ignored interfaces to leave out (matched anywhere in the name unless anchored)
   * @param ignoreInvalidSpeed whether a negative speed is left out rather than exposed
   */
  NetclassCollector(Path classNet, Pattern ignored, boolean ignoreInvalidSpeed) {
    this.classNet = classNet;
    this.ignored = ignored;
    this.ignoreInvalidSpeed = ignoreInvalidSpeed;
  }

  @Override
  public MetricSnapshots collect() {
    List<String> names;
    try {
      names = Sysfs.devices(classNet);
    } catch (NoSuchFileException | AccessDeniedException e) {
      throw new NoDataException("cannot list " + classNet);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + classNet, e);
    }
    MetricFamily up = MetricFamily.gauge("node_network_up",
        "Value is 1 if operstate is 'up', 0 otherwise.", "device");
    MetricFamily info = MetricFamily.info("node_network_info",
        "Non-numeric data from /sys/class/net/<iface>, value is always 1.", "device", "address",
        "broadcast", "duplex", "operstate", "ifalias");
    MetricFamily speed = property("speed_bytes", false);
    MetricFamily[] numeric = new MetricFamily[PROPERTIES.length];
    Set<String> listed = new HashSet<>();
    for (String name : names) {
      if (ignored.matcher(name).find()) {
        continue;
      }
      listed.add(name);
      Device device = devices.computeIfAbsent(name, d -> new Device(classNet.resolve(d), d));
      String[] values = device.read();
      if (Arrays.stream(values).allMatch(v -> v == null)) {
        // Gone since the listing (or a dangling link): node_exporter would report nothing at
        // all for that scrape; the other interfaces are still worth reporting.
        continue;
      }
      String operstate = orEmpty(values[OPERSTATE]);
      up.add(operstate.equals("up") ? 1 : 0, device.labels);
      info.addInfo(name, orEmpty(values[ADDRESS]), orEmpty(values[BROADCAST]),
          orEmpty(values[DUPLEX]), operstate, orEmpty(values[IFALIAS]));
      for (int i = 0; i < PROPERTIES.length; i++) {
        String text = values[PROPERTIES[i].file];
        if (text != null) {
          if (numeric[i] == null) {
            numeric[i] = property(PROPERTIES[i].name, PROPERTIES[i].counter);
          }
          numeric[i].add(number(text), device.labels);
        }
      }
      if (values[SPEED] != null) {
        long mbits = number(values[SPEED]);
        if (mbits >= 0 || !ignoreInvalidSpeed) {
          speed.add(speedBytes(mbits), device.labels);
        }
      }
    }
    // An interface that went away: its files are let go.
    HostFiles.closeGone(devices, listed, Device::close);
    List<MetricSnapshot> snapshots = new ArrayList<>();
    if (!up.isEmpty()) {
      snapshots.add(up.build());
      snapshots.add(info.build());
    }
    for (MetricFamily family : numeric) {
      if (family != null) {
        snapshots.add(family.build());
      }
    }
    if (!speed.isEmpty()) {
      snapshots.add(speed.build());
    }
    return new MetricSnapshots(snapshots);
  }

  /**
   * A readable file's integer; 0 for text that is not one (empty, "abc", beyond int64), as
   * node_exporter's parser gives it.
   */
  static long number(String text) {
    long value = Sysfs.parseInt(text);
    return value == PseudoFiles.NOT_A_NUMBER ? 0 : value;
  }

  /** Bytes per second from sysfs's Mbit/s, in Go's int64 arithmetic as node_exporter has it. */
  static long speedBytes(long mbits) {
    return mbits * 1000 * 1000 / 8;
  }

  private static MetricFamily property(String name, boolean counter) {
    String fullName = "node_network_" + name;
    String help = "Network device property: " + name;
    return counter ? MetricFamily.counter(fullName, help, "device")
        : MetricFamily.gauge(fullName, help, "device");
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  @Override
  public void close() {
    devices.values().forEach(Device::close);
    devices.clear();
  }

  private record Property(String name, int file, boolean counter) {}

  /** One interface's files, kept open, and its label set. */
  private static final class Device {
    final Labels labels;
    final PseudoFile[] files;

    Device(Path directory, String name) {
      labels = Labels.of("device", name);
      files = new PseudoFile[FILES.length];
      for (int i = 0; i < FILES.length; i++) {
        files[i] = new PseudoFile(directory.resolve(FILES[i]));
      }
    }

    /** Each file's value in the order of {@link #FILES}; null where it cannot be read. */
    String[] read() {
      String[] values = new String[files.length];
      for (int i = 0; i < files.length; i++) {
        values[i] = Sysfs.read(files[i]);
      }
      return values;
    }

    void close() {
      Arrays.stream(files).forEach(PseudoFile::close);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "netclass";
    }

    @Override
    public String description() {
      return "Network interfaces' link state, speed, MTU and addresses from /sys/class/net "
          + "(node_network_up, node_network_info, ...).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new NetclassCollector(context.hostPaths().sys("class", "net"),
          context.config().getRegex("ignored-devices"),
          context.config().getBoolean("ignore-invalid-speed"));
    }
  }
}
