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
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * InfiniBand adapters' port states, rates and counters from sysfs's {@code class/infiniband},
 * as node_exporter 1.5's infiniband collector exposes them:
 *
 * <pre>
 * node_infiniband_info{board_id="MT_0000000010",device="mlx5_0",firmware_version="16.35.2000",hca_type="MT4119"} 1
 * node_infiniband_state_id{device="mlx5_0",port="1"} 4
 * node_infiniband_rate_bytes_per_second{device="mlx5_0",port="1"} 1.25e+10
 * node_infiniband_port_data_received_bytes_total{device="mlx5_0",port="1"} 2.8e+07
 * </pre>
 *
 * <p>Data counters count 4-byte words; they are exposed in bytes. A counter the adapter does not
 * have ({@code N/A (no PMA)}, a file missing or refused) has no series. As in node_exporter, a
 * required file missing ({@code board_id}, a port's {@code state}, {@code rate}, its
 * {@code counters}) is no data, and one that does not parse fails the collection. The devices are
 * listed once a scrape, a device's ports and counters when it appears, and the files kept
 * open. Thread-safe.
 */
public final class InfinibandCollector implements MultiCollector, AutoCloseable {

  /** Counter file, node_exporter's family (after node_infiniband_), its HELP; data in words. */
  private static final String[][] COUNTERS = {
      {"excessive_buffer_overrun_errors", "excessive_buffer_overrun_errors_total", "Number of times that OverrunErrors consecutive flow control update periods occurred, each having at least one overrun error."},
      {"link_downed", "link_downed_total", "Number of times the link failed to recover from an error state and went down"},
      {"link_error_recovery", "link_error_recovery_total", "Number of times the link successfully recovered from an error state"},
      {"local_link_integrity_errors", "local_link_integrity_errors_total", "Number of times that the count of local physical errors exceeded the threshold specified by LocalPhyErrors."},
      {"multicast_rcv_packets", "multicast_packets_received_total", "Number of multicast packets received (including errors)"},
      {"multicast_xmit_packets", "multicast_packets_transmitted_total", "Number of multicast packets transmitted (including errors)"},
      {"port_rcv_constraint_errors", "port_constraint_errors_received_total", "Number of packets received on the switch physical port that are discarded"},
      {"port_rcv_data", "port_data_received_bytes_total", "Number of data octets received on all links"},
      {"port_rcv_discards", "port_discards_received_total", "Number of inbound packets discarded by the port because the port is down or congested"},
      {"port_rcv_errors", "port_errors_received_total", "Number of packets containing an error that were received on this port"},
      {"port_rcv_packets", "port_packets_received_total", "Number of packets received on all VLs by this port (including errors)"},
      {"port_rcv_remote_physical_errors", "port_receive_remote_physical_errors_total", "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the port."},
      {"port_rcv_switch_relay_errors", "port_receive_switch_relay_errors_total", "Number of packets that could not be forwarded by the switch."},
      {"port_xmit_constraint_errors", "port_constraint_errors_transmitted_total", "Number of packets not transmitted from the switch physical port"},
      {"port_xmit_data", "port_data_transmitted_bytes_total", "Number of data octets transmitted on all links"},
      {"port_xmit_discards", "port_discards_transmitted_total", "Number of outbound packets discarded by the port because the port is down or congested"},
      {"port_xmit_packets", "port_packets_transmitted_total", "Number of packets transmitted on all VLs from this port (including errors)"},
      {"port_xmit_wait", "port_transmit_wait_total", "Number of ticks during which the port had data to transmit but no data was sent during the entire tick"},
      {"symbol_error", "symbol_error_total", "Number of minor link errors detected on one or more physical lanes."},
      {"unicast_rcv_packets", "unicast_packets_received_total", "Number of unicast packets received (including errors)"},
      {"unicast_xmit_packets", "unicast_packets_transmitted_total", "Number of unicast packets transmitted (including errors)"},
      {"VL15_dropped", "vl15_dropped_total", "Number of incoming VL15 packets dropped due to resource limitations."}};
  /** The same for {@code counters_ext}, the 64-bit counters of older adapters. */
  private static final String[][] EXT_COUNTERS = {
      {"port_multicast_rcv_packets", "legacy_multicast_packets_received_total", "Number of multicast packets received"},
      {"port_multicast_xmit_packets", "legacy_multicast_packets_transmitted_total", "Number of multicast packets transmitted"},
      {"port_rcv_data_64", "legacy_data_received_bytes_total", "Number of data octets received on all links"},
      {"port_rcv_packets_64", "legacy_packets_received_total", "Number of data packets received on all links"},
      {"port_unicast_rcv_packets", "legacy_unicast_packets_received_total", "Number of unicast packets received"},
      {"port_unicast_xmit_packets", "legacy_unicast_packets_transmitted_total", "Number of unicast packets transmitted"},
      {"port_xmit_data_64", "legacy_data_transmitted_bytes_total", "Number of data octets transmitted on all links"},
      {"port_xmit_packets_64", "legacy_packets_transmitted_total", "Number of data packets received on all links"}};
  private static final Map<String, String[]> BY_FILE = new HashMap<>();

