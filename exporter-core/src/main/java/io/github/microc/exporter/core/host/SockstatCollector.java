package io.github.microc.exporter.core.host;

import com.sun.jna.Native;
import com.sun.jna.Platform;
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
import java.util.List;

/**
 * Socket counts by protocol from {@code /proc/net/sockstat} and {@code /proc/net/sockstat6},
 * named as node_exporter 1.5 names them.
 *
 * <pre>
 * node_sockstat_sockets_used 43
 * node_sockstat_TCP_alloc 5
 * node_sockstat_TCP_inuse 5
 * node_sockstat_TCP_mem 128
 * node_sockstat_TCP_mem_bytes 524288
 * node_sockstat_TCP6_inuse 0
 * </pre>
 *
 * <p>Each line {@code "TCP: inuse 5 orphan 0 tw 0 alloc 5 mem 128"} gives
 * {@code node_sockstat_<PROTOCOL>_<key>} for the keys inuse (always, 0 when absent), orphan,
 * tw, alloc, mem and memory, plus {@code mem_bytes}: {@code mem} is in pages. The
 * {@code sockets: used} line is {@code node_sockstat_sockets_used}, for IPv4 only. Either file
 * may be missing (IPv4 or IPv6 off); a line that is not key/value pairs of integers fails the
 * collection, as in node_exporter. Thread-safe.
 */
public final class SockstatCollector implements MultiCollector, AutoCloseable {

  /** The keys node_exporter exposes, in its order; {@code mem_bytes} follows. */
  private static final String[] KEYS = {"inuse", "orphan", "tw", "alloc", "mem", "memory"};
  private static final int INUSE = 0;
  private static final int MEM = 4;

  /** The family name and help of each key of one protocol, with mem_bytes last. */
  private record Protocol(String[] names, String[] helps) {}

  private final PseudoFile sockstat;
  private final PseudoFile sockstat6;
  private final long pageSize;
  private final LineNames<Protocol> protocols = new LineNames<>(SockstatCollector::protocol);

  /**
   * Reads {@code net}'s {@code sockstat} and {@code sockstat6} (a Linux {@code /proc/net});
   * {@code pageSize} turns {@code mem} into bytes.
   */
  SockstatCollector(Path net, long pageSize) {
    this.sockstat = new PseudoFile(net.resolve("sockstat"));
    this.sockstat6 = new PseudoFile(net.resolve("sockstat6"));
    this.pageSize = pageSize;
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    String ipv4 = HostFiles.readIfExists(sockstat);
    if (ipv4 != null) {
      parseSockstat(ipv4, false, 0, snapshots);
    }
    String ipv6 = HostFiles.readIfExists(sockstat6);
    if (ipv6 != null) {
      parseSockstat(ipv6, true, 32, snapshots);
    }
    return new MetricSnapshots(snapshots);
  }

