package io.github.microc.exporter.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The distribution's {@code conf/microc.conf}: every key of every {@code reference.conf} on the
 * class path, with its comment and its default, commented out, so that the file changes nothing
 * until a line is uncommented.
 *
 * <pre>
 * microc {
 *   web {
 *     # [host]:port, as node_exporter's --web.listen-address.
 *     #listen-address = ":10049"
 *   }
 * }
 * </pre>
 *
 * Run by the build: {@code java -cp microc-exporter.jar io.github.microc.exporter.app.ConfigTemplate}.
 */
public final class ConfigTemplate {

  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");
  private static final ConfigRenderOptions ONE_LINE = ConfigRenderOptions.concise().setJson(false);

  private ConfigTemplate() {}

  public static void main(String[] args) {
    ClassLoader loader = ConfigTemplate.class.getClassLoader();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.print(render(ConfigFactory.defaultReference(loader),
        Microc.discover(loader, type -> true, "Microc's class path")));
    out.flush();
  }

  /**
   * The {@code microc} block of {@code reference}, every value commented out, with each
   * plugin's {@code enabled} and its description.
   */
  static String render(Config reference, List<CollectorPlugin> plugins) {
    // A block of a collector that no plugin provides is rejected at start-up; leave it out.
    java.util.Set<String> names = new java.util.HashSet<>();
    plugins.forEach(p -> names.add(p.name()));
    for (String name : reference.getObject("microc.collectors").keySet()) {
      if (!names.contains(name)) {
        reference = reference.withoutPath("microc.collectors." + ConfigUtil.quoteString(name));
      }
    }
    for (CollectorPlugin plugin : plugins) {
      String path = "microc.collectors." + plugin.name() + ".enabled";
      String description = plugin.description() == null ? "" : plugin.description().strip();
      List<String> comments = new ArrayList<>();
      if (!description.isEmpty()) {
        comments.add(" " + description);
      }
      ConfigValue enabled = ConfigValueFactory.fromAnyRef(plugin.enabledByDefault());
      reference = reference.withValue(path,
          enabled.withOrigin(enabled.origin().withComments(comments)));
    }
    StringBuilder text = new StringBuilder();
    text.append("# Microc's configuration (HOCON). Every key is shown with its default, commented\n")
        .append("# out: uncomment a line to change it. Keys that no jar declares are rejected at\n")
        .append("# start-up with their file and line. `microc --print-config` shows the effective\n")
        .append("# configuration and where each value comes from. Environment variables\n")
        .append("# (MICROC_<PATH>) and flags take priority over this file: docs/cli.md.\n\n");
    text.append("microc {\n");
    object(reference.getObject("microc"), 1, text);
    text.append("}\n");
    return text.toString();
  }

  private static void object(ConfigObject object, int depth, StringBuilder text) {
    String indent = "  ".repeat(depth);
    boolean first = true;
    for (Map.Entry<String, ConfigValue> entry : new java.util.TreeMap<>(object).entrySet()) {
      ConfigValue value = entry.getValue();
      if (!first && (value instanceof ConfigObject || !value.origin().comments().isEmpty())) {
        text.append('\n');
      }
      first = false;
      for (String comment : value.origin().comments()) {
        text.append(indent).append('#').append(comment.isEmpty() || comment.startsWith(" ") ? "" : " ")
            .append(comment.stripTrailing()).append('\n');
      }
      String key = PLAIN_KEY.matcher(entry.getKey()).matches() ? entry.getKey()
          : ConfigUtil.quoteString(entry.getKey());
      if (value instanceof ConfigObject child && !child.isEmpty()) {
        text.append(indent).append(key).append(" {\n");
        object(child, depth + 1, text);
        text.append(indent).append("}\n");
      } else {
        text.append(indent).append('#').append(key).append(" = ").append(value.render(ONE_LINE))
            .append('\n');
      }
    }
  }
}
