package io.github.microc.exporter.docker.client;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 as Microc speaks it to the daemon: a request without a body, and its answer's head
 * and body, each bounded as it is read. The head (status line and headers) may take at most
 * {@value #MAX_HEAD} bytes; a body at most the limit its caller gives, whether its length is
 * given, it comes in chunks (their framing counted too) or it ends with the connection. What
 * breaks a bound or the protocol is a {@link ProtocolException} that says which.
 */
final class Http1 {

  /** The status line and the headers together; Docker's take a few hundred bytes. */
  static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_HEADERS = 100;
  /** A chunk's size line (hex digits and any extension). */
  private static final int MAX_CHUNK_LINE = 1024;

  private Http1() {}

  static void request(Connection c, String method, String path, String host) throws IOException {
    String request = method + " " + path + " HTTP/1.1\r\n"
        + "Host: " + host + "\r\n"
        + "User-Agent: microc\r\n"
        + (method.equals("POST") ? "Content-Length: 0\r\n" : "")
        + "\r\n";
    c.write(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads an answer's status line and headers. */
  static Response response(Connection c) throws IOException {
    long start = c.consumed();
    String status = headLine(c, start);
    if (status == null) {
      throw new IOException("the connection closed before an answer");
    }
    if (!status.startsWith("HTTP/1.") || status.length() < 12) {
      throw new ProtocolException("not an HTTP answer: " + abbreviate(status));
    }
    int code;
    try {
      code = Integer.parseInt(status.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new ProtocolException("not an HTTP status: " + abbreviate(status));
    }
    Response r = new Response(code);
    r.keepAlive = status.startsWith("HTTP/1.1");
    for (int n = 0; ; n++) {
      String line = headLine(c, start);
      if (line == null) {
        throw new IOException("the connection closed in the headers");
      }
      if (line.isEmpty()) {
        break;
      }
      if (n == MAX_HEADERS) {
        throw new ProtocolException("more than " + MAX_HEADERS + " headers");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> {
          try {
            r.length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new ProtocolException("a bad Content-Length: " + abbreviate(value));
          }
          if (r.length < 0) {
            throw new ProtocolException("a bad Content-Length: " + abbreviate(value));
          }
        }
        case "transfer-encoding" -> r.chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> r.keepAlive &= !value.equalsIgnoreCase("close");
        default -> { }
      }
    }
    if (code == 204 || code == 304 || code / 100 == 1) {
      r.length = 0;
      r.chunked = false;
    } else if (!r.chunked && r.length < 0) {
      // Delimited by the end of the connection.
      r.keepAlive = false;
    }
    return r;
  }

  private static String headLine(Connection c, long start) throws IOException {
    long left = MAX_HEAD - (c.consumed() - start);
    String tooLong = "an answer's head longer than " + Json.size(MAX_HEAD);
    if (left <= 0) {
      throw new ProtocolException(tooLong);
    }
    return c.readLine((int) left, tooLong);
  }

  static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /** Status and framing of one answer. */
  static final class Response {
    final int status;
    long length = -1;
    boolean chunked;
    boolean keepAlive;

    Response(int status) {
      this.status = status;
    }

    /**
     * The body, at most {@code limit} bytes read from the connection for it; a body that says
     * it is longer is refused before it is read.
     */
    Body body(Connection c, long limit) throws ProtocolException {
      if (length > limit) {
        throw new ProtocolException("an answer of " + length + " bytes; at most " + Json.size(limit)
            + " are read");
      }
      return chunked ? new Chunked(c, limit) : length >= 0 ? new Sized(c, length, limit)
          : new UntilClosed(c, limit);
    }
  }

  /** An answer's body as one stream of bytes, whatever its framing. */
  abstract static class Body implements Json.Source {
    final Connection c;
    private final long start;
    private final long limit;

    Body(Connection c, long limit) {
      this.c = c;
      this.start = c.consumed();
      this.limit = limit;
    }

    /** Whether the body was read to its end, leaving the connection ready for another request. */
    abstract boolean complete();

    /** Fails once more than the limit was read for this body, its framing included. */
    final void check() throws ProtocolException {
      if (c.consumed() - start > limit) {
        throw new ProtocolException("an answer larger than " + Json.size(limit));
      }
    }

    /**
     * At most {@code max} bytes of the body as text (an error's message), invalid UTF-8
     * replaced; the rest, if any, is left unread.
     */
    final String text(int max) throws IOException {
      byte[] bytes = new byte[Math.min(max, 4096)];
      int n = 0;
      for (int r; n < max; n += r) {
        if (n == bytes.length) {
          bytes = java.util.Arrays.copyOf(bytes, Math.min(max, bytes.length * 2));
        }
        r = read(bytes, n, bytes.length - n);
        if (r < 0) {
          break;
        }
      }
      return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /** Reads the body to its end, within its limit. */
    final void skip() throws IOException {
      byte[] scratch = new byte[1024];
      while (read(scratch, 0, scratch.length) >= 0) {
        // Discarded.
      }
    }
  }

  /** A body of a given length. */
  private static final class Sized extends Body {
    private long left;

    Sized(Connection c, long length, long limit) {
      super(c, limit);
      this.left = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("the connection closed " + left + " bytes before the answer's end");
      }
      left -= n;
      return n;
    }

    @Override
    boolean complete() {
      return left == 0;
    }
  }

  /** A body that ends with the connection. */
  private static final class UntilClosed extends Body {
    UntilClosed(Connection c, long limit) {
      super(c, limit);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = c.read(b, off, len);
      check();
      return n;
    }

    @Override
    boolean complete() {
      return false;
    }
  }

  /** A body in chunked transfer coding. */
  static final class Chunked extends Body {
    private long left;
    private boolean done;

    Chunked(Connection c, long limit) {
      super(c, limit);
    }

    /** Up to {@code len} bytes of the body; -1 after the last chunk (and its trailers). */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = c.readLine(MAX_CHUNK_LINE, "a chunk size line longer than " + MAX_CHUNK_LINE
            + " bytes");
        check();
        if (size == null) {
          throw new IOException("the connection closed in a chunked answer");
        }
        int semicolon = size.indexOf(';');
        try {
          left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new ProtocolException("a bad chunk size: " + abbreviate(size));
        }
        if (left < 0) {
          throw new ProtocolException("a bad chunk size: " + abbreviate(size));
        }
        if (left == 0) {
          trailers();
          done = true;
          return -1;
        }
      }
      int n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("the connection closed in a chunk");
      }
      left -= n;
      if (left == 0) {
        String end = c.readLine(2, "a chunk without its CR LF");
        if (end == null) {
          throw new IOException("the connection closed in a chunked answer");
        }
        if (!end.isEmpty()) {
          throw new ProtocolException("a chunk without its CR LF");
        }
      }
      check();
      return n;
    }

    /** Trailers, up to the empty line: ignored, but within the bound of a head. */
    private void trailers() throws IOException {
      long start = c.consumed();
      for (String t = headLine(c, start); t != null && !t.isEmpty(); t = headLine(c, start)) {
        check();
      }
    }

    @Override
    boolean complete() {
      return done;
    }
  }
}
