package io.github.microc.exporter.app.isolation;

import io.github.microc.exporter.core.spi.StatusTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The frames a plugin's process and Microc exchange over its standard input and output: a
 * header line {@code <kind> <id> <arg> <length>} and {@code length} bytes of payload. Towards
 * the plugin's process {@code arg} is a collector's name; from it, the live threads of the
 * jar's plugins. A collection's answer is OpenMetrics text, read with
 * {@link OpenMetricsParser}. A collector that was created answers with the number of landing-page
 * tables it added, and {@code status} asks for one of them by its index ({@link #table}).
 *
 * <pre>
 * Microc -> plugin process          plugin process -> Microc
 *                                    hello 0 0 LEN      the jar's plugins, or why it cannot load
 * create ID NAME LEN  (its config)   created ID THREADS LEN (its tables)  or
 *                                    config-error|create-failed ID THREADS LEN
 * collect ID NAME 0                  metrics ID THREADS LEN (OpenMetrics)  or  failed ID THREADS LEN
 * cancel ID NAME 0    (interrupt)
 * status ID NAME LEN  (an index)     status ID THREADS LEN (a table)  or  status-failed ID THREADS LEN
 * </pre>
 */
final class Protocol {

  /** A header line is short; a longer one is not the protocol. */
  static final int MAX_HEADER = 256;
  /** The most bytes one landing-page table may take as text. */
  static final int MAX_TABLE = 1 << 20;

  private Protocol() {}

  /** One frame's header. */
  record Header(String kind, long id, String arg, long length) {

    String line() {
      return kind + " " + id + " " + arg + " " + length + "\n";
    }
  }

  /** Writes one frame; callers hold the stream's lock. */
  static void write(OutputStream out, String kind, long id, String arg, byte[] payload) throws IOException {
    out.write(new Header(kind, id, arg, payload.length).line().getBytes(StandardCharsets.US_ASCII));
    out.write(payload);
    out.flush();
  }

  /**
   * Reads a header line; null at the end of the stream.
   *
   * @throws ProtocolException for anything but a header, with what was read
   */
  static Header readHeader(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        if (line.length() == 0) {
          return null;
        }
        throw new ProtocolException("the stream ended inside a header: " + quote(line));
      }
      if (line.length() >= MAX_HEADER) {
        throw new ProtocolException("not a frame header: " + quote(line));
      }
      line.append((char) b);
    }
    String[] parts = line.toString().split(" ");
    try {
      if (parts.length != 4 || !parts[0].matches("[a-z-]{1,20}")) {
        throw new NumberFormatException();
      }
      long length = Long.parseLong(parts[3]);
      if (length < 0) {
        throw new NumberFormatException();
      }
      return new Header(parts[0], Long.parseLong(parts[1]), parts[2], length);
    } catch (NumberFormatException e) {
      throw new ProtocolException("not a frame header: " + quote(line));
    }
  }

  /** Text from the other side, shortened and made printable for a message. */
  static String quote(CharSequence text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < Math.min(text.length(), 80); i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f && c != '"' ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
    }
    return out.append(text.length() > 80 ? "...\"" : "\"").toString();
  }

  /** One field of a hello line: no tab or line break inside. */
  static String field(String text) {
    return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * A landing-page table as text: a line of its title and note, a line of its columns, a line
   * per row. Each line is its number of fields and the fields, tab-separated, with backslash,
   * tab and line breaks escaped, so that any text survives.
   */
  static String table(StatusTable table) {
    StringBuilder text = new StringBuilder();
    line(text, List.of(table.title(), table.note()));
    line(text, table.columns());
    table.rows().forEach(row -> line(text, row));
    return text.toString();
  }

  /**
   * The table {@link #table(StatusTable)} wrote.
   *
   * @throws IllegalArgumentException for text it did not write, saying what is wrong
   */
  static StatusTable table(String text) {
    List<List<String>> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] fields = line.split("\t", -1);
      int count;
      try {
        count = Integer.parseInt(fields[0]);
      } catch (NumberFormatException e) {
        count = -1;
      }
      if (count != fields.length - 1) {
        throw new IllegalArgumentException("not a table line: " + quote(line));
      }
      lines.add(Arrays.stream(fields, 1, fields.length).map(Protocol::unescape).toList());
    }
    if (lines.size() < 2 || lines.get(0).size() != 2) {
      throw new IllegalArgumentException("not a table: " + quote(text));
    }
    return new StatusTable(lines.get(0).get(0), lines.get(0).get(1), lines.get(1), lines.subList(2, lines.size()));
  }

  private static void line(StringBuilder text, List<String> fields) {
    text.append(fields.size());
    for (String field : fields) {
      text.append('\t');
      for (int i = 0; i < field.length(); i++) {
        char c = field.charAt(i);
        switch (c) {
          case '\\' -> text.append("\\\\");
          case '\t' -> text.append("\\t");
          case '\n' -> text.append("\\n");
          case '\r' -> text.append("\\r");
          default -> text.append(c);
        }
      }
    }
    text.append('\n');
  }

  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 1 < field.length()) {
        char next = field.charAt(++i);
        out.append(switch (next) {
          case 't' -> '\t';
          case 'n' -> '\n';
          case 'r' -> '\r';
          default -> next;
        });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The other side does not speak the protocol. */
  static final class ProtocolException extends IOException {
    ProtocolException(String message) {
      super(message);
    }
  }
}
