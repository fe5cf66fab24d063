package io.github.microc.exporter.core.host;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A parsed Prometheus text exposition (format 0.0.4): families with their type, and samples
 * keyed by name and sorted labels. Enough to compare two exporters; not a full parser
 * (no exemplars, no OpenMetrics).
 */
final class ParsedExposition {

  /** A family: its TYPE, HELP and the label names its samples carry. */
  record Family(String name, String type, String help, Set<String> labelNames) {}

  /** A sample's identity: metric name and labels in name order. */
  record Series(String name, Map<String, String> labels) {
    @Override
    public String toString() {
      return name + labels;
    }
  }

  final Map<String, Family> families = new TreeMap<>();
  final Map<Series, Double> samples = new LinkedHashMap<>();

  private ParsedExposition() {}

  static ParsedExposition parse(String text) {
    ParsedExposition e = new ParsedExposition();
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Map<String, Set<String>> labelNames = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] f = line.split(" ", 4);
        if (f.length >= 4 && f[1].equals("TYPE")) {
          types.put(f[2], f[3].strip());
          labelNames.computeIfAbsent(f[2], k -> new TreeSet<>());
        } else if (f.length >= 3 && f[1].equals("HELP")) {
          helps.put(f[2], f.length == 4 ? f[3] : "");
        }
        continue;
      }
      Series series = e.parseSample(line);
      labelNames.computeIfAbsent(series.name(), k -> new TreeSet<>()).addAll(series.labels().keySet());
    }
    types.forEach((name, type) -> e.families.put(name,
        new Family(name, type, helps.getOrDefault(name, ""), labelNames.get(name))));
    return e;
  }

  private Series parseSample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String label = line.substring(i, eq).strip();
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        while (line.charAt(j) != '"') {
          char c = line.charAt(j++);
          if (c == '\\') {
            char next = line.charAt(j++);
            value.append(next == 'n' ? '\n' : next);
          } else {
            value.append(c);
          }
        }
        labels.put(label, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String[] rest = line.substring(i).strip().split(" ");
    Series series = new Series(name, labels);
    samples.put(series, parseValue(rest[0]));
    return series;
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }
}
