package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * ({@code class/net/<device>/statistics/rx_nohandler}). These files are kept open while their
 * interface is listed. Without procfs, OSHI's interfaces give bytes, packets,
 * errs, drop (receive only) and colls. {@code device-include} / {@code device-exclude} pick the
 * interfaces. Thread-safe.
 */
public final class NetdevCollector implements MultiCollector, AutoCloseable {

  /** The columns of {@code /proc/net/dev} after the interface name. */
  static final String[] COLUMNS = {"receive_bytes", "receive_packets", "receive_errs",
      "receive_drop", "receive_fifo", "receive_frame", "receive_compressed", "receive_multicast",
      "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo",
      "transmit_colls", "transmit_carrier", "transmit_compressed"};

  private final DeviceFilter filter;
  private final PseudoFile netDev;
  private final Path sysClassNet;
  private final Map<String, PseudoFile> nohandler = new ConcurrentHashMap<>();
  private final List<NetworkIF> interfaces;

  /**
   * Reads {@code netDev}, a Linux {@code /proc/net/dev}, and each interface's
   * {@code statistics/rx_nohandler} under {@code sysClassNet} when there is one (may be null).
   */
  NetdevCollector(DeviceFilter filter, Path netDev, Path sysClassNet) {
    this.filter = filter;
    this.netDev = new PseudoFile(netDev);
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
    Map<String, long[]> devices = netDev != null
        ? HostFiles.parse(netDev, NetdevCollector::parseNetDev) : readOshi();
    MetricFamily[] families = new MetricFamily[COLUMNS.length];
    MetricFamily nohandlers = null;
    for (Map.Entry<String, long[]> entry : devices.entrySet()) {
      String device = entry.getKey();
      if (filter.ignored(device)) {
        continue;
      }
      long[] values = entry.getValue();
      for (int i = 0; i < values.length; i++) {
        if (values[i] == PseudoFiles.NOT_A_NUMBER) {
          continue;
        }
        if (families[i] == null) {
          families[i] = family(COLUMNS[i]);
        }
        families[i].add(values[i], device);
      }
      long value = sysClassNet == null ? PseudoFiles.NOT_A_NUMBER : readNohandler(device);
      if (value != PseudoFiles.NOT_A_NUMBER) {
        nohandlers = nohandlers == null ? family("receive_nohandler") : nohandlers;
        nohandlers.add(value, device);
      }
    }
    if (sysClassNet != null) {
      // An interface that went away: its sysfs file is let go.
      HostFiles.closeGone(nohandler, devices.keySet(), PseudoFile::close);
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (MetricFamily family : families) {
      if (family != null) {
        snapshots.add(family.build());
      }
    }
    if (nohandlers != null) {
      snapshots.add(nohandlers.build());
    }
    return new MetricSnapshots(snapshots);
  }

  private static MetricFamily family(String statistic) {
    return MetricFamily.counter("node_network_" + statistic + "_total",
        "Network device statistic " + statistic + ".", "device");
  }

  private long readNohandler(String device) {
    PseudoFile file = nohandler.computeIfAbsent(device,
        d -> new PseudoFile(sysClassNet.resolve(d).resolve("statistics").resolve("rx_nohandler")));
    String text = HostFiles.readTrimmedOrNull(file);
    return text == null ? PseudoFiles.NOT_A_NUMBER : PseudoFiles.number(text, 0, text.length());
  }

  /** Whether the text before a line's colon has a {@code |}, as the two header lines have. */
  private static boolean header(String text, int start, int colon) {
    for (int i = start; i < colon; i++) {
      if (text.charAt(i) == '|') {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    if (netDev != null) {
      netDev.close();
    }
    nohandler.values().forEach(PseudoFile::close);
  }

  private Map<String, long[]> readOshi() {
    Map<String, long[]> devices = new LinkedHashMap<>();
    for (NetworkIF nif : interfaces) {
      nif.updateAttributes();
      long[] values = new long[COLUMNS.length];
      Arrays.fill(values, PseudoFiles.NOT_A_NUMBER);
      values[0] = nif.getBytesRecv();
      values[1] = nif.getPacketsRecv();
      values[2] = nif.getInErrors();
      values[3] = nif.getInDrops();
      values[8] = nif.getBytesSent();
      values[9] = nif.getPacketsSent();
      values[10] = nif.getOutErrors();
      values[13] = nif.getCollisions();
      devices.put(nif.getName(), values);
    }
    return devices;
  }

  /**
   * {@code /proc/net/dev}'s counters by interface, in the order of {@link #COLUMNS}; a column
   * that is missing or not a number is {@link PseudoFiles#NOT_A_NUMBER}. The two header lines
   * and lines without a colon are skipped; the first line of a name counts.
   */
  static Map<String, long[]> parseNetDev(String text) {
    Map<String, long[]> devices = new LinkedHashMap<>();
    int length = text.length();
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      int colon = text.indexOf(':', line);
      if (colon < 0 || colon > end || header(text, line, colon)) {
        continue;
      }
      int nameStart = PseudoFiles.skipBlanks(text, line, colon);
      int nameEnd = colon;
      while (nameEnd > nameStart && text.charAt(nameEnd - 1) == ' ') {
        nameEnd--;
      }
      if (nameEnd == nameStart) {
        continue;
      }
      long[] values = new long[COLUMNS.length];
      int at = colon + 1;
      for (int i = 0; i < values.length; i++) {
        at = PseudoFiles.skipBlanks(text, at, end);
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        values[i] = PseudoFiles.number(text, at, fieldEnd);
        at = fieldEnd;
      }
      devices.putIfAbsent(text.substring(nameStart, nameEnd), values);
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
