package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Fibre Channel host bus adapters' ports and counters from sysfs's {@code class/fc_host}, as
 * node_exporter 1.5's fibrechannel collector exposes them:
 *
 * <pre>
 * node_fibrechannel_info{dev_loss_tmo="30",fabric_name="0",fc_host="host0",port_id="000002",port_name="1000e0071bce95f2",port_state="Online",port_type="Point-To-Point (direct nport connection)",speed="16 Gbit",supported_classes="Class 3",supported_speeds="4 Gbit, 8 Gbit, 16 Gbit",symbolic_name="Emulex SN1100E2P FV12.4.270.3 DV12.4.0.0. HN:gotest. OS:Linux"} 1
 * node_fibrechannel_rx_frames_total{fc_host="host0"} 3
 * </pre>
 *
 * <p>The names, ids and fabric lose their {@code 0x}. As node_exporter does, a counter the
 * adapter does not implement (2^64 - 1) has no series and one whose file is missing is 0; a
 * host's identity file missing fails the collection, its statistics directory missing is no
 * data, as is no {@code class/fc_host}. The hosts are listed once a scrape, a host's files
 * when it appears, and kept open. Thread-safe.
 */
public final class FibrechannelCollector implements MultiCollector, AutoCloseable {

  /** The identity files, in node_exporter's order. */
  private static final String[] FILES = {"speed", "port_state", "port_type", "node_name", "port_id",
      "port_name", "fabric_name", "dev_loss_tmo", "symbolic_name", "supported_classes",
      "supported_speeds"};
  private static final String[] INFO_LABELS = {"fc_host", "speed", "port_state", "port_type",
      "port_id", "port_name", "fabric_name", "symbolic_name", "supported_classes",
      "supported_speeds", "dev_loss_tmo"};
  /** Statistics file, family (after node_fibrechannel_), HELP. */
  private static final String[][] COUNTERS = {
      {"dumped_frames", "dumped_frames_total", "Number of dumped frames"},
      {"error_frames", "error_frames_total", "Number of errors in frames"},
      {"invalid_crc_count", "invalid_crc_total", "Invalid Cyclic Redundancy Check count"},
      {"rx_frames", "rx_frames_total", "Number of frames received"},
      {"rx_words", "rx_words_total", "Number of words received by host port"},
      {"tx_frames", "tx_frames_total", "Number of frames transmitted by host port"},
      {"tx_words", "tx_words_total", "Number of words transmitted by host port"},
      {"seconds_since_last_reset", "seconds_since_last_reset_total", "Number of seconds since last host port reset"},
      {"invalid_tx_word_count", "invalid_tx_words_total", "Number of invalid words transmitted by host port"},
      {"link_failure_count", "link_failure_total", "Number of times the host port link has failed"},
      {"loss_of_sync_count", "loss_of_sync_total", "Number of failures on either bit or transmission word boundaries"},
      {"loss_of_signal_count", "loss_of_signal_total", "Number of times signal has been lost"},
      {"nos_count", "nos_total", "Number Not_Operational Primitive Sequence received by host port"},
      {"fcp_packet_aborts", "fcp_packet_aborts_total", "Number of aborted packets"}};
  /** What an adapter's firmware reports for a counter it does not implement. */
  private static final long UNIMPLEMENTED = -1L;

  private final Path classFcHost;
  private final Map<String, Host> hosts = new HashMap<>();

  /** @param classFcHost sysfs's {@code class/fc_host} */
  FibrechannelCollector(Path classFcHost) {
    this.classFcHost = classFcHost;
  }

