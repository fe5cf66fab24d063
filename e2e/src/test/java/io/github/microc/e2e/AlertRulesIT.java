package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules in deploy/prometheus/rules are valid and behave as their unit tests say, and
 * the scrape configuration beside them is valid, checked by the real {@code promtool}. That every rule's expression also finds series in a
 * real Prometheus scraping real Microc instances is {@link DashboardsIT}'s job.
 */
class AlertRulesIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static Path promtool;
  private static Path rules;

  @BeforeAll
  static void findPromtool() {
    promtool = Engines.requireExecutable("promtool",
        "install Debian's prometheus package (apt-get install prometheus)", "/usr/bin/promtool");
    rules = Repository.resolve("deploy/prometheus/rules");
  }

  @Test
  void rulesPassCheckRules() {
    String output = promtool(rules, "check", "rules", "microc-alerts.yml").orFail();
    assertThat(output).contains("SUCCESS");
  }

  /** The shipped scrape configuration, with its file_sd targets and rule files, is valid. */
  @Test
  void scrapeConfigPassesCheckConfig() {
    String output = promtool(rules.getParent(), "check", "config", "prometheus.yml").orFail();
    assertThat(output).contains("SUCCESS: 1 rule files found").doesNotContain("WARNING");
  }

  @Test
  void ruleUnitTestsPass() {
    String output = promtool(rules, "test", "rules", "microc-alerts.test.yml").orFail();
    assertThat(output).contains("SUCCESS");
  }

  @Test
  void everyAlertHasAUnitTest() throws IOException {
    String ruleFile = Files.readString(rules.resolve("microc-alerts.yml"));
    String tests = Files.readString(rules.resolve("microc-alerts.test.yml"));
    List<String> alerts = ruleFile.lines()
        .map(String::strip)
        .filter(line -> line.startsWith("- alert: "))
        .map(line -> line.substring("- alert: ".length()).strip())
        .toList();
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(9);
    for (String alert : alerts) {
      assertThat(tests).as("a firing test of " + alert)
          .containsPattern("alertname: " + alert + "\\s+exp_alerts:\\s+- exp_labels:");
    }
  }

  /** The unit tests have teeth: a rule whose threshold is broken fails them, by name. */
  @Test
  void brokenRuleFailsTheUnitTests(@TempDir Path dir) throws IOException {
    String ruleFile = Files.readString(rules.resolve("microc-alerts.yml"));
    String broken = ruleFile.replace("expr: microc_docker_up == 0", "expr: microc_docker_up == 2");
    assertThat(broken).isNotEqualTo(ruleFile);
    Files.writeString(dir.resolve("microc-alerts.yml"), broken);
    Files.copy(rules.resolve("microc-alerts.test.yml"), dir.resolve("microc-alerts.test.yml"));

    Command.Result result = promtool(dir, "test", "rules", "microc-alerts.test.yml");

    assertThat(result.succeeded()).as(result.output()).isFalse();
    assertThat(result.output()).contains("alertname: MicrocDockerDown").doesNotContain("MicrocExporterDown");
  }

  private static Command.Result promtool(Path directory, String... args) {
    List<String> command = new ArrayList<>(List.of(promtool.toString()));
    command.addAll(List.of(args));
    return Command.run(TIMEOUT, directory, command);
  }
}
