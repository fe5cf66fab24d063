package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PseudoFile;
import io.github.microc.exporter.core.spi.PseudoFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Reading sysfs attributes the way node_exporter 1.5's procfs library does, for the hardware
 * collectors: a value is the first 128 bytes of the file without surrounding whitespace, a
 * file that cannot be read (missing, forbidden, a directory in its place, or a driver that
 * answers {@code EINVAL} or {@code EOPNOTSUPP}, as a link that is down does for its speed) has
 * no value, and integers are read as Go's {@code strconv.ParseInt(s, 0, 64)} reads them
 * ({@code 0x1003} is 4099, {@code 010} is 8).
 */
final class Sysfs {

  /** What node_exporter reads of an attribute: one {@code read} of 128 bytes. */
  static final int MAX_BYTES = 128;

  private Sysfs() {}

  /** An attribute kept open, or null when it cannot be read. */
  static String read(PseudoFile file) {
    try {
      return value(file.read(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }

  /** An attribute read once, or null when it cannot be read. */
  static String read(Path file) {
    try {
      return value(PseudoFiles.read(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * An attribute kept open as node_exporter's hwmon collector reads it: the first 128 bytes,
   * untouched; null when it cannot be read.
   */
  static String readRaw(PseudoFile file) {
    try {
      return firstBytes(file.read(StandardCharsets.UTF_8), MAX_BYTES);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Whether a read failed the way node_exporter's procfs library skips: the file is gone, or the
   * driver answers {@code EINVAL} or {@code EOPNOTSUPP} (a property it does not have now).
   */
  static boolean refused(IOException e) {
    String message = e.getMessage();
    return e instanceof NoSuchFileException || message != null
        && (message.contains("Invalid argument") || message.contains("Operation not supported"));
  }

  /** The text as node_exporter keeps it: its first 128 bytes, whitespace stripped. */
  static String value(String text) {
    return firstBytes(text, MAX_BYTES).strip();
  }

  /** The longest prefix of {@code text} of at most {@code max} bytes in UTF-8, whole characters. */
  static String firstBytes(String text, int max) {
    if (text.length() * 3 <= max) {
      return text;
    }
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int size = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : 3;
      if (bytes + size > max) {
        return text.substring(0, i);
      }
      bytes += size;
      if (size == 4) {
        i++;
      }
    }
    return text;
  }

  /**
   * An attribute read once as node_exporter keeps a label value: its first 128 bytes, blanks
   * stripped, and each run of bytes that is not UTF-8 made one U+FFFD, as Go's
   * {@code strings.ToValidUTF8(s, "\uFFFD")} does.
   *
   * @throws IOException when the file cannot be read
   */
  static String readLabel(Path file) throws IOException {
    String latin1 = PseudoFiles.read(file, StandardCharsets.ISO_8859_1);
    byte[] bytes = new byte[Math.min(latin1.length(), MAX_BYTES)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) latin1.charAt(i);
    }
    return toValidUtf8(bytes).strip();
  }

  /** UTF-8 text with each run of malformed bytes as one U+FFFD, as Go's ToValidUTF8. */
  static String toValidUtf8(byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    int runEnd = -1; // where the last replacement ended: an error right there continues its run
    while (true) {
      CoderResult result = decoder.decode(in, out, true);
      if (!result.isError()) {
        break; // underflow: all read (the output always has room)
      }
      if (out.position() != runEnd) {
        out.put('\uFFFD');
        runEnd = out.position();
      }
      in.position(in.position() + result.length());
    }
    decoder.flush(out);
    out.flip();
    return out.toString();
  }

  /**
   * The entries of a sysfs directory, sorted by name, that are not regular files (devices are
   * symbolic links or directories).
   *
   * @throws NoSuchFileException when the directory does not exist
   */
  static List<String> devices(Path directory) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (!Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
          names.add(entry.getFileName().toString());
        }
      }
    }
    names.sort(null);
    return names;
  }

  /**
   * The entries of a sysfs class directory ({@code class/nvme}), sorted by name: what a
   * collector of that class lists once a scrape. No directory (no such hardware) is no data.
   */
  static TreeSet<String> listClass(Path directory) {
    TreeSet<String> names = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    } catch (NoSuchFileException e) {
      throw new NoDataException("no " + directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
    return names;
  }

  /**
   * The entries of a directory that match a glob ({@code cpu[0-9]*}), sorted by name, as
   * node_exporter's {@code filepath.Glob} finds them: none, and no error, when the directory
   * cannot be read.
   */
  static TreeSet<String> glob(Path directory, String glob) {
    TreeSet<String> names = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      // No such directory: nothing to find.
    }
    return names;
  }

  /**
   * A signed integer as Go's {@code strconv.ParseInt(text, 0, 64)} reads it: an optional sign,
   * then decimal, or {@code 0x} hexadecimal, {@code 0b} binary, {@code 0o} or {@code 0} octal,
   * with {@code _} between digits; {@link PseudoFiles#NOT_A_NUMBER} for anything else (or null)
   * and for a value out of range (and for -2^63, which is that marker).
   */
  static long parseInt(String text) {
    if (text == null || text.isEmpty() || !underscoresOk(text)) {
      return PseudoFiles.NOT_A_NUMBER;
    }
    char sign = text.charAt(0);
    Long magnitude = magnitude(text, sign == '-' || sign == '+' ? 1 : 0);
    if (magnitude == null || magnitude < 0) {
      return PseudoFiles.NOT_A_NUMBER; // malformed, or beyond 2^63 - 1
    }
    return sign == '-' ? -magnitude : magnitude;
  }

  /**
   * An unsigned 64-bit integer as Go's {@code strconv.ParseUint(text, 0, 64)} reads it (no sign;
   * decimal, {@code 0x}, {@code 0o}, {@code 0b} or {@code 0} octal; {@code _} between digits),
   * as its two's complement ({@code 0xffffffffffffffff} is -1); null for anything else.
   */
  static Long parseUint64(String text) {
    if (text == null || text.isEmpty() || text.charAt(0) == '+' || text.charAt(0) == '-'
        || !underscoresOk(text)) {
      return null;
    }
    return magnitude(text, 0);
  }

  /**
   * The digits of {@code text} from {@code at} (after any sign) as Go's base-0 parsers read them:
   * decimal, {@code 0x}, {@code 0o}, {@code 0b} or {@code 0} octal, {@code _} skipped (its place
   * checked by the caller); the unsigned value as its two's complement, or null when there is no
   * digit, a character is not a digit of the base, or the value is beyond 2^64 - 1.
   */
  private static Long magnitude(String text, int at) {
    if (at == text.length()) {
      return null;
    }
    int base = 10;
    if (text.charAt(at) == '0') {
      char prefix = text.length() - at >= 3 ? Character.toLowerCase(text.charAt(at + 1)) : 0;
      if (prefix == 'b' || prefix == 'o' || prefix == 'x') {
        base = prefix == 'b' ? 2 : prefix == 'o' ? 8 : 16;
        at += 2;
      } else {
        base = 8; // the leading 0 is a digit of its own: "0" is 0
      }
    }
    long value = 0;
    boolean anyDigit = false;
    for (int i = at; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '_') {
        continue;
      }
      int digit = digit(c, base);
      // value * base + digit must stay within 2^64 - 1, compared unsigned.
      if (digit < 0 || Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, base)) > 0) {
        return null;
      }
      value = value * base + digit;
      anyDigit = true;
    }
    return anyDigit ? value : null;
  }

  /**
   * A decimal integer as Go's {@code strconv.ParseInt(text, 10, 64)} reads it (an optional
   * sign, ASCII digits), or as {@code strconv.ParseUint(text, 10, 64)} when {@code unsigned}
   * (digits only, up to 2^64 - 1, which comes back as its two's complement);
   * {@link PseudoFiles#NOT_A_NUMBER} for anything else.
   */
  static long parseDecimal(String text, boolean unsigned) {
    if (text == null || text.isEmpty()) {
      return PseudoFiles.NOT_A_NUMBER;
    }
    int start = !unsigned && (text.charAt(0) == '-' || text.charAt(0) == '+') ? 1 : 0;
    if (start == text.length()) {
      return PseudoFiles.NOT_A_NUMBER;
    }
    for (int i = start; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return PseudoFiles.NOT_A_NUMBER;
      }
    }
    try {
      return unsigned ? Long.parseUnsignedLong(text) : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return PseudoFiles.NOT_A_NUMBER; // out of range
    }
  }

