package io.github.microc.exporter.core.spi;

import java.util.List;
import java.util.Objects;

/**
 * A table on the landing page ({@code /}), such as the containers collector's containers or push
 * mode's endpoints. Every string is plain text, whoever chose it: the page escapes it.
 *
 * @param title the heading above it
 * @param note a line under the heading (where the figures come from, why the table is empty);
 *     empty for none
 * @param columns the header row
 * @param rows one list of cells per row, as many as there are columns
 */
public record StatusTable(String title, String note, List<String> columns, List<List<String>> rows) {

  public StatusTable {
    Objects.requireNonNull(title, "title");
    note = note == null ? "" : note;
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
    for (List<String> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("table \"" + title + "\": a row of " + row.size()
            + " cells under " + columns.size() + " columns");
      }
    }
  }

  /** A table without a note. */
  public StatusTable(String title, List<String> columns, List<List<String>> rows) {
    this(title, "", columns, rows);
  }
}
