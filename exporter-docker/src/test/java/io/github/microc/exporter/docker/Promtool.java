package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code promtool check metrics} on an exposition, as the container ITs run it. */
final class Promtool {

  private Promtool() {}

  /**
   * What promtool says of {@code text} but its naming lint on
   * {@code microc_container_restart_count} (a gauge holding a count, as Docker's
   * {@code RestartCount}); fails unless it exits 0, or 3 for lint only (1 is a parse error).
   */
  static List<String> remarks(String text) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool's exit: 0, or 3 for lint only; 1 is a parse error\n" + out)
        .isIn(0, 3);
    return out.isEmpty() ? List.of() : out.lines()
        .filter(l -> !l.startsWith("microc_container_restart_count non-histogram and non-summary"))
        .toList();
  }
}
