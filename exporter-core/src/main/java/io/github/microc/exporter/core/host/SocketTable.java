package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.PseudoFiles;

/**
 * The socket tables of procfs ({@code /proc/net/tcp}, {@code tcp6}, {@code udp}, {@code udp6}):
 * a header, then a line per socket, {@code "sl: local remote st tx_queue:rx_queue ..."} in
 * hexadecimal, read in place.
 */
final class SocketTable {

  /** One socket: its state and its send and receive queues, in bytes. */
  interface Socket {
    void accept(int state, long tx, long rx);
  }

  private SocketTable() {}

  /**
   * Each socket line after the header; blank lines are skipped.
   *
   * @throws IllegalArgumentException for a line of fewer than 10 fields, or a state or queue
   *     that is not hexadecimal, naming {@code file}
   */
  static void forEachSocket(String text, String file, Socket socket) {
    int length = text.length();
    for (int start = PseudoFiles.lineEnd(text, 0) + 1; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int line = start;
      start = end + 1;
      int at = PseudoFiles.skipBlanks(text, line, end);
      if (at == end) {
        continue;
      }
      long state = PseudoFiles.NOT_A_NUMBER;
      long tx = PseudoFiles.NOT_A_NUMBER;
      long rx = PseudoFiles.NOT_A_NUMBER;
      int fields = 0;
      for (; at < end && fields < 10; fields++) {
        int fieldEnd = PseudoFiles.fieldEnd(text, at, end);
        if (fields == 3) {
          state = Numbers.hex(text, at, fieldEnd);
        } else if (fields == 4) {
          int colon = text.indexOf(':', at);
          if (colon > 0 && colon < fieldEnd) {
            tx = Numbers.hex(text, at, colon);
            rx = Numbers.hex(text, colon + 1, fieldEnd);
          }
        }
        at = PseudoFiles.skipBlanks(text, fieldEnd, end);
      }
      if (fields < 10 || state == PseudoFiles.NOT_A_NUMBER || state > 0xFF
          || tx == PseudoFiles.NOT_A_NUMBER || rx == PseudoFiles.NOT_A_NUMBER) {
        throw new IllegalArgumentException("unexpected line in " + file + ": \""
            + text.substring(line, end).strip() + "\"");
      }
      socket.accept((int) state, tx, rx);
    }
  }
}
