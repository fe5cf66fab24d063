package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTemplateTest {

  private final ClassLoader loader = getClass().getClassLoader();
  private final List<CollectorPlugin> plugins = Microc.discover(loader, type -> true, "test");
  private final Config reference = ConfigFactory.defaultReference(loader);
  private final String template = ConfigTemplate.render(reference, plugins);

  @Test
  void changesNothingUntilALineIsUncommented() {
    Config parsed = ConfigFactory.parseString(template);
    assertThat(parsed.entrySet()).as(template).isEmpty();
    assertThat(Microc.builder().environment(Map.of()).config(parsed).build().config()
        .getString("microc.web.listen-address")).isEqualTo(reference.getString("microc.web.listen-address"));
  }

  @Test
  void everyKeyUncommentedGivesTheDefaultsBack() {
    // Uncommenting every key line ("#key = value" at any depth) must give exactly the reference.
    String uncommented = template.replaceAll("(?m)^(\\s*)#(?! )(?=[\"A-Za-z0-9_-]+ = )", "$1");
    Config all = ConfigFactory.parseString(uncommented).resolve();
    List<String> names = plugins.stream().map(CollectorPlugin::name).toList();
    for (Map.Entry<String, ConfigValue> entry : reference.getConfig("microc").entrySet()) {
      String[] path = entry.getKey().split("\\.");
      if (path[0].equals("collectors") && !names.contains(path[1])) {
        continue; // a test jar's block, which the template leaves out
      }
      assertThat(all.getValue("microc." + entry.getKey()).unwrapped())
          .as("microc." + entry.getKey()).isEqualTo(entry.getValue().unwrapped());
    }
    for (CollectorPlugin plugin : plugins) {
      assertThat(all.getBoolean("microc.collectors." + plugin.name() + ".enabled"))
          .as(plugin.name()).isEqualTo(plugin.enabledByDefault());
    }
  }

  @Test
  void keepsTheReferenceCommentsAndPluginDescriptions() {
    assertThat(template).contains("    # [host]:port, as node_exporter's --web.listen-address.\n"
        + "    #listen-address = \":10049\"\n");
    CollectorPlugin loadavg = plugins.stream().filter(p -> p.name().equals("loadavg")).findFirst().orElseThrow();
    assertThat(template).contains("# " + loadavg.description() + "\n      #enabled = true\n");
  }
}