  /**
   * A number as Go's {@code strconv.ParseFloat(text, 64)} reads it, or null where that fails:
   * decimal with an optional fraction and exponent, hexadecimal with a {@code p} exponent,
   * {@code _} between digits, {@code inf}, {@code infinity} and {@code nan} in any case; no
   * blanks, no suffix, and a value beyond the largest double is an error, not infinity.
   */
  static Double parseFloat(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    Double special = special(text);
    if (special != null) {
      return special;
    }
    int i = 0;
    if (text.charAt(0) == '+' || text.charAt(0) == '-') {
      i = 1;
    }
    boolean hex = text.length() - i > 2 && text.charAt(i) == '0'
        && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X');
    if (hex) {
      i += 2;
    }
    boolean digits = false;
    boolean dot = false;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '_') {
        continue;
      } else if (c == '.' && !dot) {
        dot = true;
      } else if (digit(c, hex ? 16 : 10) >= 0) {
        digits = true;
      } else {
        break;
      }
    }
    if (!digits) {
      return null;
    }
    if (i < text.length() && Character.toLowerCase(text.charAt(i)) == (hex ? 'p' : 'e')) {
      i++;
      if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      if (i >= text.length() || text.charAt(i) < '0' || text.charAt(i) > '9') {
        return null;
      }
      while (i < text.length() && (text.charAt(i) >= '0' && text.charAt(i) <= '9' || text.charAt(i) == '_')) {
        i++;
      }
    } else if (hex) {
      return null; // Go's hexadecimal mantissa needs its exponent
    }
    if (i != text.length() || !underscoresOk(text)) {
      return null;
    }
    double value = Double.parseDouble(text.indexOf('_') < 0 ? text : text.replace("_", ""));
    return Double.isInfinite(value) ? null : value;
  }

  /** Go's special values: [+-]inf, [+-]infinity, nan, in any case. */
  private static Double special(String text) {
    int at = text.charAt(0) == '+' || text.charAt(0) == '-' ? 1 : 0;
    String rest = text.substring(at);
    if (rest.equalsIgnoreCase("inf") || rest.equalsIgnoreCase("infinity")) {
      return text.charAt(0) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return at == 0 && rest.equalsIgnoreCase("nan") ? Double.NaN : null;
  }

  /** An ASCII digit's value in {@code base}, or -1 (Character.digit takes other scripts' digits). */
  private static int digit(char c, int base) {
    char lower = (char) (c | 0x20);
    int value = c >= '0' && c <= '9' ? c - '0' : lower >= 'a' && lower <= 'z' ? lower - 'a' + 10 : -1;
    return value < base ? value : -1;
  }

  /** Go's rule: an underscore only between digits, or after the base prefix. */
  private static boolean underscoresOk(String s) {
    if (s.indexOf('_') < 0) {
      return true;
    }
    int i = 0;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      i = 1;
    }
    char saw = '^';
    boolean hex = false;
    if (s.length() - i >= 2 && s.charAt(i) == '0') {
      char prefix = Character.toLowerCase(s.charAt(i + 1));
      if (prefix == 'b' || prefix == 'o' || prefix == 'x') {
        i += 2;
        saw = '0';
        hex = prefix == 'x';
      }
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      char lower = Character.toLowerCase(c);
      if (c >= '0' && c <= '9' || hex && lower >= 'a' && lower <= 'f') {
        saw = '0';
      } else if (c == '_') {
        if (saw != '0') {
          return false;
        }
        saw = '_';
      } else {
        if (saw == '_') {
          return false;
        }
        saw = '!';
      }
    }
    return saw != '_';
  }
}
