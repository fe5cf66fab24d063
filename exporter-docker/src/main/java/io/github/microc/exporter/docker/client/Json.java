package io.github.microc.exporter.docker.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker Engine API's JSON, read into plain values: an object is a {@code Map<String,
 * Object>} (in document order), an array a {@code List<Object>}, a string a {@code String}, a
 * whole number that fits a {@code long} a {@code Long}, any other number a {@code Double}, and
 * {@code true}, {@code false} and {@code null} themselves. The accessors read a field of a
 * value that may be missing or of another type and give a default instead, because the API
 * leaves fields out and its versions differ.
 *
 * <p>Strict RFC 8259: anything else is a {@link DockerException} that says what was found and
 * at which offset. Nesting is limited to {@value #MAX_DEPTH} levels, so that no answer can
 * exhaust the stack.
 */
public final class Json {

  static final int MAX_DEPTH = 128;

  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one JSON value; nothing but white space may follow it. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.skipSpace();
    Object value = p.value(0);
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("text after the value");
    }
    return value;
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

  private Object value(int depth) {
    if (pos >= text.length()) {
      throw error("the text ended where a value was expected");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("unexpected '" + printable(c) + "'");
      }
    };
  }

  private Map<String, Object> object(int depth) {
    checkDepth(depth);
    pos++;
    skipSpace();
    if (peek() == '}') {
      pos++;
      return Collections.emptyMap();
    }
    Map<String, Object> map = new LinkedHashMap<>();
    while (true) {
      if (peek() != '"') {
        throw error("expected a field name");
      }
      String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      map.put(key, value(depth));
      skipSpace();
      char c = next("'}' or ','");
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        throw error(pos - 1, "expected '}' or ',' but found '" + printable(c) + "'");
      }
      skipSpace();
    }
  }

  private List<Object> array(int depth) {
    checkDepth(depth);
    pos++;
    skipSpace();
    if (peek() == ']') {
      pos++;
      return Collections.emptyList();
    }
    List<Object> list = new ArrayList<>();
    while (true) {
      list.add(value(depth));
      skipSpace();
      char c = next("']' or ','");
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        throw error(pos - 1, "expected ']' or ',' but found '" + printable(c) + "'");
      }
      skipSpace();
    }
  }

  private String string() {
    int start = ++pos;
    // The common case: no escapes, one substring.
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '"') {
        return text.substring(start, pos++);
      }
      if (c == '\\' || c < 0x20) {
        break;
      }
      pos++;
    }
    StringBuilder b = new StringBuilder(pos - start + 16).append(text, start, pos);
    while (true) {
      char c = next("the end of a string");
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw error(pos - 1, "a control character in a string");
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = next("an escape");
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) {
            throw error("a \\u escape cut short");
          }
          int code = 0;
          for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0) {
              throw error(pos + i, "not a hex digit in a \\u escape");
            }
            code = code * 16 + digit;
          }
          pos += 4;
          b.append((char) code);
        }
        default -> throw error(pos - 1, "unknown escape '\\" + printable(e) + "'");
      }
    }
  }

  private Object number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    int digits = digits();
    if (digits == 0) {
      throw error("a number without digits");
    }
    if (text.charAt(start + (text.charAt(start) == '-' ? 1 : 0)) == '0' && digits > 1) {
      throw error(start, "a number with a leading zero");
    }
    boolean integral = true;
    if (peek() == '.') {
      pos++;
      integral = false;
      if (digits() == 0) {
        throw error("no digits after the decimal point");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      integral = false;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (digits() == 0) {
        throw error("no digits in the exponent");
      }
    }
    String literal = text.substring(start, pos);
    if (integral && digits <= 18) {
      return Long.parseLong(literal);
    }
    if (integral) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException e) {
        // Beyond a long: a double below.
      }
    }
    return Double.parseDouble(literal);
  }

  private int digits() {
    int start = pos;
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
    return pos - start;
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("unexpected '" + printable(text.charAt(pos)) + "'");
    }
    pos += word.length();
    return value;
  }

  private void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private char next(String expected) {
    if (pos >= text.length()) {
      throw error("the text ended where " + expected + " was expected");
    }
    return text.charAt(pos++);
  }

  private void expect(char c) {
    char found = next("'" + c + "'");
    if (found != c) {
      throw error(pos - 1, "expected '" + c + "' but found '" + printable(found) + "'");
    }
  }

  private DockerException error(String what) {
    return error(pos, what);
  }

  private DockerException error(int at, String what) {
    return new DockerException("not valid JSON: " + what + " at offset " + at);
  }

  private static String printable(char c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }
}
