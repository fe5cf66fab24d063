package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import oshi.hardware.NetworkIF;

/**
 * Network interface counters from {@code /proc/net/dev}, one counter family per column, named
 * as node_exporter 1.5 names them.
 *
 * <pre>
 * node_network_receive_bytes_total{device="eth0"} 1.29529781e+08
 * node_network_receive_drop_total{device="eth0"} 0
 * node_network_transmit_colls_total{device="eth0"} 0
 * </pre>
 *
 * <p>The columns are receive bytes, packets, errs, drop, fifo, frame, compressed, multicast and
 * transmit bytes, packets, errs, drop, fifo, colls, carrier, compressed. node_exporter 1.5
 * reads the same counters over netlink, where it also has {@code receive_nohandler}, which
 * {@code /proc/net/dev} does not carry: that one comes from sysfs
 * ({@code class/net/<device>/statistics/rx_nohandler}). Without procfs, OSHI's interfaces give bytes, packets,
 * errs, drop (receive only) and colls. {@code device-include} / {@code device-exclude} pick the
 * interfaces. Thread-safe.
 */
public final class NetdevCollector implements MultiCollector {

  /** The columns of {@code /proc/net/dev} after the interface name. */
  static final String[] COLUMNS = {"receive_bytes", "receive_packets", "receive_errs",
      "receive_drop", "receive_fifo", "receive_frame", "receive_compressed", "receive_multicast",
      "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo",
      "transmit_colls", "transmit_carrier", "transmit_compressed"};

  private final DeviceFilter filter;
  private final Path netDev;
  private final Path sysClassNet;
  private final List<NetworkIF> interfaces;

  /**
   * Reads {@code netDev}, a Linux {@code /proc/net/dev}, and each interface's
   * {@code statistics/rx_nohandler} under {@code sysClassNet} when there is one (may be null).
   */
  NetdevCollector(DeviceFilter filter, Path netDev, Path sysClassNet) {
    this.filter = filter;
    this.netDev = netDev;
    this.sysClassNet = sysClassNet;
    this.interfaces = null;
  }

  /** Asks OSHI's interfaces, found once and refreshed on each scrape; without procfs. */
  NetdevCollector(DeviceFilter filter, List<NetworkIF> interfaces) {
    this.filter = filter;
    this.netDev = null;
    this.sysClassNet = null;
    this.interfaces = List.copyOf(interfaces);
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Map<String, Double>> devices = netDev != null
        ? HostFiles.parse(netDev, NetdevCollector::parseNetDev) : readOshi();
    Map<String, MetricFamily> families = new LinkedHashMap<>();
    devices.forEach((device, stats) -> {
      if (filter.ignored(device)) {
        return;
      }
      if (sysClassNet != null) {
        double nohandler = HostFiles.number(String.valueOf(HostFiles.readTrimmedOrNull(
            sysClassNet.resolve(device).resolve("statistics").resolve("rx_nohandler"))));
        if (!Double.isNaN(nohandler)) {
          stats.put("receive_nohandler", nohandler);
        }
      }
      stats.forEach((stat, value) -> families.computeIfAbsent(stat,
              s -> MetricFamily.counter("node_network_" + s + "_total",
                  "Network device statistic " + s + ".", "device"))
          .add(value, device));
    });
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.values().forEach(f -> snapshots.add(f.build()));
    return new MetricSnapshots(snapshots);
  }

  private Map<String, Map<String, Double>> readOshi() {
    Map<String, Map<String, Double>> devices = new LinkedHashMap<>();
    for (NetworkIF nif : interfaces) {
      nif.updateAttributes();
      Map<String, Double> stats = new LinkedHashMap<>();
      stats.put("receive_bytes", (double) nif.getBytesRecv());
      stats.put("receive_packets", (double) nif.getPacketsRecv());
      stats.put("receive_errs", (double) nif.getInErrors());
      stats.put("receive_drop", (double) nif.getInDrops());
      stats.put("transmit_bytes", (double) nif.getBytesSent());
      stats.put("transmit_packets", (double) nif.getPacketsSent());
      stats.put("transmit_errs", (double) nif.getOutErrors());
      stats.put("transmit_colls", (double) nif.getCollisions());
      devices.put(nif.getName(), stats);
    }
    return devices;
  }

  /**
   * {@code /proc/net/dev} by interface, then by statistic ({@code receive_bytes} ...). The two
   * header lines, lines without a colon and columns that are not numbers are skipped; a line
   * with fewer columns than usual gives the ones it has.
   */
  static Map<String, Map<String, Double>> parseNetDev(String text) {
    Map<String, Map<String, Double>> devices = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || line.contains("|")) {
        continue;
      }
      String device = line.substring(0, colon).strip();
      if (device.isEmpty()) {
        continue;
      }
      String[] f = HostFiles.fields(line.substring(colon + 1));
      Map<String, Double> stats = new LinkedHashMap<>();
      for (int i = 0; i < f.length && i < COLUMNS.length; i++) {
        double value = HostFiles.number(f[i]);
        if (!Double.isNaN(value)) {
          stats.put(COLUMNS[i], value);
        }
      }
      devices.putIfAbsent(device, stats);
    }
    return devices;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "netdev";
    }

    @Override
    public String description() {
      return "Network interface counters from /proc/net/dev (node_network_*_total).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      DeviceFilter filter = DeviceFilter.from(context.config(), "device-include", "device-exclude");
      return HostFiles.linux()
          ? new NetdevCollector(filter, context.hostPaths().proc("net", "dev"),
              context.hostPaths().sys("class", "net"))
          : new NetdevCollector(filter, context.system().getHardware().getNetworkIFs(true));
    }
  }
}
