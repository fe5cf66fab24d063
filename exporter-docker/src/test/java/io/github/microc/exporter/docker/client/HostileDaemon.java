package io.github.microc.exporter.docker.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Daemons (or socket proxies, or impostors on the socket) that answer every call with
 * something no client should hold on its heap or wait for, for the tests that prove Microc
 * survives them: {@code DockerApiTest} call by call, {@code HostileDaemonIT} (e2e) with the
 * real app jar under the launcher's heap limit.
 */
public enum HostileDaemon {

  /** A JSON array in chunks that never ends: {@code [{"Id":"a",...},{...},...}. */
  ENDLESS_CHUNKED {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n");
      byte[] entries = repeat("{\"Id\":\"0123456789abcdef\",\"Names\":[\"/endless\"],"
          + "\"State\":\"running\",\"Labels\":{\"a\":\"b\"}},", 64 * 1024);
      out.write("1\r\n[\r\n");
      byte[] chunk = concat((Integer.toHexString(entries.length) + "\r\n")
          .getBytes(StandardCharsets.US_ASCII), entries, "\r\n".getBytes(StandardCharsets.US_ASCII));
      while (true) {
        out.write(chunk);
      }
    }
  },

  /** An answer without a length that the connection's end would close: a string that never ends. */
  ENDLESS_UNTIL_CLOSED {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
          + "{\"Id\":\"");
      byte[] text = repeat("endless ", 64 * 1024);
      while (true) {
        out.write(text);
      }
    }
  },

  /** A status line, then headers that never end. */
  ENDLESS_HEADERS {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      out.write("HTTP/1.1 200 OK\r\n");
      byte[] headers = repeat("X-Filler: " + "0123456789".repeat(200) + "\r\n", 64 * 1024);
      while (true) {
        out.write(headers);
      }
    }
  },

  /** 100 MB of well-formed JSON, a listing of about 700,000 containers, in chunks. */
  HUGE_JSON {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n");
      byte[] entries = repeat("{\"Id\":\"0123456789abcdef\",\"Names\":[\"/huge\"],"
          + "\"State\":\"running\",\"Status\":\"Up 2 hours\",\"Labels\":{\"a\":\"b\"}},", 64 * 1024);
      out.write("1\r\n[\r\n");
      long written = 1;
      while (written < 100_000_000L) {
        out.write(Integer.toHexString(entries.length) + "\r\n");
        out.write(entries);
        out.write("\r\n");
        written += entries.length;
      }
      out.write("2\r\n{}\r\n1\r\n]\r\n0\r\n\r\n");
    }
  },

  /** An array nested 10,000 deep. */
  DEEP_JSON {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      byte[] body = new byte[20_000];
      Arrays.fill(body, 0, 10_000, (byte) '[');
      Arrays.fill(body, 10_000, 20_000, (byte) ']');
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n");
      out.write(body);
    }
  },

  /** A listing whose container name is not valid UTF-8 (a lone continuation byte, an overlong form). */
  INVALID_UTF8 {
    @Override
    void answer(String request, FakeDaemon.Out out) throws IOException {
      byte[] body = concat("[{\"Id\":\"0123456789abcdef\",\"Names\":[\"/a".getBytes(StandardCharsets.UTF_8),
          new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xc0, (byte) 0xaf},
          "\"],\"State\":\"running\"}]\n".getBytes(StandardCharsets.UTF_8));
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n");
      out.write(body);
    }
  },

  /**
   * A daemon that answers ping, list and inspect as Docker does (two containers, one running)
   * but ends every events stream as soon as it has opened it.
   */
  EVENTS_CLOSE_AT_ONCE {
    @Override
    void answer(String request, FakeDaemon.Out out) throws Exception {
      asDocker(request, out, false);
    }
  },

  /** Accepts every connection and reads every request, and never says a word. */
  SILENCE {
    @Override
    void answer(String request, FakeDaemon.Out out) throws Exception {
      out.hold();
    }
  };

  /** Container ids of {@link #EVENTS_CLOSE_AT_ONCE}: 64 hex digits. */
  public static String id(String digit) {
    return digit.repeat(64);
  }

  /** A stand-in daemon answering this way on {@code socket}. */
  public FakeDaemon start(Path socket) throws IOException {
    return new FakeDaemon(socket, this::answer);
  }

  abstract void answer(String request, FakeDaemon.Out out) throws Exception;

  /**
   * Answers as Docker does for two containers ({@link #id} "1", running, and "2", exited): ping,
   * list, inspect and an events stream that stays open and silent, or closes as soon as it has
   * opened.
   */
  public static void asDocker(String request, FakeDaemon.Out out, boolean eventsStayOpen)
      throws Exception {
    String path = request.split(" ")[1];
    if (path.startsWith("/events")) {
      out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n");
      if (eventsStayOpen) {
        out.hold();
      }
      out.close();
    } else if (path.startsWith("/_ping")) {
      out.write(json("OK"));
    } else if (path.startsWith("/containers/json")) {
      out.write(json("[" + listed("1", "running", "Up 2 hours") + ","
          + listed("2", "exited", "Exited (0) 2 hours ago") + "]"));
    } else if (path.matches("/containers/[12]+/json")) {
      String digit = path.split("/")[2].substring(0, 1);
      out.write(json(inspect(digit, digit.equals("1") ? "running" : "exited")));
    } else {
      out.write("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 25"
          + "\r\n\r\n{\"message\":\"not found\"}\n\n");
    }
  }

  private static String listed(String digit, String state, String status) {
    return "{\"Id\":\"" + id(digit) + "\",\"Names\":[\"/hostile-" + digit + "\"],\"Image\":\"busybox\","
        + "\"State\":\"" + state + "\",\"Status\":\"" + status + "\",\"Labels\":{}}";
  }

  private static String inspect(String digit, String state) {
    return "{\"Id\":\"" + id(digit) + "\",\"Name\":\"/hostile-" + digit + "\",\"Image\":\"sha256:"
        + id("f") + "\",\"RestartCount\":0,\"State\":{\"Status\":\"" + state + "\",\"Pid\":0,"
        + "\"ExitCode\":0,\"OOMKilled\":false,\"StartedAt\":\"2024-01-01T00:00:00Z\"},"
        + "\"Config\":{\"Image\":\"busybox\",\"Labels\":{}},\"HostConfig\":{\"NetworkMode\":\"none\"}}";
  }

  private static String json(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  private static byte[] repeat(String text, int atLeast) {
    byte[] one = text.getBytes(StandardCharsets.UTF_8);
    int times = (atLeast + one.length - 1) / one.length;
    byte[] out = new byte[one.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(one, 0, out, i * one.length, one.length);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
