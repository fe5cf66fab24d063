package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the project's Markdown docs that tests hold against the code: tables (a header
 * row, a separator row, then rows, cells split at {@code |} not escaped as {@code \|}),
 * sections under a heading or a bold bullet, and code spans.
 */
public final class Markdown {

  /** A table: its header cells and its rows' cells, each trimmed; the line of its header. */
  public record Table(List<String> header, List<List<String>> rows, int line) {

    /** The first header cell, lower case: what the table lists ({@code metric}, {@code flag}…). */
    public String kind() {
      return header.isEmpty() ? "" : header.get(0).toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");

  private final Path file;
  private final List<String> lines;

  private Markdown(Path file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  public static Markdown read(Path file) {
    try {
      return new Markdown(file, Files.readAllLines(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  public String text() {
    return String.join("\n", lines);
  }

  /** Every table of the file, in order; tables inside fenced code blocks are not tables. */
  public List<Table> tables() {
    List<Table> tables = new ArrayList<>();
    boolean fenced = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (fenced || !line.startsWith("|") || i + 1 >= lines.size()
          || !lines.get(i + 1).strip().matches("\\|(\\s*:?-+:?\\s*\\|)+")) {
        continue;
      }
      List<String> header = cells(line);
      List<List<String>> rows = new ArrayList<>();
      int j = i + 2;
      for (; j < lines.size() && lines.get(j).strip().startsWith("|"); j++) {
        rows.add(cells(lines.get(j).strip()));
      }
      tables.add(new Table(header, rows, i + 1));
      i = j - 1;
    }
    return tables;
  }

  /**
   * The text of a section: from the first line that starts with {@code start} (a heading, or
   * a bullet such as {@code - **cpu**}) to the next line that starts a section of the same
   * kind (the same heading level or higher, or another bold bullet); empty when there is none.
   */
  public String section(String start) {
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith(start)) {
        continue;
      }
      StringBuilder text = new StringBuilder(lines.get(i)).append('\n');
      int level = start.startsWith("#") ? start.indexOf(' ') : -1;
      for (int j = i + 1; j < lines.size(); j++) {
        String line = lines.get(j);
        boolean heading = line.startsWith("#");
        if (level > 0 ? heading && line.indexOf(' ') <= level
            : heading || line.startsWith("- **")) {
          break;
        }
        text.append(line).append('\n');
      }
      return text.toString();
    }
    return "";
  }

  /**
   * The contents of every code span in the text, in order, without duplicates; fenced code
   * blocks are left out (their fences would pair with the spans' backticks).
   */
  public static Set<String> codeSpans(String text) {
    StringBuilder prose = new StringBuilder();
    boolean fenced = false;
    for (String line : text.split("\n")) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced) {
        prose.append(line).append('\n');
      }
    }
    Set<String> spans = new LinkedHashSet<>();
    Matcher m = CODE_SPAN.matcher(prose);
    while (m.find()) {
      spans.add(m.group(1).strip());
    }
    return spans;
  }

  private static List<String> cells(String row) {
    String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    for (int i = 0; i < inner.length(); i++) {
      char c = inner.charAt(i);
      if (c == '\\' && i + 1 < inner.length() && inner.charAt(i + 1) == '|') {
        cell.append('|');
        i++;
      } else if (c == '|') {
        cells.add(cell.toString().strip());
        cell.setLength(0);
      } else {
        cell.append(c);
      }
    }
    cells.add(cell.toString().strip());
    return cells;
  }
}
