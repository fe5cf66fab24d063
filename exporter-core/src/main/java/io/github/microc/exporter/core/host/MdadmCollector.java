package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PluginContext;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Software RAID (md) arrays from {@code /proc/mdstat}, as node_exporter 1.5 reads them.
 *
 * <pre>
 * node_md_state{device="md0",state="active"} 1
 * node_md_state{device="md0",state="recovering"} 0
 * node_md_disks{device="md0",state="failed"} 1
 * node_md_disks_required{device="md0"} 2
 * node_md_blocks{device="md0"} 487731200
 * node_md_blocks_synced{device="md0"} 487731200
 * </pre>
 *
 * <p>An array's state is its device line's third word ({@code active}, {@code inactive}), or
 * {@code recovering}, {@code check} or {@code resync} while its sync line says so. Active and
 * required disks come from the status line's {@code [n/m]}, for raid0 and linear (which have
 * none) from the number of members; failed and spare ones from the {@code (F)} and
 * {@code (S)} marks. Blocks synced are those of a running sync, 0 for a sync that is
 * {@code PENDING} or {@code DELAYED}, else all. A missing mdstat (no md driver) is no data, as
 * in node_exporter; a malformed one fails the collection with what was wrong. The file is kept
 * open and parsed again only when its text changed. Thread-safe.
 */
public final class MdadmCollector implements MultiCollector, AutoCloseable {

  // The expressions of node_exporter's procfs library; Java's matcher has the same
  // leftmost-first semantics as Go's for them.
  private static final Pattern STATUS =
      Pattern.compile("(\\d+) blocks .*\\[(\\d+)/(\\d+)\\] \\[([U_]+)\\]");
  private static final Pattern RECOVERY_BLOCKS = Pattern.compile("\\((\\d+)/\\d+\\)");
  private static final Pattern RECOVERY_PCT = Pattern.compile("= (.+)%");
  private static final Pattern RECOVERY_FINISH = Pattern.compile("finish=(.+)min");
  private static final Pattern RECOVERY_SPEED = Pattern.compile("speed=(.+)[A-Z]");

  /** The states node_exporter reports for every array, and the parser's word for each. */
  private static final String[][] STATES = {{"active", "active"}, {"inactive", "inactive"},
      {"recovering", "recovering"}, {"resync", "resyncing"}, {"check", "checking"}};

  private final OptionalFile mdstat;
  private String lastText;
  private List<Array> lastArrays;

  MdadmCollector(Path mdstat) {
    this.mdstat = new OptionalFile(mdstat);
  }

  /** One array as mdstat shows it. */
  record Array(String name, String state, long disksActive, long disksTotal, long disksFailed,
      long disksSpare, long blocksTotal, long blocksSynced) {}

