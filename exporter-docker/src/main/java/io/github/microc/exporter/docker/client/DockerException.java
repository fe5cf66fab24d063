package io.github.microc.exporter.docker.client;

import java.io.IOException;
import java.net.ProtocolException;

/**
 * A Docker API call that failed: the daemon answered with an error status (its message in
 * {@link #getMessage()}), or could not be reached, or answered with something that is not
 * HTTP, not JSON or too large ({@link #status()} 0, the cause attached).
 */
public final class DockerException extends RuntimeException {

  private final int status;

  DockerException(String message) {
    this(0, message, null);
  }

  DockerException(String message, Throwable cause) {
    this(0, message, cause);
  }

  DockerException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status the daemon answered with; 0 when it gave none. */
  public int status() {
    return status;
  }

  /** 404: no such container (or image, network...). */
  public boolean notFound() {
    return status == 404;
  }

  /**
   * Whether the daemon gave no answer at all: it could not be reached, or said nothing within
   * the deadline. False for an answer, even one that was refused for its size or its syntax.
   */
  public boolean noAnswer() {
    return status == 0 && getCause() instanceof IOException
        && !(getCause() instanceof ProtocolException);
  }

  /**
   * Whether {@code e} (or what it was caused by) is an answer refused for its size, its
   * syntax or its protocol: a daemon (or whatever is on the socket) that answers so will not
   * answer otherwise a moment later.
   */
  public static boolean refused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof DockerException d) {
        return d.status == 0 && !d.noAnswer();
      }
      if (t instanceof ProtocolException) {
        return true;
      }
    }
    return false;
  }

  /** 304: the container was already in the asked state (started, stopped). */
  public boolean notModified() {
    return status == 304;
  }
}
