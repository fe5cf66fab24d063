package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.NoDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The lines of {@code /proc/net/rpc/nfs} and {@code /proc/net/rpc/nfsd}, which the nfs and
 * nfsd collectors read: {@code <key> <unsigned>...}, checked as node_exporter's procfs library
 * checks them, so that a file it refuses is refused here too: every line has a key and a value,
 * every value is an unsigned integer, every key is known, and each has its number of values
 * ({@code proc2}, {@code proc3}, {@code proc4} and {@code proc4ops} start with their own count,
 * which must match). A line that is absent reads as zeros.
 */
final class RpcStats {

  private final Map<String, long[]> lines;

  private RpcStats(Map<String, long[]> lines) {
    this.lines = lines;
  }

  /**
   * The file's lines, or no data when there is none (no NFS module loaded).
   *
   * @throws IllegalArgumentException when a line is malformed
   */
  static RpcStats read(OptionalFile file, boolean server) {
    String text;
    try {
      text = file.read();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.path(), e);
    }
    if (text == null) {
      throw new NoDataException("no " + file.path());
    }
    return parse(text, server);
  }

  /**
   * @param server {@code nfsd}'s rules (its own keys, and only two values of {@code th}) rather
   *     than {@code nfs}'s
   * @throws IllegalArgumentException naming the line that is malformed
   */
  static RpcStats parse(String text, boolean server) {
    String kind = server ? "NFSd" : "NFS";
    Map<String, long[]> lines = new HashMap<>();
    int length = text.length();
    // Lines as Go's bufio.Scanner cuts them: a last newline ends the last line.
    for (int start = 0; start < length; ) {
      int end = text.indexOf('\n', start);
      end = end < 0 ? length : end;
      String line = text.substring(start, end);
      start = end + 1;
      String[] parts = HostFiles.fields(line);
      if (parts.length < 2) {
        throw new IllegalArgumentException("invalid " + kind + " metric line \"" + line + "\"");
      }
      String key = parts[0];
      int count = parts.length - 1;
      if (server && key.equals("th")) {
        if (parts.length < 3) {
          throw new IllegalArgumentException("invalid NFSd th metric line \"" + line + "\"");
        }
        count = 2;
      }
      long[] values = new long[count];
      for (int i = 0; i < count; i++) {
        try {
          values[i] = Long.parseUnsignedLong(parts[i + 1]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("error parsing " + kind + " metric line \"" + line
              + "\": not an unsigned integer: \"" + parts[i + 1] + "\"");
        }
      }
      if (!valid(key, values, server)) {
        throw new IllegalArgumentException((known(key, server) ? "invalid " + key + " line" : "unknown "
            + kind + " metric line") + " \"" + line + "\"");
      }
      lines.put(key, values);
    }
    return new RpcStats(lines);
  }

  private static boolean known(String key, boolean server) {
    return switch (key) {
      case "net", "rpc", "proc2", "proc3", "proc4" -> true;
      case "rc", "fh", "io", "th", "ra", "proc4ops" -> server;
      default -> false;
    };
  }

  private static boolean valid(String key, long[] v, boolean server) {
    return switch (key) {
      case "net" -> v.length == 4;
      case "rpc" -> v.length == (server ? 5 : 3);
      case "proc2" -> counted(v) && v[0] >= 18;
      case "proc3" -> counted(v) && v[0] >= 22;
      case "proc4" -> counted(v) && (!server || v[0] == 2);
      case "rc" -> server && v.length == 3;
      case "fh" -> server && v.length == 5;
      case "io", "th" -> server && v.length == 2;
      case "ra" -> server && v.length == 12;
      case "proc4ops" -> server && counted(v) && v[0] >= 39;
      default -> false;
    };
  }

  /** Whether a line's first value is the number of values after it. */
  private static boolean counted(long[] v) {
    return v[0] == v.length - 1;
  }

  /** Value {@code index} of a line (for counted lines, 1 is the first after the count); 0 when absent. */
  double get(String key, int index) {
    long[] values = lines.get(key);
    if (values == null || index >= values.length) {
      return 0;
    }
    long value = values[index];
    return Numbers.unsigned(value);
  }

}
