package io.github.microc.exporter.core;

/** Microc cannot start: a plugin cannot be loaded or two plugins share a name. */
public final class StartupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StartupException(String message) {
    super(message, null, false, false);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