  static {
    for (String[] c : COUNTERS) {
      BY_FILE.put("counters/" + c[0], c);
    }
    for (String[] c : EXT_COUNTERS) {
      BY_FILE.put("counters_ext/" + c[0], c);
    }
  }

  private final Path classInfiniband;
  private final Map<String, Device> devices = new HashMap<>();

  /** @param classInfiniband sysfs's {@code class/infiniband} */
  InfinibandCollector(Path classInfiniband) {
    this.classInfiniband = classInfiniband;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.listClass(classInfiniband);
    HostFiles.closeGone(devices, names, Device::close);
    MetricFamily info = MetricFamily.info("node_infiniband_info",
        "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.", "board_id",
        "device", "firmware_version", "hca_type");
    MetricFamily state = gauge("state_id", "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)");
    MetricFamily physState = gauge("physical_state_id", "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: link up, 6: link error recover, 7: phytest)");
    MetricFamily rate = gauge("rate_bytes_per_second", "Maximum signal transfer rate");
    Map<String, MetricFamily> counters = new TreeMap<>();
    // node_exporter reads every device before it exposes any: a failure exposes nothing.
    List<Device> read = new ArrayList<>();
    for (String name : names) {
      Device device = devices.get(name);
      if (device == null) {
        device = Device.discover(classInfiniband.resolve(name), name);
        devices.put(name, device);
      }
      device.read();
      read.add(device);
    }
    for (Device device : read) {
      info.addInfo(device.values[0], device.name, device.values[1], device.values[2]);
      for (Port port : device.ports) {
        state.add(port.stateId, port.labels);
        physState.add(port.physStateId, port.labels);
        rate.add(CpufreqCollector.unsignedToDouble(port.rate), port.labels);
        for (int i = 0; i < port.counterKeys.size(); i++) {
          long value = port.counterValues[i];
          if (value == NONE) {
            continue;
          }
          String[] c = port.counterKeys.get(i);
          counters.computeIfAbsent(c[1], n -> MetricFamily.counter("node_infiniband_" + n, c[2],
              "device", "port")).add(CpufreqCollector.unsignedToDouble(value), port.labels);
        }
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    if (!info.isEmpty()) {
      snapshots.add(info.build());
    }
    for (MetricFamily family : new MetricFamily[] {state, physState, rate}) {
      if (!family.isEmpty()) {
        snapshots.add(family.build());
      }
    }
    counters.values().forEach(f -> snapshots.add(f.build()));
    return new MetricSnapshots(snapshots);
  }

  private static MetricFamily gauge(String name, String help) {
    return MetricFamily.gauge("node_infiniband_" + name, help, "device", "port");
  }

  /** A counter that has no value this time (so far the marker of {@link PseudoFiles}). */
  private static final long NONE = PseudoFiles.NOT_A_NUMBER;

  /** {@code "4: ACTIVE"}'s 4: two parts around the colon, the first a 32-bit unsigned decimal. */
  static long stateId(Path file, String text) {
    String[] parts = text.split(":", -1);
    long id = parts.length == 2 ? Sysfs.parseDecimal(parts[0].strip(), true) : NONE;
    if (id == NONE || id > 0xFFFF_FFFFL) {
      throw new IllegalStateException("could not parse " + file + ": \"" + text.strip() + "\"");
    }
    return id;
  }

  /**
   * {@code "100 Gb/sec (4X EDR)"} in bytes per second: the number before the first blank, read
   * as a 32-bit float as node_exporter reads it, times 125,000,000.
   */
  static long rate(Path file, String text) {
    int blank = text.indexOf(' ');
    String number = blank < 0 ? null : text.substring(0, blank).strip();
    if (number == null || Sysfs.parseFloat(number) == null) {
      throw new IllegalStateException("could not parse " + file + ": \"" + text.strip() + "\"");
    }
    double value = Float.parseFloat(number);
    return goUint64(value * 125000000);
  }

  /** Go's {@code uint64(f)} for the values a rate can have: truncated toward zero. */
  private static long goUint64(double value) {
    if (value >= 0x1p63) {
      return (long) (value - 0x1p63) ^ Long.MIN_VALUE;
    }
    return (long) value;
  }

  /**
   * A counter's value as node_exporter's parser reads it (Go's base-0 unsigned 64-bit
   * integer); {@link #NONE} for {@code N/A (no PMA)}; anything else fails.
   */
  static long counter(Path file, String text) {
    Long value = Sysfs.parseUint64(text);
    if (value == null) {
      if (text.contains("N/A (no PMA)")) {
        return NONE;
      }
      throw new IllegalStateException(file + ": not an unsigned integer: \"" + text + "\"");
    }
    return value;
  }

  @Override
  public synchronized void close() {
    devices.values().forEach(Device::close);
    devices.clear();
  }

  /** An adapter: its board, firmware and HCA type files and its ports. */
  private static final class Device {
    final String name;
    final PseudoFile[] files;
    final List<Port> ports;
    final String[] values = new String[3];

    private Device(String name, PseudoFile[] files, List<Port> ports) {
      this.name = name;
      this.files = files;
      this.ports = ports;
    }

    static Device discover(Path dir, String name) {
      PseudoFile[] files = {new PseudoFile(dir.resolve("board_id")),
          new PseudoFile(dir.resolve("fw_ver")), new PseudoFile(dir.resolve("hca_type"))};
      List<Port> ports = new ArrayList<>();
      Path portsDir = dir.resolve("ports");
      if (!Files.isDirectory(portsDir)) {
        throw new NoDataException("no " + portsDir);
      }
      for (String port : entries(portsDir)) {
        long number = Sysfs.parseDecimal(port, true);
        if (number == NONE || number > 0xFFFF_FFFFL) {
          throw new IllegalStateException("failed to convert " + port + " into uint (" + portsDir + ")");
        }
        ports.add(Port.discover(portsDir.resolve(port), name, Long.toString(number)));
      }
      return new Device(name, files, ports);
    }

    void read() {
      values[0] = Sysfs.value(HostFiles.readRequired(files[0]));
      values[1] = Sysfs.value(HostFiles.readRequired(files[1]));
      try {
        values[2] = Sysfs.value(files[2].read(StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        values[2] = ""; // older adapters have no hca_type
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + files[2], e);
      }
      ports.forEach(Port::read);
    }

    void close() {
      for (PseudoFile file : files) {
        file.close();
      }
      ports.forEach(Port::close);
    }
  }

  /** One port: its state, physical state and rate files and its counters, kept open. */
  private static final class Port {
    final Labels labels;
    final PseudoFile state;
    final PseudoFile physState;
    final PseudoFile rateFile;
    final List<String[]> counterKeys;
    final List<PseudoFile> counterFiles;
    long stateId;
    long physStateId;
    long rate;
    long[] counterValues;

    private Port(Path dir, String device, String port, List<String[]> keys, List<PseudoFile> files) {
      this.labels = Labels.of("device", device, "port", port);
      this.state = new PseudoFile(dir.resolve("state"));
      this.physState = new PseudoFile(dir.resolve("phys_state"));
      this.rateFile = new PseudoFile(dir.resolve("rate"));
      this.counterKeys = keys;
      this.counterFiles = files;
      this.counterValues = new long[files.size()];
    }

    /** The port's counter files ({@code counters} must be there, {@code counters_ext} may). */
    static Port discover(Path dir, String device, String port) {
      List<String[]> keys = new ArrayList<>();
      List<PseudoFile> files = new ArrayList<>();
      if (!Files.isDirectory(dir.resolve("counters"))) {
        throw new NoDataException("no " + dir.resolve("counters"));
      }
      for (String sub : new String[] {"counters", "counters_ext"}) {
        for (String file : entries(dir.resolve(sub))) {
          String[] key = BY_FILE.get(sub + "/" + file);
          Path path = dir.resolve(sub).resolve(file);
          if (key != null && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            keys.add(key);
            files.add(new PseudoFile(path));
          }
        }
      }
      return new Port(dir, device, port, keys, files);
    }

    void read() {
      stateId = stateId(state.path(), HostFiles.readRequired(state));
      physStateId = stateId(physState.path(), HostFiles.readRequired(physState));
      rate = InfinibandCollector.rate(rateFile.path(), HostFiles.readRequired(rateFile));
      for (int i = 0; i < counterFiles.size(); i++) {
        PseudoFile file = counterFiles.get(i);
        String text;
        try {
          text = Sysfs.value(file.read(StandardCharsets.UTF_8));
        } catch (AccessDeniedException e) {
          counterValues[i] = NONE;
          continue;
        } catch (IOException e) {
          if (Sysfs.refused(e)) {
            counterValues[i] = NONE;
            continue;
          }
          throw new UncheckedIOException("failed to read file " + file, e);
        }
        long value = counter(file.path(), text);
        // Data counters count 4-byte words (wrapping as node_exporter's uint64 does).
        String name = file.path().getFileName().toString();
        counterValues[i] = value != NONE && (name.equals("port_rcv_data") || name.equals("port_xmit_data")
            || name.equals("port_rcv_data_64") || name.equals("port_xmit_data_64")) ? value * 4 : value;
      }
    }

    void close() {
      state.close();
      physState.close();
      rateFile.close();
      counterFiles.forEach(PseudoFile::close);
    }
  }

  /** A directory's entries sorted by name; none when it cannot be listed. */
  private static List<String> entries(Path dir) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
      list.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      return names;
    }
    names.sort(null);
    return names;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "infiniband";
    }

    @Override
    public String description() {
      return "InfiniBand port states, rates and counters from /sys/class/infiniband (node_infiniband_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new InfinibandCollector(context.hostPaths().sys("class", "infiniband"));
    }
  }
}
