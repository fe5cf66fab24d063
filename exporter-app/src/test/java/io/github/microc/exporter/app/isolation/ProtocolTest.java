package io.github.microc.exporter.app.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.StatusTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A landing-page table through the protocol's text, as a plugin's JVM sends it to Microc. */
class ProtocolTest {

  @Test
  void anyTextOfATableSurvivesTheRoundTrip() {
    StatusTable table = new StatusTable("a\ttitle\\", "a note\r\non two lines", List.of("", "B\\t", "\\"),
        List.of(List.of("", "\t", "\n"), List.of("x\\ny", "naïve ☃", "end\\")));

    String text = Protocol.table(table);

    assertThat(text).doesNotContain("\r").hasLineCount(4);
    assertThat(Protocol.table(text)).isEqualTo(table);
  }

  @Test
  void aTableWithoutColumnsOrRowsSurvives() {
    StatusTable table = new StatusTable("Empty", "", List.of(), List.of());

    assertThat(Protocol.table(Protocol.table(table))).isEqualTo(table);
  }

  @Test
  void textThatIsNotATableIsRefusedSayingWhy() {
    assertThatThrownBy(() -> Protocol.table("2\ttitle\tnote\n3\ta\tb\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a table line: \"3\\x09a\\x09b\"");
    assertThatThrownBy(() -> Protocol.table("2\ttitle\tnote\n"))
        .hasMessage("not a table: \"2\\x09title\\x09note\\x0a\"");
    assertThatThrownBy(() -> Protocol.table("2\ttitle\tnote\n1\ta\n2\tx\ty\n"))
        .hasMessage("table \"title\": a row of 2 cells under 1 columns");
  }
}
