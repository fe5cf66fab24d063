package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;

class FilefdCollectorTest {

  @Test
  void capturedFileNr() {
    String text = Exposition.text(new FilefdCollector(Fixtures.host().proc("sys", "fs", "file-nr")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_filefd_allocated File descriptor statistics: allocated.
        # TYPE node_filefd_allocated gauge
        node_filefd_allocated 915.0
        # HELP node_filefd_maximum File descriptor statistics: maximum.
        # TYPE node_filefd_maximum gauge
        node_filefd_maximum 2466093.0
        """);
  }

  @Test
  void fieldsAreTabSeparatedAndTheSecondIsSkipped() {
    assertThat(FilefdCollector.parseFileNr("  1\t999\t99\t7\n")).containsExactly(1, 99);
  }

  @Test
  void fewerThanThreeFieldsOrOneThatIsNotANumberIsAnError() {
    assertThatThrownBy(() -> FilefdCollector.parseFileNr("1 0 99\n"))
        .hasMessageContaining("unexpected number of file stats");
    assertThatThrownBy(() -> FilefdCollector.parseFileNr("1\t0\tmany\n"))
        .hasMessageContaining("\"many\"");
  }
}
