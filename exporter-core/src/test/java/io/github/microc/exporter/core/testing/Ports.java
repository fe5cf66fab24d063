package io.github.microc.exporter.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ports for test processes without the race of "pick a free port, close it, hand it to a child":
 * on a machine where other builds run, the port can be taken in between (by a listener, or as
 * the local port of an outgoing connection), and the test then talks to someone else's process.
 * A child binds port 0 itself and says which port it got in its log; a port that must refuse
 * connections is held bound, without listening, for as long as the test needs it.
 */
public final class Ports {

  /** Microc's start-up line: {@code Microc 1.0 listening on 127.0.0.1:41234 with collectors: ...}. */
  public static final Pattern MICROC = Pattern.compile("listening on (?:\\[[^\\]]*\\]|[^\\s:\\[]*):(\\d+)");
  /** node_exporter's and Prometheus's (exporter-toolkit's) {@code msg="Listening on" address=127.0.0.1:41234}. */
  public static final Pattern EXPORTER_TOOLKIT =
      Pattern.compile("msg=\"Listening on\" address=(?:\\[[^\\]]*\\]|[^\\s:\\[]*):(\\d+)");

  private Ports() {}

  /**
   * The port a child bound (it was given port 0), from the first line of its log that matches
   * {@code pattern} (group 1 is the port); fails when the child exits first or after {@code timeout}.
   */
  public static int fromLog(Path log, Pattern pattern, Process child, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String text = read(log);
      Matcher m = pattern.matcher(text);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!child.isAlive()) {
        // It may have written the line just before it exited.
        m = pattern.matcher(read(log));
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
        throw new AssertionError("exited with " + child.exitValue() + " before saying its port: "
            + tail(read(log)));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("did not say its port within " + timeout.toSeconds() + " s: "
            + tail(read(log)));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /**
   * A loopback port that refuses connections: bound, never listening, so that nothing else can
   * take it (nor an outgoing connection use it) until closed.
   */
  public static Refusing refusing() {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return new Refusing(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port held bound without listening; {@link #close} frees it. */
  public static final class Refusing implements AutoCloseable {
    private final Socket socket;

    private Refusing(Socket socket) {
      this.socket = socket;
    }

    public int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // never connected
      }
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
