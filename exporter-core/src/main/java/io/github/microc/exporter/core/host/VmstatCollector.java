package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The fields of {@code /proc/vmstat} that {@code fields} picks (node_exporter 1.5's default:
 * page faults, paging, swapping and OOM kills), untyped as node_exporter exposes them.
 *
 * <pre>
 * node_vmstat_oom_kill 22
 * node_vmstat_pgfault 5.966729e+06
 * node_vmstat_pgmajfault 946
 * node_vmstat_pgpgin 1.316461e+06
 * </pre>
 *
 * <p>As node_exporter, a field that is not a number fails the collection, whether picked or not,
 * and the picked fields before it are kept.
 * Thread-safe.
 */
public final class VmstatCollector implements MultiCollector, AutoCloseable {

  /** A field's family name and help, or null when {@code fields} does not pick it. */
  record Field(String name, String help) {}

  private final PseudoFile vmstat;
  private final LineNames<Field> fields;

  /** Reads {@code vmstat}, a Linux {@code /proc/vmstat}, exposing the fields {@code pick} finds. */
  VmstatCollector(Path vmstat, Pattern pick) {
    this.vmstat = new PseudoFile(vmstat);
    this.fields = fields(pick);
  }

  /** The family of each field name {@code pick} finds. */
  static LineNames<Field> fields(Pattern pick) {
    return new LineNames<>(name -> pick.matcher(name).find()
        ? new Field("node_vmstat_" + name, "/proc/vmstat information field " + name + ".") : null);
  }

  @Override
  public MetricSnapshots collect() {
    String text = HostFiles.parse(vmstat, t -> t);
    return new MetricSnapshots(parseVmstat(text, fields));
  }

  @Override
  public void close() {
    vmstat.close();
  }

  /**
   * An untyped family for each line ({@code "pgfault 5966729"}) whose name {@code fields} keeps;
   * lines without a value are skipped.
   *
   * @throws IllegalArgumentException when a value is not a number, in a
   *     {@link PartialCollectionException} with the fields before it when there are any
   */
  static List<MetricSnapshot> parseVmstat(String text, LineNames<Field> fields) {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    fields.forEachNameValue(text, (field, t, nameStart, nameEnd, valueStart, valueEnd) -> {
      double value;
      try {
        value = Numbers.parseFloat(t, valueStart, valueEnd, "/proc/vmstat field "
            + t.substring(nameStart, nameEnd));
      } catch (IllegalArgumentException e) {
        // node_exporter has sent the fields before this line.
        throw snapshots.isEmpty() ? e : new PartialCollectionException(snapshots, e);
      }
      if (field != null) {
        snapshots.add(MetricFamily.untyped(field.name(), field.help(), value));
      }
    });
    return snapshots;
  }

  /** Listed in META-INF/services. */
  public static final class Plugin implements CollectorPlugin {
    @Override
    public String name() {
      return "vmstat";
    }

    @Override
    public String description() {
      return "Paging, swapping, page fault and OOM kill counters from /proc/vmstat (node_vmstat_*).";
    }

    @Override
    public MultiCollector create(PluginContext context) {
      return new VmstatCollector(context.hostPaths().proc("vmstat"),
          context.config().getRegex("fields"));
    }
  }
}
