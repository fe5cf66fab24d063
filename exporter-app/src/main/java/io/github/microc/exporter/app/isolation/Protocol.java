package io.github.microc.exporter.app.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The frames a plugin's process and Microc exchange over its standard input and output: a
 * header line {@code <kind> <id> <arg> <length>} and {@code length} bytes of payload. Towards
 * the plugin's process {@code arg} is a collector's name; from it, the live threads of the
 * jar's plugins. A collection's answer is OpenMetrics text, read with
 * {@link OpenMetricsParser}.
 *
 * <pre>
 * Microc -> plugin process          plugin process -> Microc
 *                                    hello 0 0 LEN      the jar's plugins, or why it cannot load
 * create ID NAME LEN  (its config)   created|config-error|create-failed ID THREADS LEN
 * collect ID NAME 0                  metrics ID THREADS LEN (OpenMetrics)  or  failed ID THREADS LEN
 * cancel ID NAME 0    (interrupt)
 * </pre>
 */
final class Protocol {

  /** A header line is short; a longer one is not the protocol. */
  static final int MAX_HEADER = 256;

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

  /** The other side does not speak the protocol. */
  static final class ProtocolException extends IOException {
    ProtocolException(String message) {
      super(message);
    }
  }
}
