package io.github.microc.exporter.docker.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Docker Engine API's JSON, read into plain values: an object is a {@code Map<String,
 * Object>} (in document order), an array a {@code List<Object>}, a string a {@code String}, a
 * whole number that fits a {@code long} a {@code Long}, any other number a {@code Double}, and
 * {@code true}, {@code false} and {@code null} themselves. The accessors read a field of a
 * value that may be missing or of another type and give a default instead, because the API
 * leaves fields out and its versions differ.
 *
 * <p>Strict RFC 8259 in strict UTF-8: anything else is a {@link DockerException} that says
 * what was found and at which byte offset. The text is read as it arrives, never held whole;
 * what bounds an answer is what its values would take on the heap, estimated as they are
 * made ({@code maxHeap}), and its nesting, limited to {@value #MAX_DEPTH} levels so that no
 * answer can exhaust the stack.
 */
public final class Json {

  static final int MAX_DEPTH = 128;
  /** Docker's numbers are short; a longer one is not a number it sent. */
  private static final int MAX_NUMBER = 1024;

  /** Where the text comes from: an answer's body, or a string's bytes. */
  interface Source {
    /** Up to {@code len} bytes; -1 at the end. */
    int read(byte[] b, int off, int len) throws IOException;
  }

  private final Source in;
  private final byte[] buf;
  private final long maxHeap;
  private final long maxValueBytes;
  /** Objects at nesting level {@code keepDepth} keep only these fields; null: every field. */
  private final Set<String> keep;
  private final int keepDepth;
  private int pos;
  private int end;
  /** The offset of {@code buf[0]} in the text. */
  private long base;
  private boolean eof;
  /** Where the value being read began, and what its values may still take. */
  private long valueStart;
  private long heapLeft;

  private Json(Source in, int bufferSize, long maxHeap, long maxValueBytes, Set<String> keep,
      int keepDepth) {
    this.in = in;
    this.buf = new byte[bufferSize];
    this.maxHeap = maxHeap;
    this.maxValueBytes = maxValueBytes;
    this.heapLeft = maxHeap;
    this.keep = keep;
    this.keepDepth = keepDepth;
  }

  /** Parses one JSON value; nothing but white space may follow it. */
  public static Object parse(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      return parse(new Source() {
        private int at;

        @Override
        public int read(byte[] b, int off, int len) {
          if (at == bytes.length) {
            return -1;
          }
          int n = Math.min(len, bytes.length - at);
          System.arraycopy(bytes, at, b, off, n);
          at += n;
          return n;
        }
      }, Long.MAX_VALUE, Math.max(16, Math.min(bytes.length, 8192)), null);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a string", e);
    }
  }

  /**
   * Parses the one JSON value of {@code in}, read to its end; nothing but white space may
   * follow it. Its values may take at most about {@code maxHeap} bytes.
   */
  static Object parse(Source in, long maxHeap) throws IOException {
    return parse(in, maxHeap, 8192, null);
  }

  /**
   * The same for an array of objects of which only the fields {@code fields} are wanted: the
   * others are checked as they are read, and left out.
   */
  static Object parseArrayOf(Source in, long maxHeap, Set<String> fields) throws IOException {
    return parse(in, maxHeap, 8192, fields);
  }

  private static Object parse(Source in, long maxHeap, int bufferSize, Set<String> fields)
      throws IOException {
    Json p = new Json(in, bufferSize, maxHeap, Long.MAX_VALUE, fields, 2);
    p.skipSpace();
    Object value = p.value(0, true);
    p.skipSpace();
    if (p.peek() >= 0) {
      throw p.error("text after the value");
    }
    return value;
  }

  /**
   * A reader of a stream of JSON values separated by white space (an events stream), each
   * value at most {@code maxBytes} long (white space before it included; checked as the text
   * is read, a buffer of 8 KiB at a time) and taking at most about {@code maxHeap} bytes.
   */
  static Json stream(Source in, long maxBytes, long maxHeap) {
    return new Json(in, 8192, maxHeap, maxBytes, null, 0);
  }

  /** Whether another value follows; false at the end of the stream. */
  boolean hasNext() throws IOException {
    valueStart = base + pos;
    skipSpace();
    return peek() >= 0;
  }

  /** The next value of the stream; call {@link #hasNext()} first. */
  Object next() throws IOException {
    heapLeft = maxHeap;
    return value(0, true);
  }

  // ---- accessors ---------------------------------------------------------------------------

  /** {@code value} if it is an object, else an empty one. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The object under {@code field} of {@code object}, else an empty one. */
  public static Map<String, Object> object(Map<String, Object> object, String field) {
    return object(object.get(field));
  }

  /** {@code value} if it is an array, else an empty one. */
  @SuppressWarnings("unchecked")
  public static List<Object> array(Object value) {
    return value instanceof List<?> l ? (List<Object>) l : List.of();
  }

  /** The string under {@code field}, else {@code fallback} (also for JSON null). */
  public static String string(Map<String, Object> object, String field, String fallback) {
    return object.get(field) instanceof String s ? s : fallback;
  }

  /** The whole number under {@code field}, else {@code fallback}. */
  public static long number(Map<String, Object> object, String field, long fallback) {
    Object v = object.get(field);
    if (v instanceof Long l) {
      return l;
    }
    // Beyond a long (an unsigned 64-bit "no limit"): the saturated value.
    return v instanceof Double d ? (long) d.doubleValue() : fallback;
  }

  /** Whether {@code field} is {@code true}. */
  public static boolean isTrue(Map<String, Object> object, String field) {
    return Boolean.TRUE.equals(object.get(field));
  }

  /** The string values of the object under {@code field} (labels, attributes); others skipped. */
  public static Map<String, String> strings(Map<String, Object> object, String field) {
    Map<String, Object> map = object(object.get(field));
    if (map.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>(map.size() * 2);
    map.forEach((k, v) -> {
      if (v instanceof String s) {
        out.put(k, s);
      }
    });
    return out;
  }

  /** {@code text} as a JSON string, quotes included (for query parameters such as filters). */
  public static String quote(String text) {
    StringBuilder b = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  // ---- the parser --------------------------------------------------------------------------

  /** The value at the current position; with {@code build} false it is checked and skipped, and null. */
  private Object value(int depth, boolean build) throws IOException {
    int c = peek();
    if (c < 0) {
      throw error("the text ended where a value was expected");
    }
    return switch (c) {
      case '{' -> object(depth + 1, build);
      case '[' -> array(depth + 1, build);
      case '"' -> string(build);
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number(build);
        }
        throw error("unexpected '" + printable(c) + "'");
      }
    };
  }

  private Map<String, Object> object(int depth, boolean build) throws IOException {
    checkDepth(depth);
    if (build) {
      charge(64);
    }
    pos++;
    skipSpace();
    if (peek() == '}') {
      pos++;
      return build ? Collections.emptyMap() : null;
    }
    boolean filtered = build && keep != null && depth == keepDepth;
    Map<String, Object> map = build ? new LinkedHashMap<>() : null;
    while (true) {
      if (peek() != '"') {
        throw error("expected a field name");
      }
      String key = string(build);
      boolean kept = build && (!filtered || keep.contains(key));
      if (filtered && !kept) {
        heapLeft += 40 + key.length();
      }
      skipSpace();
      expect(':');
      skipSpace();
      if (kept) {
        charge(48);
        map.put(key, value(depth, true));
      } else {
        value(depth, false);
      }
      skipSpace();
      int c = next("'}' or ','");
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        throw error(offset() - 1, "expected '}' or ',' but found '" + printable(c) + "'");
      }
      skipSpace();
    }
  }

  private List<Object> array(int depth, boolean build) throws IOException {
    checkDepth(depth);
    if (build) {
      charge(40);
    }
    pos++;
    skipSpace();
    if (peek() == ']') {
      pos++;
      return build ? Collections.emptyList() : null;
    }
    List<Object> list = build ? new ArrayList<>() : null;
    while (true) {
      if (build) {
        charge(8);
        list.add(value(depth, true));
      } else {
        value(depth, false);
      }
      skipSpace();
      int c = next("']' or ','");
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        throw error(offset() - 1, "expected ']' or ',' but found '" + printable(c) + "'");
      }
      skipSpace();
    }
  }

  private String string(boolean build) throws IOException {
    pos++;
    // The common case: ASCII without escapes, within the buffer.
    int start = pos;
    while (pos < end) {
      byte b = buf[pos];
      if (b == '"') {
        if (!build) {
          pos++;
          return null;
        }
        String s = new String(buf, start, pos - start, StandardCharsets.ISO_8859_1);
        pos++;
        charge(40 + s.length());
        return s;
      }
      if (b == '\\' || b < 0x20) { // a negative byte is outside ASCII
        break;
      }
      pos++;
    }
    StringBuilder b = build ? new StringBuilder(pos - start + 16) : null;
    if (build) {
      for (int i = start; i < pos; i++) {
        b.append((char) buf[i]);
      }
    }
    boolean wide = false;
    while (true) {
      // Plain ASCII in bulk, as far as the buffer goes.
      int run = pos;
      while (run < end) {
        byte x = buf[run];
        if (x == '"' || x == '\\' || x < 0x20) {
          break;
        }
        run++;
      }
      if (run > pos && build) {
        for (int i = pos; i < run; i++) {
          b.append((char) buf[i]);
        }
        // A long string is charged as it grows, not only once it is whole, and for what its
        // builder holds at worst: its text, its spare capacity, the copy when it grows.
        chargeSoFar(40 + (wide ? 6L : 3L) * b.length());
      }
      pos = run;
      int c = next("the end of a string");
      if (c == '"') {
        if (!build) {
          return null;
        }
        String s = b.toString();
        charge(40 + (wide ? 2L : 1L) * s.length());
        return s;
      }
      if (c < 0x20) {
        throw error(offset() - 1, "a control character in a string");
      }
      if (c >= 0x80) {
        int cp = utf8(c);
        if (build) {
          wide |= cp > 0xff;
          b.appendCodePoint(cp);
        }
        continue;
      }
      if (c != '\\') {
        if (build) {
          b.append((char) c);
        }
        continue;
      }
      int e = next("an escape");
      char decoded = switch (e) {
        case '"', '\\', '/' -> (char) e;
        case 'b' -> '\b';
        case 'f' -> '\f';
        case 'n' -> '\n';
        case 'r' -> '\r';
        case 't' -> '\t';
        case 'u' -> {
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int h = peek();
            if (h < 0) {
              throw error("a \\u escape cut short");
            }
            int digit = Character.digit(h, 16);
            if (digit < 0) {
              throw error("not a hex digit in a \\u escape");
            }
            pos++;
            code = code * 16 + digit;
          }
          yield (char) code;
        }
        default -> throw error(offset() - 1, "unknown escape '\\" + printable(e) + "'");
      };
      if (build) {
        wide |= decoded > 0xff;
        b.append(decoded);
      }
    }
  }

  /** The code point that starts with {@code first} (at least 0x80); its other bytes follow. */
  private int utf8(int first) throws IOException {
    long at = offset() - 1;
    int more;
    int cp;
    int min = 0x80;
    int max = 0xbf;
    if (first >= 0xc2 && first <= 0xdf) {
      more = 1;
      cp = first & 0x1f;
    } else if (first >= 0xe0 && first <= 0xef) {
      more = 2;
      cp = first & 0x0f;
      // No overlong form; no surrogate.
      min = first == 0xe0 ? 0xa0 : 0x80;
      max = first == 0xed ? 0x9f : 0xbf;
    } else if (first >= 0xf0 && first <= 0xf4) {
      more = 3;
      cp = first & 0x07;
      // No overlong form; nothing above U+10FFFF.
      min = first == 0xf0 ? 0x90 : 0x80;
      max = first == 0xf4 ? 0x8f : 0xbf;
    } else {
      throw error(at, "not valid UTF-8");
    }
    for (int i = 0; i < more; i++) {
      int c = peek();
      if (c < min || c > max) {
        throw error(at, "not valid UTF-8");
      }
      pos++;
      cp = (cp << 6) | (c & 0x3f);
      min = 0x80;
      max = 0xbf;
    }
    return cp;
  }

  private Object number(boolean build) throws IOException {
    long start = offset();
    StringBuilder literal = new StringBuilder(24);
    if (peek() == '-') {
      literal.append('-');
      pos++;
    }
    int digits = digits(literal);
    if (digits == 0) {
      throw error("a number without digits");
    }
    if (literal.charAt(literal.charAt(0) == '-' ? 1 : 0) == '0' && digits > 1) {
      throw error(start, "a number with a leading zero");
    }
    boolean integral = true;
    if (peek() == '.') {
      literal.append('.');
      pos++;
      integral = false;
      if (digits(literal) == 0) {
        throw error("no digits after the decimal point");
      }
    }
    int e = peek();
    if (e == 'e' || e == 'E') {
      literal.append('e');
      pos++;
      integral = false;
      int sign = peek();
      if (sign == '+' || sign == '-') {
        literal.append((char) sign);
        pos++;
      }
      if (digits(literal) == 0) {
        throw error("no digits in the exponent");
      }
    }
    if (!build) {
      return null;
    }
    charge(16);
    String text = literal.toString();
    if (integral && digits <= 18) {
      return Long.parseLong(text);
    }
    if (integral) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException ignored) {
        // Beyond a long: a double below.
      }
    }
    return Double.parseDouble(text);
  }

  private int digits(StringBuilder literal) throws IOException {
    int n = 0;
    for (int c = peek(); c >= '0' && c <= '9'; c = peek()) {
      if (literal.length() == MAX_NUMBER) {
        throw error("a number longer than " + MAX_NUMBER + " characters");
      }
      literal.append((char) c);
      pos++;
      n++;
    }
    return n;
  }

  private Object literal(String word, Object value) throws IOException {
    for (int i = 0; i < word.length(); i++) {
      int c = peek();
      if (c != word.charAt(i)) {
        throw error(i == 0 ? "unexpected '" + printable(c) + "'"
            : "unexpected " + (c < 0 ? "end" : "'" + printable(c) + "'") + " in " + word);
      }
      pos++;
    }
    return value;
  }

  private void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  /** Counts what a value takes on the heap, about: object headers, fields, characters. */
  private void charge(long bytes) {
    heapLeft -= bytes;
    if (heapLeft < 0) {
      throw tooLarge();
    }
  }

  private void chargeSoFar(long bytes) {
    if (bytes > heapLeft) {
      throw tooLarge();
    }
  }

  private DockerException tooLarge() {
    return new DockerException("an answer whose values would take more than " + size(maxHeap)
        + " of memory (at offset " + offset() + ")");
  }

  private void skipSpace() throws IOException {
    while (true) {
      while (pos < end) {
        byte c = buf[pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
          return;
        }
        pos++;
      }
      if (!fill()) {
        return;
      }
    }
  }

  /** The next byte without taking it; -1 at the end. */
  private int peek() throws IOException {
    if (pos == end && !fill()) {
      return -1;
    }
    return buf[pos] & 0xff;
  }

  private int next(String expected) throws IOException {
    int c = peek();
    if (c < 0) {
      throw error("the text ended where " + expected + " was expected");
    }
    pos++;
    return c;
  }

  private void expect(char c) throws IOException {
    int found = next("'" + c + "'");
    if (found != c) {
      throw error(offset() - 1, "expected '" + c + "' but found '" + printable(found) + "'");
    }
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    base += end;
    pos = 0;
    end = 0;
    if (base - valueStart > maxValueBytes) {
      throw new DockerException("a value longer than " + size(maxValueBytes) + " (at offset "
          + base + ")");
    }
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      eof = true;
      return false;
    }
    end = n;
    return true;
  }

  private long offset() {
    return base + pos;
  }

  private DockerException error(String what) {
    return error(offset(), what);
  }

  private DockerException error(long at, String what) {
    return new DockerException("not valid JSON: " + what + " at offset " + at);
  }

  private static String printable(int c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c);
  }

  /** A size as people read it: 16 MiB, 64 KiB, 300 bytes. */
  static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " bytes";
  }
}
