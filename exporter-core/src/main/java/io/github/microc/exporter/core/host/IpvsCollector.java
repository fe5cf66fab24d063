package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * IPVS (the kernel's load balancer) totals from {@code /proc/net/ip_vs_stats} and each real
 * server's connections and weight from {@code /proc/net/ip_vs}, as node_exporter 1.5 reads them.
 *
 * <pre>
 * node_ipvs_connections_total 2.3765872e+07
 * node_ipvs_backend_connections_active{local_address="192.168.0.22",local_mark="",local_port="3306",proto="TCP",remote_address="192.168.82.22",remote_port="3306"} 248
 * node_ipvs_backend_weight{local_address="",local_mark="10001000",local_port="0",proto="FWM",remote_address="192.168.34.56",remote_port="3306"} 20
 * </pre>
 *
 * <p>{@code backend-labels} ({@code --collector.ipvs.backend-labels}) picks the labels of the
 * backend families among {@code local_address}, {@code local_port}, {@code remote_address},
 * {@code remote_port}, {@code proto} and {@code local_mark}; real servers with the same values
 * of the chosen labels are summed. Addresses are written as Go writes them (IPv6 compressed,
 * an IPv4-mapped one dotted); a firewall-mark service has an empty local address and port 0.
 * No {@code ip_vs_stats} (no ip_vs module) is no data; a malformed file fails the collection,
 * after the totals when it is {@code ip_vs}, as in node_exporter. Both files are kept open.
 * Thread-safe.
 */
public final class IpvsCollector implements MultiCollector, AutoCloseable {

  /** Every backend label, in node_exporter's order. */
  static final List<String> LABELS = List.of("local_address", "local_port", "remote_address",
      "remote_port", "proto", "local_mark");

  private final OptionalFile stats;
  private final PseudoFile backends;
  private final String[] labels;

  IpvsCollector(Path stats, Path backends, List<String> labels) {
    this.stats = new OptionalFile(stats);
    this.backends = new PseudoFile(backends);
    this.labels = labels.toArray(new String[0]);
  }

  /** One real server of a virtual service. */
  record Backend(String localAddress, int localPort, String localMark, String proto,
      String remoteAddress, int remotePort, long weight, long activeConn, long inactConn) {

    String label(String name) {
      return switch (name) {
        case "local_address" -> localAddress;
        case "local_port" -> Integer.toString(localPort);
        case "remote_address" -> remoteAddress;
        case "remote_port" -> Integer.toString(remotePort);
        case "proto" -> proto;
        default -> localMark;
      };
    }
  }

  @Override
  public MetricSnapshots collect() {
    String statsText;
    try {
      statsText = stats.read();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + stats.path(), e);
    }
    if (statsText == null) {
      throw new NoDataException("no " + stats.path() + " (no ip_vs module)");
    }
    double[] totals = parseStats(statsText);
    List<MetricSnapshot> out = new ArrayList<>(List.of(
        MetricFamily.counter("node_ipvs_connections_total", "The total number of connections made.",
            totals[0]),
        MetricFamily.counter("node_ipvs_incoming_packets_total", "The total number of incoming packets.",
            totals[1]),
        MetricFamily.counter("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.",
            totals[2]),
        MetricFamily.counter("node_ipvs_incoming_bytes_total", "The total amount of incoming data.",
            totals[3]),
        MetricFamily.counter("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.",
            totals[4])));
    List<Backend> list;
    try {
      list = parseBackends(backends.read(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new PartialCollectionException(out, new UncheckedIOException(
          "could not get backend status: cannot read " + backends.path(), e));
    } catch (RuntimeException e) {
      throw new PartialCollectionException(out, e);
    }
    // Summed by the chosen labels' values joined with "-", as node_exporter keys them.
    Map<String, double[]> sums = new LinkedHashMap<>();
    Map<String, String[]> values = new LinkedHashMap<>();
    for (Backend b : list) {
      String[] kv = new String[labels.length];
      for (int i = 0; i < labels.length; i++) {
        kv[i] = b.label(labels[i]);
      }
      String key = String.join("-", kv);
      double[] sum = sums.computeIfAbsent(key, k -> new double[3]);
      sum[0] += b.activeConn();
      sum[1] += b.inactConn();
      sum[2] += b.weight();
      values.put(key, kv);
    }
    MetricFamily active = MetricFamily.gauge("node_ipvs_backend_connections_active",
        "The current active connections by local and remote address.", labels);
    MetricFamily inactive = MetricFamily.gauge("node_ipvs_backend_connections_inactive",
        "The current inactive connections by local and remote address.", labels);
    MetricFamily weight = MetricFamily.gauge("node_ipvs_backend_weight",
        "The current backend weight by local and remote address.", labels);
    sums.forEach((key, sum) -> {
      active.add(sum[0], values.get(key));
      inactive.add(sum[1], values.get(key));
      weight.add(sum[2], values.get(key));
    });
    if (!sums.isEmpty()) {
      out.add(active.build());
      out.add(inactive.build());
      out.add(weight.build());
    }
    return new MetricSnapshots(out);
  }

  @Override
  public void close() {
    stats.close();
    backends.close();
  }

  /**
   * The five totals of {@code ip_vs_stats}: its third line, in hex.
   *
   * @throws IllegalArgumentException when the file is too short or that line malformed
   */
  static double[] parseStats(String text) {
    String[] lines = text.split("\n", 4);
    if (lines.length != 4) {
      throw new IllegalArgumentException("ip_vs_stats corrupt: too short");
    }
    String[] fields = HostFiles.fields(lines[2]);
    if (fields.length != 5) {
      throw new IllegalArgumentException("ip_vs_stats corrupt: unexpected number of fields");
    }
    double[] totals = new double[5];
    for (int i = 0; i < 5; i++) {
      totals[i] = Numbers.unsigned(parseHex(fields[i], 64, "ip_vs_stats"));
    }
    return totals;
  }

  /**
   * The real servers of {@code ip_vs}, each with the service (protocol, address and port, or
   * firewall mark) listed before it.
   *
   * @throws IllegalArgumentException naming the address or number that is malformed
   */
  static List<Backend> parseBackends(String text) {
    List<Backend> backends = new ArrayList<>();
    String proto = "";
    String localMark = "";
    String localAddress = "";
    int localPort = 0;
    for (String line : text.split("\n")) {
      String[] f = HostFiles.fields(line);
      if (f.length == 0 || f[0].equals("IP") || f[0].equals("Prot")
          || (f.length > 1 && f[1].equals("RemoteAddress:Port"))) {
        continue;
      }
      switch (f[0]) {
        case "TCP", "UDP" -> {
          if (f.length < 2) {
            continue;
          }
          proto = f[0];
          localMark = "";
          String[] address = address(f[1]);
          localAddress = address[0];
          localPort = Integer.parseInt(address[1]);
        }
        case "FWM" -> {
          if (f.length < 2) {
            continue;
          }
          proto = f[0];
          localMark = f[1];
          localAddress = "";
          localPort = 0;
        }
        case "->" -> {
          if (f.length < 6) {
            continue;
          }
          String[] remote = address(f[1]);
          backends.add(new Backend(localAddress, localPort, localMark, proto, remote[0],
              Integer.parseInt(remote[1]), decimal(f[3]), decimal(f[4]), decimal(f[5])));
        }
        default -> {
          // another line (SCTP services, which node_exporter 1.5 does not read)
        }
      }
    }
    return backends;
  }

  /** Address and port of {@code XXXXXXXX:PPPP} or {@code [x:x:x:x:x:x:x:x]:PPPP}, as Go prints them. */
  private static String[] address(String s) {
    String ip;
    if (s.length() == 13) {
      long v = parseHex(s.substring(0, 8), 32, "IPv4 address");
      ip = (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    } else if (s.length() == 46) {
      ip = ipv6(s.substring(1, 40));
    } else {
      throw new IllegalArgumentException("unexpected IP:Port: " + s);
    }
    return new String[] {ip, Long.toString(parseHex(s.substring(s.length() - 4), 16, "port"))};
  }

  /** An IPv6 address in Go's form (RFC 5952, IPv4-mapped ones dotted). */
  static String ipv6(String text) {
    int[] groups = new int[8];
    String[] halves = text.split("::", -1);
    if (halves.length > 2) {
      throw new IllegalArgumentException("invalid IPv6 address: " + text);
    }
    String[] head = halves[0].isEmpty() ? new String[0] : halves[0].split(":", -1);
    String[] tail = halves.length == 1 || halves[1].isEmpty() ? new String[0] : halves[1].split(":", -1);
    if (halves.length == 1 ? head.length != 8 : head.length + tail.length > 7) {
      throw new IllegalArgumentException("invalid IPv6 address: " + text);
    }
    for (int i = 0; i < head.length; i++) {
      groups[i] = (int) parseHex(head[i], 16, "IPv6 address");
    }
    for (int i = 0; i < tail.length; i++) {
      groups[8 - tail.length + i] = (int) parseHex(tail[i], 16, "IPv6 address");
    }
    boolean mapped = true;
    for (int i = 0; i < 5; i++) {
      mapped &= groups[i] == 0;
    }
    if (mapped && groups[5] == 0xffff) {
      return (groups[6] >>> 8) + "." + (groups[6] & 0xff) + "." + (groups[7] >>> 8) + "." + (groups[7] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 0;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength && j - i >= 2) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        b.append("::");
        i += bestLength - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(groups[i]));
    }
    return b.toString();
  }

  /** Go's {@code strconv.ParseUint(s, 16, bits)}. */
  private static long parseHex(String s, int bits, String what) {
    if (s.isEmpty() || s.startsWith("+") || s.startsWith("-")) {
      throw new IllegalArgumentException("invalid " + what + ": \"" + s + "\"");
    }
    try {
      long v = Long.parseUnsignedLong(s, 16);
      if (bits < 64 && (v >>> bits) != 0) {
        throw new IllegalArgumentException("invalid " + what + ": \"" + s + "\" (out of range)");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid " + what + ": \"" + s + "\"");
    }
  }

  private static long decimal(String s) {
    if (s.isEmpty() || !Character.isDigit(s.charAt(0))) {
      throw new IllegalArgumentException("invalid number in ip_vs: \"" + s + "\"");
    }
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid number in ip_vs: \"" + s + "\"");
    }
  }


  /**
   * The {@code backend-labels} list: comma-separated, empty items ignored, in node_exporter's
   * order whatever the given one.
   *
   * @throws io.github.microc.exporter.core.spi.ConfigError naming the unknown labels
   */
  static List<String> backendLabels(PluginConfig config) {
    String value = config.getString("backend-labels");
    Set<String> given = new LinkedHashSet<>();
    for (String label : value.split(",", -1)) {
      if (!label.isEmpty()) {
        given.add(label);
      }
    }
    List<String> labels = new ArrayList<>();
    for (String label : LABELS) {
      if (given.remove(label)) {
        labels.add(label);
      }
    }
    if (!given.isEmpty()) {
      throw config.error("backend-labels", "unknown IPVS backend labels: \""
          + String.join(", ", new TreeSet<>(given)) + "\" (known: " + String.join(", ", LABELS) + ")");
    }
    return labels;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "ipvs";
    }

    @Override
    public String description() {
      return "IPVS totals and each real server's connections and weight from /proc/net/ip_vs (node_ipvs_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new IpvsCollector(context.hostPaths().proc("net", "ip_vs_stats"),
          context.hostPaths().proc("net", "ip_vs"), backendLabels(context.config()));
    }
  }
}
