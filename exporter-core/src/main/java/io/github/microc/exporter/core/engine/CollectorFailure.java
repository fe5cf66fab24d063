package io.github.microc.exporter.core.engine;

/**
 * A collection that failed for a reason already put into words, such as one reported by a
 * plugin's own process: the engine shows its message as it is, without a type name.
 */
public final class CollectorFailure extends RuntimeException {

  public CollectorFailure(String reason) {
    super(reason, null, false, false);
  }

  /**
   * How the engine puts a collector's exception into one line: its type and message
   * ({@code IllegalStateException: boom}), a {@code CollectorFailure}'s message alone.
   */
  public static String describe(Throwable t) {
    if (t instanceof CollectorFailure) {
      return t.getMessage();
    }
    if (t instanceof InterruptedException) {
      return "interrupted";
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null || message.isBlank() ? type : type + ": " + oneLine(message);
  }

  static String oneLine(String message) {
    String line = message.strip().replaceAll("\\s*\\R\\s*", " ");
    return line.length() > 500 ? line.substring(0, 500) + "..." : line;
  }
}
