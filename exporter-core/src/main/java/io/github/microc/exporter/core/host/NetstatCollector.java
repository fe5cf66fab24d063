package io.github.microc.exporter.core.host;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Network protocol counters from {@code /proc/net/netstat}, {@code /proc/net/snmp} and
 * {@code /proc/net/snmp6}, the fields {@code fields} picks (node_exporter 1.5's default), untyped
 * as node_exporter exposes them, named {@code node_netstat_<Protocol>_<Field>}.
 *
 * <pre>
 * node_netstat_Tcp_CurrEstab 2
 * node_netstat_TcpExt_ListenDrops 0
 * node_netstat_Udp6_InDatagrams 0
 * </pre>
 *
 * <p>As in node_exporter: {@code netstat} and {@code snmp} are pairs of lines (the field names,
 * then their values), {@code snmp6} one {@code <Protocol>6<Field> value} a line and optional
 * (absent where IPv6 is off); a protocol seen again replaces what an earlier line or file gave
 * for it; a value that is not a number, picked or not, fails the collection. Thread-safe.
 */
public final class NetstatCollector implements MultiCollector, AutoCloseable {

  /** A field's family name and help. */
  record Field(String name, String help) {}

  /** A header line: its protocol and, by column, its fields (null where not picked). */
  private record Header(String protocol, Field[] fields) {}

  /** An {@code snmp6} line's protocol and field (null where not picked). */
  private record Snmp6Name(String protocol, Field field) {}

  private final PseudoFile netstat;
  private final PseudoFile snmp;
  private final PseudoFile snmp6;
  private final Pattern pick;
  private final LineNames<Header> headers;
  private final LineNames<Snmp6Name> snmp6Names;

  /**
   * Reads {@code net}'s {@code netstat}, {@code snmp} and {@code snmp6} (a Linux
   * {@code /proc/net}), exposing the fields {@code pick} finds.
   */
  NetstatCollector(Path net, Pattern pick) {
    this.netstat = new PseudoFile(net.resolve("netstat"));
    this.snmp = new PseudoFile(net.resolve("snmp"));
    this.snmp6 = new PseudoFile(net.resolve("snmp6"));
    this.pick = pick;
    this.headers = new LineNames<>(this::header);
    this.snmp6Names = new LineNames<>(this::snmp6Name);
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Protocol> protocols = new HashMap<>();
    parsePairs(HostFiles.parse(netstat, t -> t), netstat.toString(), 0, protocols);
    parsePairs(HostFiles.parse(snmp, t -> t), snmp.toString(), SNMP_POSITIONS, protocols);
    String ipv6 = HostFiles.readIfExists(snmp6);
    if (ipv6 != null) {
      parseSnmp6(ipv6, protocols);
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (Protocol protocol : protocols.values()) {
      for (int i = 0; i < protocol.size; i++) {
        Field field = protocol.fields[i];
        if (field != null) {
          snapshots.add(MetricFamily.untyped(field.name(), field.help(), protocol.values[i]));
        }
      }
    }
    return new MetricSnapshots(snapshots);
  }

  /** Where {@code snmp}'s header lines go in the header cache, after {@code netstat}'s. */
  private static final int SNMP_POSITIONS = 64;

  /** One protocol's fields (null where not picked) and values, in the order read. */
  static final class Protocol {
    Field[] fields;
    double[] values;
    int size;

    Protocol(int capacity) {
      fields = new Field[capacity];
      values = new double[capacity];
    }

    /** Adds a field; one already there (a name listed twice) takes the later value. */
    void add(Field field, double value) {
      if (field != null) {
        for (int i = 0; i < size; i++) {
          if (fields[i] != null && fields[i].name().equals(field.name())) {
            values[i] = value;
            return;
          }
        }
      }
      if (size == values.length) {
        fields = Arrays.copyOf(fields, size * 2 + 1);
        values = Arrays.copyOf(values, size * 2 + 1);
      }
      fields[size] = field;
      values[size++] = value;
    }
  }

  /**
   * The protocols of a file of line pairs ({@code netstat}, {@code snmp}):
   * {@code "Tcp: RtoAlgorithm RtoMin"} then {@code "Tcp: 1 200"}, split on single spaces as
   * node_exporter splits them. {@code position} is where this file's header lines go in the
   * header cache.
   */
  void parsePairs(String text, String file, int position, Map<String, Protocol> into) {
    int length = text.length();
    for (int start = 0; start < length; position++) {
      int headerEnd = PseudoFiles.lineEnd(text, start);
      if (headerEnd == start) {
        throw new IllegalArgumentException(file + ": an empty line where field names belong");
      }
      Header header = headers.get(position, text, start, headerEnd);
      int valuesStart = Math.min(headerEnd + 1, length);
      int valuesEnd = PseudoFiles.lineEnd(text, valuesStart);
      start = valuesEnd + 1;
      Field[] fields = header.fields();
      Protocol protocol = new Protocol(fields.length);
      int column = 0;
      for (int at = valuesStart; ; column++) {
        int next = text.indexOf(' ', at);
        int fieldEnd = next < 0 || next > valuesEnd ? valuesEnd : next;
        if (column > 0 && column < fields.length) {
          protocol.add(fields[column], Numbers.parseFloat(text, at, fieldEnd,
              file + " " + header.protocol() + " column " + column));
        }
        if (fieldEnd == valuesEnd) {
          break;
        }
        at = fieldEnd + 1;
      }
      if (column + 1 != fields.length) {
        throw new IllegalArgumentException("mismatch field count mismatch in " + file + ": "
            + header.protocol());
      }
      into.put(header.protocol(), protocol);
    }
  }

  /** A header line ({@code "Tcp: RtoAlgorithm RtoMin"}), split as node_exporter splits it. */
  private Header header(String line) {
    String[] names = line.split(" ", -1);
    String protocol = names[0].substring(0, names[0].length() - 1);
    Field[] fields = new Field[names.length];
    for (int i = 1; i < names.length; i++) {
      fields[i] = field(protocol, names[i]);
    }
    return new Header(protocol, fields);
  }

  private Field field(String protocol, String name) {
    String key = protocol + "_" + name;
    return pick.matcher(key).find()
        ? new Field("node_netstat_" + key, "Statistic " + protocol + name + ".") : null;
  }

  /** An {@code snmp6} name split after its first {@code 6}; null without one. */
  private Snmp6Name snmp6Name(String name) {
    int six = name.indexOf('6');
    if (six < 0) {
      return null;
    }
    String protocol = name.substring(0, six + 1);
    return new Snmp6Name(protocol, field(protocol, name.substring(six + 1)));
  }

  /**
   * The protocols of {@code snmp6} ({@code "Ip6InReceives 128"}): the name up to and including
   * its first {@code 6} is the protocol, the rest the field. Lines with fewer than two fields or
   * no {@code 6} are skipped. Each protocol found here replaces one of the same name.
   */
  void parseSnmp6(String text, Map<String, Protocol> into) {
    Map<String, Protocol> ipv6 = new HashMap<>();
    snmp6Names.forEachNameValue(text, (name, t, nameStart, nameEnd, valueStart, valueEnd) -> {
      if (name != null) {
        double value = Numbers.parseFloat(t, valueStart, valueEnd, "snmp6 " + t.substring(nameStart, nameEnd));
        ipv6.computeIfAbsent(name.protocol(), p -> new Protocol(32)).add(name.field(), value);
      }
    });
    into.putAll(ipv6);
  }

  @Override
  public void close() {
    netstat.close();
    snmp.close();
    snmp6.close();
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "netstat";
    }

    @Override
    public String description() {
      return "IP, TCP, UDP and ICMP counters from /proc/net/{netstat,snmp,snmp6} (node_netstat_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new NetstatCollector(context.hostPaths().proc("net"), context.config().getRegex("fields"));
    }
  }
}
