package io.github.microc.exporter.core.http;

import java.util.List;

/**
 * A table on the landing page beside the collectors', such as push mode's endpoints. Cells are
 * plain text; the page escapes them.
 *
 * @param title the heading above it
 * @param columns the header row
 * @param rows one list of cells per row, as many as there are columns
 */
public record StatusTable(String title, List<String> columns, List<List<String>> rows) {

  public StatusTable {
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
  }
}
