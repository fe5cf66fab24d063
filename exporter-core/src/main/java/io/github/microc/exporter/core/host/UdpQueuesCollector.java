package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;

/**
 * The bytes queued in UDP sockets, summed over the sockets of {@code /proc/net/udp} and
 * {@code /proc/net/udp6}.
 *
 * <pre>
 * node_udp_queues{ip="v4",queue="rx"} 0
 * node_udp_queues{ip="v4",queue="tx"} 0
 * node_udp_queues{ip="v6",queue="rx"} 0
 * node_udp_queues{ip="v6",queue="tx"} 0
 * </pre>
 *
 * <p>Either file may be missing (IPv4 or IPv6 off): its series are left out, and without both
 * there is no data, as node_exporter reports. Thread-safe.
 */
public final class UdpQueuesCollector implements MultiCollector, AutoCloseable {

  private final PseudoFile udp;
  private final PseudoFile udp6;

  /** Reads {@code net}'s {@code udp} and {@code udp6}, a Linux {@code /proc/net}. */
  UdpQueuesCollector(Path net) {
    this.udp = new PseudoFile(net.resolve("udp"));
    this.udp6 = new PseudoFile(net.resolve("udp6"));
  }

  @Override
  public MetricSnapshots collect() {
    String ipv4 = HostFiles.readIfExists(udp);
    String ipv6 = HostFiles.readIfExists(udp6);
    if (ipv4 == null && ipv6 == null) {
      throw new NoDataException("neither " + udp + " nor " + udp6 + " exists");
    }
    MetricFamily queues = MetricFamily.gauge("node_udp_queues",
        "Number of allocated memory in the kernel for UDP datagrams in bytes.", "queue", "ip");
    if (ipv4 != null) {
      long[] sums = parseQueues(ipv4, udp.toString());
      queues.add(sums[0], "tx", "v4").add(sums[1], "rx", "v4");
    }
    if (ipv6 != null) {
      long[] sums = parseQueues(ipv6, udp6.toString());
      queues.add(sums[0], "tx", "v6").add(sums[1], "rx", "v6");
    }
    return MetricSnapshots.of(queues.build());
  }

  /**
   * The send and receive queues summed over a file's sockets: the hexadecimal
   * {@code tx_queue:rx_queue} of each line after the header.
   *
   * @throws IllegalArgumentException for a line of fewer than 10 fields or queues that are not
   *     hexadecimal, naming {@code file}
   */
  static long[] parseQueues(String text, String file) {
    long[] sums = new long[2];
    try {
      SocketTable.forEachSocket(text, file, (state, tx, rx) -> {
        sums[0] += tx;
        sums[1] += rx;
      });
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("couldn't get udp queued bytes: " + e.getMessage(), e);
    }
    return sums;
  }


  @Override
  public void close() {
    udp.close();
    udp6.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "udp_queues";
    }

    @Override
    public String description() {
      return "Bytes queued in UDP sockets, by IP version and direction, from /proc/net/udp{,6} (node_udp_queues).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new UdpQueuesCollector(context.hostPaths().proc("net"));
    }
  }
}
