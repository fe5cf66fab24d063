package io.github.microc.exporter.app;

import com.typesafe.config.Config;
import io.github.microc.exporter.core.spi.PluginConfig;
import java.time.Duration;
import java.util.List;

/**
 * How the jars of the plugins directory run, from {@code microc.plugins}: each in a JVM of its
 * own ({@code process}, the default) or in Microc's ({@code in-process}).
 *
 * @param mode how the jars run
 * @param heap the maximum heap of each plugin's JVM, as {@code -Xmx} takes it
 * @param jvmOptions more options for each plugin's JVM
 * @param startTimeout how long a plugin's JVM may take to list its plugins or create a collector
 */
public record PluginSettings(Mode mode, String heap, List<String> jvmOptions, Duration startTimeout) {

  /**
   * The initial heap of a plugin's JVM, as {@code -Xms} takes it: 8m, as Microc's, or the
   * maximum when that is smaller. Without it the JVM would commit a 64th of the machine's
   * memory up to the maximum at once.
   */
  public String initialHeap() {
    return bytes(heap) < 8 << 20 ? heap : "8m";
  }

  private static long bytes(String size) {
    char unit = Character.toLowerCase(size.charAt(size.length() - 1));
    long number = Long.parseLong(Character.isDigit(unit) ? size : size.substring(0, size.length() - 1));
    return switch (unit) {
      case 'k' -> number << 10;
      case 'm' -> number << 20;
      case 'g' -> number << 30;
      default -> number;
    };
  }

  /** How the jars of the plugins directory run. */
  public enum Mode {
    /** One JVM per jar: nothing a plugin does ends Microc or takes its heap. */
    PROCESS,
    /** In Microc's JVM: cheaper, for jars trusted not to exit, leak or exhaust the heap. */
    IN_PROCESS
  }

  /** Reads {@code microc.plugins} of the (merged) configuration. */
  public static PluginSettings from(Config merged) {
    PluginConfig plugins = new PluginConfig("microc.plugins", merged.getConfig("microc.plugins"));
    String mode = plugins.getString("mode");
    Mode parsed = switch (mode) {
      case "process" -> Mode.PROCESS;
      case "in-process" -> Mode.IN_PROCESS;
      default -> throw plugins.error("mode", "expected process or in-process, got \"" + mode + "\"");
    };
    String heap = plugins.getString("process.heap");
    if (!heap.matches("[1-9][0-9]*[kKmMgG]?") || bytes(heap) < 4 << 20) {
      throw plugins.error("process.heap", "expected a size of at least 4m as -Xmx takes it (such as 32m), got \""
          + heap + "\"");
    }
    return new PluginSettings(parsed, heap, plugins.getStringList("process.jvm-options"),
        plugins.getPositiveDuration("process.start-timeout"));
  }
}
