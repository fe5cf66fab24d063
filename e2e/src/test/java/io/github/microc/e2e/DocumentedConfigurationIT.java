package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.JarPlugins;
import io.github.microc.e2e.support.JarPlugins.Plugin;
import io.github.microc.e2e.support.Markdown;
import io.github.microc.e2e.support.Markdown.Table;
import io.github.microc.e2e.support.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/cli.md hold what the built jars hold: a collector table row for every
 * collector plugin of the app jar and of the example plugin jar with its default, a flag table
 * row for every flag of {@code --help}, and every key of every {@code reference.conf} named in
 * the doc that is its home:
 *
 * <ul>
 *   <li>a collector's key ({@code microc.collectors.<c>.<key>}) in {@code docs/<c>.md} where
 *       there is one, in docs/plugins.md for a plugin jar's collector, else in the collector's
 *       note ({@code - **<c>**}) in docs/metrics.md;
 *   <li>push mode's keys in docs/push.md, an endpoint's below {@code remote-write-defaults};
 *   <li>every other key in docs/cli.md, as its full name ({@code microc.web.idle-timeout}).
 * </ul>
 *
 * A key is named there in a code span ({@code `key`}, {@code `key = value`}, or its full name),
 * or set in a code block ({@code key = ...}, {@code key { ... }}); collector and push keys by
 * their path below their block.
 */
class DocumentedConfigurationIT {

  private static final Pattern HELP_FLAG = Pattern.compile("^\\s{2,6}(?:(-\\w), )?(--[a-z][\\w.\\-]*)");
  private static final Pattern DOC_FLAG = Pattern.compile("^(--?[a-zA-Z][\\w.\\-]*)");

  private static Path appJar;
  private static Path pluginJar;

  @BeforeAll
  static void findJars() {
    appJar = Repository.appJar();
    pluginJar = Repository.examplePluginJar();
  }

  @Test
  void theReadmesCollectorTableHasARowForEveryPluginWithItsDefault() {
    Map<String, Plugin> plugins = new TreeMap<>();
    JarPlugins.of(null, appJar).forEach(p -> plugins.put(p.name(), p));
    JarPlugins.of(appJar, pluginJar).forEach(p -> plugins.put(p.name(), p));
    assertThat(plugins).as("collector plugins of " + appJar).containsKeys("cpu", "containers");

    Markdown readme = Markdown.read(Repository.resolve("README.md"));
    Table table = readme.tables().stream()
        .filter(t -> t.kind().equals("name") && t.header().contains("default")).findFirst()
        .orElseThrow(() -> new AssertionError("README.md has no collector table (name | … | default)"));
    int defaultColumn = table.header().indexOf("default");
    Map<String, String> rows = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (List<String> row : table.rows()) {
      String name = Markdown.codeSpans(row.get(0)).stream().findFirst().orElse(row.get(0));
      if (rows.put(name, row.size() > defaultColumn ? row.get(defaultColumn) : "") != null) {
        problems.add("two rows for " + name);
      }
    }
    for (Plugin plugin : plugins.values()) {
      String cell = rows.get(plugin.name());
      String expected = plugin.enabledByDefault() ? "enabled" : "disabled";
      if (cell == null) {
        problems.add("no row for " + plugin.name() + " (" + expected + " by default, in "
            + plugin.jar().getFileName() + ")");
      } else if (!cell.startsWith(expected)) {
        problems.add(plugin.name() + ": the table says \"" + cell + "\", enabledByDefault() says "
            + expected);
      }
    }
    rows.keySet().stream().filter(name -> !plugins.containsKey(name))
        .forEach(name -> problems.add("a row for " + name + ", which no jar has"));
    assertThat(problems).as("README.md:" + table.line() + ", the collector table against the jars")
        .isEmpty();
  }

  @Test
  void everyFlagOfHelpIsInTheFlagTableAndNoOther() {
    String help = Command.run(Duration.ofSeconds(60), java(), "-jar", appJar.toString(), "--help")
        .orFail();
    Set<String> helpFlags = new TreeSet<>();
    for (String line : help.substring(0, help.indexOf("\nCollectors")).split("\n")) {
      Matcher m = HELP_FLAG.matcher(line);
      if (m.find()) {
        if (m.group(1) != null) {
          helpFlags.add(m.group(1));
        }
        helpFlags.add(m.group(2).replaceAll("=.*", ""));
      }
    }
    assertThat(helpFlags).as("flags of --help").contains("--help", "--web.listen-address");

    Markdown cli = Markdown.read(Repository.resolve("docs/cli.md"));
    Table table = cli.tables().stream().filter(t -> t.kind().equals("flag")).findFirst()
        .orElseThrow(() -> new AssertionError("docs/cli.md has no flag table"));
    Set<String> documented = new TreeSet<>();
    for (List<String> row : table.rows()) {
      for (String span : Markdown.codeSpans(row.get(0))) {
        Matcher m = DOC_FLAG.matcher(span);
        if (m.find() && !span.contains("<")) {
          documented.add(m.group(1));
        }
      }
    }
    Set<String> missing = new TreeSet<>(helpFlags);
    missing.removeAll(documented);
    Set<String> unknown = new TreeSet<>(documented);
    unknown.removeAll(helpFlags);
    assertThat(missing).as("flags of --help missing from docs/cli.md's flag table (line "
        + table.line() + ")").isEmpty();
    assertThat(unknown).as("flags in docs/cli.md's flag table that --help does not list").isEmpty();
  }