  @Override
  public synchronized MetricSnapshots collect() {
    TreeSet<String> names = Sysfs.listClass(classFcHost);
    HostFiles.closeGone(hosts, names, Host::close);
    // node_exporter reads every host before it exposes any: a failure exposes nothing.
    List<Host> read = new ArrayList<>();
    for (String name : names) {
      Host host = hosts.get(name);
      if (host == null) {
        host = Host.discover(classFcHost.resolve(name), name);
        hosts.put(name, host);
      }
      host.read();
      read.add(host);
    }
    MetricFamily info = MetricFamily.info("node_fibrechannel_info",
        "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.", INFO_LABELS);
    MetricFamily[] counters = new MetricFamily[COUNTERS.length];
    for (Host host : read) {
      String[] v = host.values;
      info.addInfo(host.name, v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10], v[7]);
      for (int i = 0; i < COUNTERS.length; i++) {
        if (host.counts[i] == UNIMPLEMENTED) {
          continue;
        }
        if (counters[i] == null) {
          counters[i] = MetricFamily.counter("node_fibrechannel_" + COUNTERS[i][1], COUNTERS[i][2], "fc_host");
        }
        counters[i].add(CpufreqCollector.unsignedToDouble(host.counts[i]), host.labels);
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    if (!info.isEmpty()) {
      snapshots.add(info.build());
    }
    for (MetricFamily family : counters) {
      if (family != null) {
        snapshots.add(family.build());
      }
    }
    return new MetricSnapshots(snapshots);
  }

  /** A name, id or fabric without its first two characters ({@code 0x}), as node_exporter. */
  static String withoutPrefix(String value) {
    return value.length() > 2 ? value.substring(2) : value;
  }

  @Override
  public synchronized void close() {
    hosts.values().forEach(Host::close);
    hosts.clear();
  }

  /** One host's identity and statistics files, kept open. */
  private static final class Host {
    final String name;
    final Labels labels;
    final PseudoFile[] files;
    final PseudoFile[] statistics;
    final String[] values = new String[FILES.length];
    final long[] counts = new long[COUNTERS.length];

    private Host(String name, PseudoFile[] files, PseudoFile[] statistics) {
      this.name = name;
      this.labels = Labels.of("fc_host", name);
      this.files = files;
      this.statistics = statistics;
    }

    /** The host's files; its statistics directory missing is no data. */
    static Host discover(Path dir, String name) {
      PseudoFile[] files = Arrays.stream(FILES).map(f -> new PseudoFile(dir.resolve(f)))
          .toArray(PseudoFile[]::new);
      Path stats = dir.resolve("statistics");
      if (!Files.isDirectory(stats)) {
        throw new NoDataException("no " + stats);
      }
      PseudoFile[] statistics = new PseudoFile[COUNTERS.length];
      for (int i = 0; i < COUNTERS.length; i++) {
        Path file = stats.resolve(COUNTERS[i][0]);
        statistics[i] = Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? new PseudoFile(file) : null;
      }
      return new Host(name, files, statistics);
    }

    void read() {
      for (int i = 0; i < files.length; i++) {
        String text;
        try {
          text = Sysfs.value(files[i].read(StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new UncheckedIOException("failed to read file " + files[i], e);
        }
        values[i] = FILES[i].equals("node_name") || FILES[i].equals("port_id")
            || FILES[i].equals("port_name") || FILES[i].equals("fabric_name") ? withoutPrefix(text) : text;
      }
      for (int i = 0; i < statistics.length; i++) {
        counts[i] = 0; // node_exporter's default for a counter without its file
        if (statistics[i] == null) {
          continue;
        }
        String text;
        try {
          text = Sysfs.value(statistics[i].read(StandardCharsets.UTF_8));
        } catch (IOException e) {
          if (Sysfs.refused(e)) {
            continue;
          }
          throw new UncheckedIOException("failed to read file " + statistics[i], e);
        }
        counts[i] = InfinibandCollector.counter(statistics[i].path(), text);
      }
    }

    void close() {
      Arrays.stream(files).forEach(PseudoFile::close);
      Arrays.stream(statistics).filter(f -> f != null).forEach(PseudoFile::close);
    }
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "fibrechannel";
    }

    @Override
    public String description() {
      return "Fibre Channel host ports and counters from /sys/class/fc_host (node_fibrechannel_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new FibrechannelCollector(context.hostPaths().sys("class", "fc_host"));
    }
  }
}
