package io.github.microc.exporter.app;

import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a clean stop, SIGHUP as a reload. The JVM's own handling runs the shutdown hooks but
 * exits with 143 or 130; a service manager should see 0 after a requested stop.
 */
final class Signals {

  private Signals() {}

  /**
   * Calls {@code handler} with the signal's name ({@code TERM}, {@code INT}) on a signal
   * thread; where a signal cannot be handled the JVM's default stays.
   */
  static void onTermination(Consumer<String> handler) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> handler.accept(signal.getName()));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // Not available on this platform or already used by the JVM (-Xrs): the shutdown hook remains.
      }
    }
  }

  /**
   * Calls {@code handler} on SIGHUP, on a signal thread, instead of the JVM's default (which
   * ends the process with status 129); where it cannot be handled the default stays.
   */
  static void onHangup(Runnable handler) {
    try {
      Signal.handle(new Signal("HUP"), signal -> handler.run());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // Not available on this platform or used by the JVM (-Xrs).
    }
  }
}
