package io.github.microc.exporter.core.spi;

import static io.github.microc.exporter.core.spi.PseudoFiles.NOT_A_NUMBER;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PseudoFilesTest {

  @Test
  void numbersAreFoundInPlace() {
    String text = "ctxt 488845\nbtime\t1795290457 \r\n";
    assertThat(PseudoFiles.number(text, 4, PseudoFiles.lineEnd(text, 0))).isEqualTo(488845);
    int second = PseudoFiles.lineEnd(text, 0) + 1;
    int end = PseudoFiles.lineEnd(text, second);
    int value = PseudoFiles.skipBlanks(text, PseudoFiles.fieldEnd(text, second, end), end);
    assertThat(text.substring(second, PseudoFiles.fieldEnd(text, second, end))).isEqualTo("btime");
    assertThat(PseudoFiles.number(text, value, end)).isEqualTo(1795290457L);
    assertThat(PseudoFiles.lineEnd(text, end + 1)).isEqualTo(text.length());
  }

  @Test
  void edgeNumbers() {
    assertThat(number("0")).isZero();
    assertThat(number("-12")).isEqualTo(-12);
    assertThat(number("999999999999999999")).isEqualTo(999_999_999_999_999_999L);
    assertThat(number("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(number("-9223372036854775807")).isEqualTo(-Long.MAX_VALUE);
    assertThat(number("18446744073709551615")).isEqualTo(NOT_A_NUMBER); // beyond a long
    assertThat(number("")).isEqualTo(NOT_A_NUMBER);
    assertThat(number("   ")).isEqualTo(NOT_A_NUMBER);
    assertThat(number("-")).isEqualTo(NOT_A_NUMBER);
    assertThat(number("12a")).isEqualTo(NOT_A_NUMBER);
    assertThat(number("1.5")).isEqualTo(NOT_A_NUMBER);
    assertThat(number("max")).isEqualTo(NOT_A_NUMBER);
  }

  private static long number(String text) {
    return PseudoFiles.number(text, 0, text.length());
  }
}
