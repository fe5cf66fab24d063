package io.github.microc.exporter.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** The samples of a Prometheus text exposition, parsed strictly enough for assertions. */
record Exposition(List<Sample> samples) {

  record Sample(String name, Map<String, String> labels, double value) {
    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }

  static Exposition parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int i = 0;
      while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
        i++;
      }
      String name = line.substring(0, i);
      Map<String, String> labels = new LinkedHashMap<>();
      if (i < line.length() && line.charAt(i) == '{') {
        i++;
        while (line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          String key = line.substring(i, eq);
          i = eq + 2; // past ="
          StringBuilder value = new StringBuilder();
          while (line.charAt(i) != '"') {
            char c = line.charAt(i);
            if (c == '\\') {
              char n = line.charAt(++i);
              value.append(n == 'n' ? '\n' : n);
            } else {
              value.append(c);
            }
            i++;
          }
          i++; // past "
          labels.put(key, value.toString());
          if (line.charAt(i) == ',') {
            i++;
          }
        }
        i++;
      }
      String[] rest = line.substring(i).trim().split(" ");
      samples.add(new Sample(name, labels, Double.parseDouble(rest[0])));
    }
    return new Exposition(samples);
  }

  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The sample of {@code name} for container {@code container} (and other label matches). */
  Optional<Sample> find(String name, String container, Predicate<Sample> more) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.label("name").equals(container) && more.test(s))
        .findFirst();
  }

  Optional<Double> value(String name, String container) {
    return find(name, container, s -> true).map(Sample::value);
  }

  Optional<Double> value(String name, String container, String label, String labelValue) {
    return find(name, container, s -> s.label(label).equals(labelValue)).map(Sample::value);
  }
}
