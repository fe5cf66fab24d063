package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.PseudoFiles;

/** Numbers in kernel text, read in place where they are integers, as node_exporter reads them. */
final class Numbers {

  private Numbers() {}

  /**
   * The number {@code text[from, end)}: an integer without making a string, anything else as
   * Go's {@code strconv.ParseFloat} would take it (a fraction, an exponent, an unsigned 64-bit
   * value past {@code Long.MAX_VALUE}).
   *
   * @throws IllegalArgumentException naming {@code what} when it is not a number
   */
  static double parseFloat(String text, int from, int end, String what) {
    long value = PseudoFiles.number(text, from, end);
    if (value != PseudoFiles.NOT_A_NUMBER) {
      return value;
    }
    String field = text.substring(from, end).strip();
    if (!field.isEmpty() && !Character.isLetter(field.charAt(field.length() - 1))
        || field.equalsIgnoreCase("nan") || field.equalsIgnoreCase("inf")
        || field.equalsIgnoreCase("+inf") || field.equalsIgnoreCase("-inf")) {
      try {
        return switch (field.toLowerCase(java.util.Locale.ROOT)) {
          case "nan" -> Double.NaN;
          case "inf", "+inf" -> Double.POSITIVE_INFINITY;
          case "-inf" -> Double.NEGATIVE_INFINITY;
          default -> Double.parseDouble(field);
        };
      } catch (NumberFormatException e) {
        // Reported below.
      }
    }
    throw new IllegalArgumentException("invalid value \"" + field + "\" for " + what);
  }

  /**
   * An unsigned hexadecimal integer {@code text[from, end)} (such as {@code 00000cf5}), or
   * {@link PseudoFiles#NOT_A_NUMBER}; at most 15 digits.
   */
  static long hex(String text, int from, int end) {
    if (from >= end || end - from > 15) {
      return PseudoFiles.NOT_A_NUMBER;
    }
    long value = 0;
    for (int i = from; i < end; i++) {
      int digit = Character.digit(text.charAt(i), 16);
      if (digit < 0) {
        return PseudoFiles.NOT_A_NUMBER;
      }
      value = value << 4 | digit;
    }
    return value;
  }

  /**
   * A file holding one unsigned decimal integer ({@code "5\n"}), whitespace around it allowed, as
   * node_exporter's {@code readUintFromFile} reads it.
   *
   * @throws IllegalArgumentException otherwise
   */
  static double parseUintFile(String text) {
    int from = 0;
    int end = text.length();
    while (from < end && Character.isWhitespace(text.charAt(from))) {
      from++;
    }
    while (end > from && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    long value = PseudoFiles.number(text, from, end);
    if (value == PseudoFiles.NOT_A_NUMBER || value < 0 || text.charAt(from) == '-') {
      throw new IllegalArgumentException("not an unsigned integer: \"" + text.substring(from, end) + "\"");
    }
    return value;
  }

  /** An unsigned 64-bit value as the nearest double, as Go's {@code float64(uint64)} makes it. */
  static double unsigned(long value) {
    return value >= 0 ? value : (double) (value >>> 1 | (value & 1)) * 2.0; // low bit kept, sticky
  }
}