  @Test
  void everyKeyOfEveryReferenceConfIsNamedInItsHomeDoc() {
    Set<String> pluginCollectors = JarPlugins.of(appJar, pluginJar).stream().map(Plugin::name)
        .collect(Collectors.toSet());
    Map<String, Set<String>> keys = new TreeMap<>();
    for (Path jar : List.of(appJar, pluginJar)) {
      String text = JarPlugins.referenceConf(jar);
      assertThat(text).as("reference.conf of " + jar).isNotNull();
      leaves(ConfigFactory.parseString(text).root(), "").forEach(k ->
          keys.computeIfAbsent(k, x -> new TreeSet<>()).add(jar.getFileName().toString()));
    }
    assertThat(keys).as("keys of the jars' reference.conf")
        .containsKeys("microc.web.listen-address", "microc.collectors.containers.metrics",
            "microc.push.remote-write-defaults.url", "microc.collectors.http_probe.targets");

    List<String> missing = new ArrayList<>();
    for (String key : keys.keySet()) {
      Home home = home(key, pluginCollectors);
      if (!home.names(key)) {
        missing.add(key + " (" + String.join(", ", keys.get(key)) + "): not named in "
            + home.where());
      }
    }
    assertThat(missing).as("configuration keys the docs do not name").isEmpty();
  }

  /** Where a key must be named, and how. */
  private record Home(String text, String relative, boolean fullNameOnly, String where) {

    boolean names(String key) {
      Set<String> spans = Markdown.codeSpans(text);
      if (spans.stream().anyMatch(s -> startsWithKey(s, key))) {
        return true;
      }
      if (fullNameOnly) {
        return false;
      }
      if (spans.stream().anyMatch(s -> startsWithKey(s, relative))) {
        return true;
      }
      String leaf = relative.substring(relative.lastIndexOf('.') + 1);
      Pattern set = Pattern.compile("(^|[\\s{,.])" + Pattern.quote(leaf) + "\\s*(=|\\{)");
      return codeBlocks(text).stream().anyMatch(block -> set.matcher(block).find());
    }

    private static boolean startsWithKey(String span, String key) {
      return span.equals(key) || span.startsWith(key + " ") || span.startsWith(key + "=")
          || span.startsWith(key + "[");
    }
  }

  private static Home home(String key, Set<String> pluginCollectors) {
    Path docs = Repository.resolve("docs");
    if (key.startsWith("microc.collectors.")) {
      String rest = key.substring("microc.collectors.".length());
      String collector = rest.substring(0, rest.indexOf('.'));
      String relative = rest.substring(collector.length() + 1);
      Path own = docs.resolve(collector + ".md");
      if (Files.isRegularFile(own)) {
        return new Home(Markdown.read(own).text(), relative, false, "docs/" + own.getFileName());
      }
      if (pluginCollectors.contains(collector)) {
        Path plugins = docs.resolve("plugins.md");
        return new Home(Markdown.read(plugins).text(), relative, false, "docs/plugins.md");
      }
      Path metrics = docs.resolve("metrics.md");
      String note = Markdown.read(metrics).section("- **" + collector + "**");
      return new Home(note, relative, false,
          "docs/metrics.md, the note \"- **" + collector + "**\"" + (note.isEmpty() ? " (there is none)" : ""));
    }
    if (key.startsWith("microc.push.")) {
      String relative = key.substring("microc.push.".length())
          .replaceFirst("^remote-write-defaults\\.", "");
      Path push = docs.resolve("push.md");
      return new Home(Markdown.read(push).text(), relative, false, "docs/push.md");
    }
    Path cli = docs.resolve("cli.md");
    return new Home(Markdown.read(cli).text(), key, true, "docs/cli.md (as `" + key + "`)");
  }

  /** The leaf keys of a configuration, empty objects and lists included, as full paths. */
  private static Set<String> leaves(ConfigObject object, String prefix) {
    Set<String> keys = new LinkedHashSet<>();
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String path = prefix + entry.getKey();
      if (entry.getValue() instanceof ConfigObject child && !child.isEmpty()) {
        keys.addAll(leaves(child, path + "."));
      } else {
        keys.add(path);
      }
    }
    return keys;
  }

  private static List<String> codeBlocks(String text) {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = null;
    for (String line : text.split("\n")) {
      if (line.strip().startsWith("```")) {
        if (block == null) {
          block = new StringBuilder();
        } else {
          blocks.add(block.toString());
          block = null;
        }
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    return blocks;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
