package io.github.microc.exporter.core.host;

import io.github.microc.exporter.core.spi.PseudoFiles;
import java.util.Arrays;
import java.util.function.Function;

/**
 * What a collector made of each name found in a kernel file, by the name's position in the
 * file: a file such as {@code /proc/vmstat} lists the same names in the same order on every
 * read, so a scrape compares the text in place with the name it saw there last time and makes
 * no string and runs no regular expression for it. A name that moved or changed is made again.
 * Thread-safe: a racing scrape at worst makes an entry again.
 *
 * @param <T> what the collector keeps per name (its metric name, whether a filter took it)
 */
final class LineNames<T> {

  private record Entry<T>(String name, T value) {}

  private final Function<String, T> make;
  private volatile Entry<T>[] entries;

  /** @param make what to keep for a name, made on its first sight at a position */
  @SuppressWarnings("unchecked")
  LineNames(Function<String, T> make) {
    this.make = make;
    this.entries = new Entry[64];
  }

  /** What was made of the name {@code text[start, end)} at {@code position}. */
  T get(int position, String text, int start, int end) {
    Entry<T>[] current = entries;
    if (position < current.length) {
      Entry<T> entry = current[position];
      int length = end - start;
      if (entry != null && entry.name.length() == length
          && text.regionMatches(start, entry.name, 0, length)) {
        return entry.value;
      }
    } else {
      current = Arrays.copyOf(current, Math.max(position + 1, current.length * 2));
      entries = current;
    }
    String name = text.substring(start, end);
    Entry<T> entry = new Entry<>(name, make.apply(name));
    current[position] = entry;
    return entry.value;
  }

  /** A line of a "name value" file: what was made of its name, and where name and value are. */
  interface NameValueLine<T> {
    void accept(T named, String text, int nameStart, int nameEnd, int valueStart, int valueEnd);
  }

  /**
   * Each line of {@code text} that is a name and a value separated by blanks
   * ({@code "pgfault 5966729"}, {@code "Ip6InOctets \t2508"}), with what was made of its name at
   * its place among such lines. Lines without a value are skipped; what follows the value is not
   * looked at.
   */
  void forEachNameValue(String text, NameValueLine<T> line) {
    int length = text.length();
    int position = 0;
    for (int start = 0; start < length; ) {
      int end = PseudoFiles.lineEnd(text, start);
      int nameStart = PseudoFiles.skipBlanks(text, start, end);
      start = end + 1;
      int nameEnd = PseudoFiles.fieldEnd(text, nameStart, end);
      int valueStart = PseudoFiles.skipBlanks(text, nameEnd, end);
      if (valueStart == end) {
        continue;
      }
      line.accept(get(position++, text, nameStart, nameEnd), text, nameStart, nameEnd, valueStart,
          PseudoFiles.fieldEnd(text, valueStart, end));
    }
  }
}