  @Override
  public synchronized MetricSnapshots collect() {
    String text;
    try {
      text = mdstat.read();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mdstat.path(), e);
    }
    if (text == null) {
      throw new NoDataException("no " + mdstat.path() + " (no md driver)");
    }
    if (!text.equals(lastText)) {
      lastArrays = parseMdstat(text);
      lastText = text;
    }
    MetricFamily required = MetricFamily.gauge("node_md_disks_required",
        "Total number of disks of device.", "device");
    MetricFamily disks = MetricFamily.gauge("node_md_disks",
        "Number of active/failed/spare disks of device.", "device", "state");
    MetricFamily state = MetricFamily.gauge("node_md_state", "Indicates the state of md-device.",
        "device", "state");
    MetricFamily blocks = MetricFamily.gauge("node_md_blocks", "Total number of blocks on device.",
        "device");
    MetricFamily synced = MetricFamily.gauge("node_md_blocks_synced",
        "Number of blocks synced on device.", "device");
    for (Array a : lastArrays) {
      required.add(a.disksTotal(), a.name());
      disks.add(a.disksActive(), a.name(), "active");
      disks.add(a.disksFailed(), a.name(), "failed");
      disks.add(a.disksSpare(), a.name(), "spare");
      for (String[] s : STATES) {
        state.add(s[1].equals(a.state()) ? 1 : 0, a.name(), s[0]);
      }
      blocks.add(a.blocksTotal(), a.name());
      synced.add(a.blocksSynced(), a.name());
    }
    if (lastArrays.isEmpty()) {
      return MetricSnapshots.of();
    }
    return MetricSnapshots.of(required.build(), disks.build(), state.build(), blocks.build(),
        synced.build());
  }

  @Override
  public void close() {
    mdstat.close();
  }

  /**
   * The arrays of an mdstat text, as node_exporter's procfs library parses it.
   *
   * @throws IllegalArgumentException naming the array and the line that is malformed
   */
  static List<Array> parseMdstat(String text) {
    List<Array> arrays = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.strip().isEmpty() || line.charAt(0) == ' ' || line.startsWith("Personalities")
          || line.startsWith("unused")) {
        continue;
      }
      String[] fields = HostFiles.fields(line);
      if (fields.length < 3) {
        throw new IllegalArgumentException(
            "not enough fields in mdline (expected at least 3): " + line);
      }
      String name = fields[0];
      String state = fields[2];
      if (lines.length <= i + 3) {
        throw new IllegalArgumentException("error parsing \"" + name + "\": too few lines for md device");
      }
      long failed = count(line, "(F)");
      long spare = count(line, "(S)");
      long[] status = statusLine(line, lines[i + 1]);
      int syncLine = lines[i + 2].contains("bitmap") ? i + 3 : i + 2;
      String sync = lines[syncLine];
      long syncedBlocks = status[3];
      boolean recovering = sync.contains("recovery");
      boolean resyncing = sync.contains("resync");
      boolean checking = sync.contains("check");
      if (recovering || resyncing || checking) {
        state = recovering ? "recovering" : checking ? "checking" : "resyncing";
        if (sync.contains("PENDING") || sync.contains("DELAYED")) {
          syncedBlocks = 0;
        } else {
          syncedBlocks = recoveryLine(name, sync);
        }
      }
      arrays.add(new Array(name, state, status[0], status[1], failed, spare, status[3], syncedBlocks));
    }
    return arrays;
  }

  /** Active, total and down disks and the size in blocks, from the device and status lines. */
  private static long[] statusLine(String deviceLine, String statusLine) {
    String[] fields = HostFiles.fields(statusLine);
    if (fields.length < 1) {
      throw new IllegalArgumentException("unexpected statusLine \"" + statusLine + "\"");
    }
    long size = parseInt(fields[0], statusLine);
    if (deviceLine.contains("raid0") || deviceLine.contains("linear")) {
      // Only the members carry a number in [] on the device line.
      long total = count(deviceLine, "[");
      return new long[] {total, total, 0, size};
    }
    if (deviceLine.contains("inactive")) {
      return new long[] {0, 0, 0, size};
    }
    Matcher m = STATUS.matcher(statusLine);
    if (!m.find()) {
      throw new IllegalArgumentException("couldn't find all the substring matches: " + statusLine);
    }
    long total = parseInt(m.group(2), statusLine);
    long active = parseInt(m.group(3), statusLine);
    return new long[] {active, total, count(m.group(4), "_"), size};
  }

  /** The blocks synced so far, from a recovery, resync or check line. */
  private static long recoveryLine(String name, String line) {
    Matcher blocks = RECOVERY_BLOCKS.matcher(line);
    if (!blocks.find()) {
      throw new IllegalArgumentException("error parsing sync line in md device \"" + name
          + "\": unexpected recoveryLine: " + line);
    }
    long synced = parseInt(blocks.group(1), line);
    // node_exporter does not expose these, but a line without them fails its parse.
    requireFloat(name, RECOVERY_PCT, line, true, "percentage");
    requireFloat(name, RECOVERY_FINISH, line, false, "est. finish time");
    requireFloat(name, RECOVERY_SPEED, line, false, "speed");
    return synced;
  }

  private static void requireFloat(String name, Pattern pattern, String line, boolean trim, String what) {
    Matcher m = pattern.matcher(line);
    if (!m.find() || TextfileFormat.parseFloat(trim ? m.group(1).strip() : m.group(1)) == null) {
      throw new IllegalArgumentException("error parsing sync line in md device \"" + name
          + "\": unexpected recoveryLine matching " + what + ": " + line);
    }
  }

  private static long parseInt(String text, String line) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unexpected statusLine \"" + line + "\": invalid number \""
          + text + "\"");
    }
  }

  private static long count(String text, String of) {
    long n = 0;
    for (int at = text.indexOf(of); at >= 0; at = text.indexOf(of, at + of.length())) {
      n++;
    }
    return n;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "mdadm";
    }

    @Override
    public String description() {
      return "Software RAID arrays from /proc/mdstat: state, disks, blocks synced (node_md_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new MdadmCollector(context.hostPaths().proc("mdstat"));
    }
  }
}