  /**
   * The families of one file. {@code position} is where its lines go in the name cache.
   *
   * @throws IllegalArgumentException for a line with fewer than three fields, an odd number of
   *     key/value fields or a value that is not an integer
   */
  void parseSockstat(String text, boolean ipv6, int position, List<MetricSnapshot> into) {
    long[] values = new long[KEYS.length];
    int length = text.length();
    for (int start = 0; start < length; position++) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      // Split on single spaces, as node_exporter does.
      int nameEnd = text.indexOf(' ', line);
      int second = nameEnd < 0 ? -1 : text.indexOf(' ', nameEnd + 1);
      if (second < 0 || second >= end) {
        throw new IllegalArgumentException("malformed sockstat line: \"" + text.substring(line, end) + "\"");
      }
      boolean sockets = nameEnd - line == "sockets:".length() && text.startsWith("sockets:", line);
      Protocol protocol = sockets ? null : protocols.get(position, text, line, nameEnd);
      java.util.Arrays.fill(values, PseudoFiles.NOT_A_NUMBER);
      long used = PseudoFiles.NOT_A_NUMBER;
      int pairs = 0;
      for (int at = nameEnd + 1; ; pairs++) {
        int keyEnd = text.indexOf(' ', at);
        if (keyEnd < 0 || keyEnd >= end) {
          throw new IllegalArgumentException("odd number of fields in key/value pairs: \""
              + text.substring(line, end) + "\"");
        }
        int valueEnd = text.indexOf(' ', keyEnd + 1);
        valueEnd = valueEnd < 0 || valueEnd > end ? end : valueEnd;
        long value = PseudoFiles.number(text, keyEnd + 1, valueEnd);
        if (value == PseudoFiles.NOT_A_NUMBER || valueEnd == keyEnd + 1) {
          throw new IllegalArgumentException("not an integer: \"" + text.substring(keyEnd + 1, valueEnd)
              + "\" in sockstat line \"" + text.substring(line, end) + "\"");
        }
        if (sockets) {
          if (keyEnd - at == 4 && text.startsWith("used", at)) {
            used = value;
          }
        } else {
          int key = key(text, at, keyEnd);
          if (key >= 0) {
            values[key] = value;
          }
        }
        if (valueEnd == end) {
          break;
        }
        at = valueEnd + 1;
      }
      if (sockets) {
        if (!ipv6) {
          into.add(MetricFamily.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
              used == PseudoFiles.NOT_A_NUMBER ? 0 : used));
        }
        continue;
      }
      if (values[INUSE] == PseudoFiles.NOT_A_NUMBER) {
        values[INUSE] = 0;
      }
      for (int k = 0; k < KEYS.length; k++) {
        if (values[k] != PseudoFiles.NOT_A_NUMBER) {
          into.add(MetricFamily.gauge(protocol.names[k], protocol.helps[k], values[k]));
        }
      }
      if (values[MEM] != PseudoFiles.NOT_A_NUMBER) {
        into.add(MetricFamily.gauge(protocol.names[KEYS.length], protocol.helps[KEYS.length],
            values[MEM] * pageSize));
      }
    }
  }

  private static int key(String text, int start, int end) {
    for (int k = 0; k < KEYS.length; k++) {
      if (KEYS[k].length() == end - start && text.startsWith(KEYS[k], start)) {
        return k;
      }
    }
    return -1;
  }

  /** The families of a protocol named {@code "TCP:"}. */
  private static Protocol protocol(String field) {
    String protocol = field.endsWith(":") ? field.substring(0, field.length() - 1) : field;
    String[] names = new String[KEYS.length + 1];
    String[] helps = new String[KEYS.length + 1];
    for (int k = 0; k <= KEYS.length; k++) {
      String key = k < KEYS.length ? KEYS[k] : "mem_bytes";
      names[k] = "node_sockstat_" + protocol + "_" + key;
      helps[k] = "Number of " + protocol + " sockets in state " + key + ".";
    }
    return new Protocol(names, helps);
  }

  @Override
  public void close() {
    sockstat.close();
    sockstat6.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "sockstat";
    }

    @Override
    public String description() {
      return "Sockets in use by protocol from /proc/net/sockstat{,6} (node_sockstat_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new SockstatCollector(context.hostPaths().proc("net"), PageSize.get());
    }
  }

  /** The page size of this host, from {@code sysconf(_SC_PAGESIZE)}; 4096 where JNA cannot ask. */
  static final class PageSize {
    private static final int SC_PAGESIZE = 30;
    private static final long VALUE = ask();

    private PageSize() {}

    static long get() {
      return VALUE;
    }

    private static long ask() {
      if (Platform.isLinux()) {
        try {
          Native.register(PageSize.class, Platform.C_LIBRARY_NAME);
          long size = sysconf(SC_PAGESIZE);
          if (size > 0) {
            return size;
          }
        } catch (LinkageError | RuntimeException e) {
          // The usual size below.
        }
      }
      return 4096;
    }

    private static native long sysconf(int name);
  }
}
