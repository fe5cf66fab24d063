package io.github.microc.exporter.app;

/** A command-line mistake: exit status 2 and one line on stderr. */
final class UsageError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  UsageError(String message) {
    super(message, null, false, false);
  }
}
