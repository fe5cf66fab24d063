package io.github.microc.exporter.core.http;

import io.github.microc.exporter.core.engine.CollectorStatus;
import io.github.microc.exporter.core.spi.StatusTable;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The HTML page at {@code /}: links; the tables of the collectors and of the exporter (the
 * containers, push endpoints, the configuration's state); each collector with its last state.
 * Plain HTML without script; every string that comes from elsewhere is escaped.
 */
final class LandingPage {

  private static final int SHORT = 24;

  private LandingPage() {}

  static String render(String version, List<CollectorStatus> collectors, boolean ready) {
    return render(version, collectors, ready, List.of());
  }

  static String render(String version, List<CollectorStatus> collectors, boolean ready,
      List<StatusTable> tables) {
    StringBuilder html = new StringBuilder(8192);
    html.append("""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Microc exporter</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; }
        th, td { text-align: left; padding: .3em .8em; border-bottom: 1px solid #ddd; vertical-align: top; }
        .ok { color: #1a7f37; } .failed { color: #cf222e; } .off, .pending { color: #777; }
        code { background: #f4f4f4; padding: 0 .2em; }
        table.t td { white-space: nowrap; } table.t td.w { white-space: normal; overflow-wrap: anywhere; min-width: 12em; }
        </style>
        </head>
        <body>
        <h1>Microc exporter</h1>
        """);
    html.append("<p>Version ").append(escape(version)).append(ready ? " &middot; ready" : " &middot; starting")
        .append("</p>\n");
    html.append("""
        <ul>
        <li><a href="metrics">/metrics</a> &mdash; pick collectors with <code>?collect[]=name</code> or <code>?exclude[]=name</code></li>
        <li><a href="health">/health</a> &mdash; alive</li>
        <li><a href="ready">/ready</a> &mdash; first collection done</li>
        </ul>
        """);
    for (StatusTable table : tables) {
      table(html, table);
    }
    html.append("""
        <h2>Collectors</h2>
        <table>
        <tr><th>Collector</th><th>Description</th><th>State</th><th>Last duration</th><th>Last run (UTC)</th><th>Last error</th></tr>
        """);
    for (CollectorStatus c : collectors) {
      String state;
      String css;
      if (!c.enabled()) {
        state = "disabled";
        css = "off";
      } else if (c.lastSuccess() == null) {
        state = "not run yet";
        css = "pending";
      } else if (c.lastSuccess()) {
        state = "ok";
        css = "ok";
      } else {
        state = "failed";
        css = "failed";
      }
      html.append("<tr><td><code>").append(escape(c.name())).append("</code></td><td>")
          .append(escape(c.description()))
          .append(c.where() == null ? "" : "<br><small>" + escape(c.where())
              + (c.threads() == null ? "" : ", " + c.threads() + " threads") + "</small>")
          .append("</td><td class=\"").append(css).append("\">")
          .append(state).append("</td><td>").append(c.lastDuration() == null ? "" : millis(c.lastDuration()))
          .append("</td><td>")
          .append(c.lastFinished() == null ? ""
              : DateTimeFormatter.ISO_INSTANT.format(c.lastFinished().truncatedTo(ChronoUnit.SECONDS)))
          .append("</td><td>").append(c.lastError() == null ? "" : escape(c.lastError()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
    html.append("</body>\n</html>\n");
    return html.toString();
  }

  /** A table's heading, its note, and the table when it has columns. */
  private static void table(StringBuilder html, StatusTable table) {
    html.append("<h2>").append(escape(table.title())).append("</h2>\n");
    if (!table.note().isEmpty()) {
      html.append("<p>").append(escape(table.note())).append("</p>\n");
    }
    if (table.columns().isEmpty()) {
      return;
    }
    html.append("<table class=\"t\">\n<tr>");
    table.columns().forEach(c -> html.append("<th>").append(escape(c)).append("</th>"));
    html.append("</tr>\n");
    for (List<String> row : table.rows()) {
      html.append("<tr>");
      // A short value (a name, a state, a figure) is not broken across lines; a long one is.
      row.forEach(c -> html.append(c.length() > SHORT ? "<td class=\"w\">" : "<td>").append(escape(c))
          .append("</td>"));
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static String millis(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.3f ms", d.toNanos() / 1e6);
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
