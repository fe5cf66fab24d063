package io.github.microc.exporter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.engine.CollectorStatus;
import io.github.microc.exporter.core.spi.StatusTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class LandingPageTest {

  private static final String HOSTILE = "</td><script>alert(\"x\")</script>'&amp;";
  private static final String ESCAPED =
      "&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;amp;";

  @Test
  void everyStringOfATableIsEscaped() {
    StatusTable table = new StatusTable("T " + HOSTILE, "note " + HOSTILE,
        List.of("c " + HOSTILE), List.of(List.of("v " + HOSTILE)));

    String page = LandingPage.render("1.0", List.of(), true, List.of(table));

    assertThat(page)
        .contains("<h2>T " + ESCAPED + "</h2>")
        .contains("<p>note " + ESCAPED + "</p>")
        .contains("<th>c " + ESCAPED + "</th>")
        .contains("<td class=\"w\">v " + ESCAPED + "</td>")
        .doesNotContain("<script>")
        .doesNotContain("alert(\"x\")");
  }

  @Test
  void tablesComeBeforeTheCollectorsAndANoteAloneHasNoTable() {
    StatusTable containers = new StatusTable("Containers", "No containers.", List.of("Name"), List.of());
    StatusTable broken = new StatusTable("broken", "Its table could not be made: boom", List.of(), List.of());

    String page = LandingPage.render("1.0", List.of(new CollectorStatus("cpu", "CPU", true, true,
        null, null, null, null, null)), true, List.of(containers, broken));

    assertThat(page.indexOf("<h2>Containers</h2>")).isLessThan(page.indexOf("<h2>broken</h2>"));
    assertThat(page.indexOf("<h2>broken</h2>")).isLessThan(page.indexOf("<h2>Collectors</h2>"));
    assertThat(page).contains("<h2>Containers</h2>\n<p>No containers.</p>\n<table class=\"t\">\n<tr><th>Name</th></tr>\n</table>")
        .contains("<h2>broken</h2>\n<p>Its table could not be made: boom</p>\n<h2>Collectors</h2>");
  }

  @Test
  void aLongCellMayWrapAShortOneNot() {
    String page = LandingPage.render("1.0", List.of(), true, List.of(new StatusTable("T",
        List.of("a", "b"), List.of(List.of("short-name", "x".repeat(25))))));

    assertThat(page).contains("<td>short-name</td><td class=\"w\">" + "x".repeat(25) + "</td>")
        .contains("table.t td { white-space: nowrap; } table.t td.w { white-space: normal;");
  }

  @Test
  void aRowOfTheWrongWidthIsRefusedWhenTheTableIsMade() {
    assertThatThrownBy(() -> new StatusTable("t", List.of("a", "b"), List.of(List.of("1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("table \"t\": a row of 1 cells under 2 columns");
  }
}
