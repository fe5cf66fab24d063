package io.github.microc.exporter.core.spi;

/**
 * Thrown by a collector's {@code collect()} when the source it reads does not exist on this
 * host: no hwmon chips, no bonding interfaces, no ZFS. The scrape reports
 * {@code microc_scrape_collector_success{collector="<name>"} 0} and the message on the landing
 * page, as node_exporter reports a collector that returned no data, but the engine logs it at
 * debug level only: a missing source is a fact about the host, not a failure to look into.
 *
 * <pre>{@code
 * if (!Files.isDirectory(hwmon)) {
 *   throw new NoDataException("no hwmon chips under " + hwmon);
 * }
 * }</pre>
 */
public final class NoDataException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public NoDataException(String message) {
    super(message, null, false, false);
  }
}
