package io.github.microc.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Microc's Grafana dashboards (grafana/dashboards/*.json), read as JSON trees. */
public final class Dashboards {

  /** One dashboard file. */
  public record Dashboard(Path file, JsonNode json) {

    public String title() {
      return json.path("title").asText();
    }

    /** Every panel, rows' nested panels included, in file order. */
    public List<JsonNode> panels() {
      List<JsonNode> all = new ArrayList<>();
      for (JsonNode panel : json.path("panels")) {
        all.add(panel);
        for (JsonNode nested : panel.path("panels")) {
          all.add(nested);
        }
      }
      return all;
    }

    /** The template variables. */
    public List<JsonNode> variables() {
      List<JsonNode> all = new ArrayList<>();
      json.path("templating").path("list").forEach(all::add);
      return all;
    }

    /** Every panel target's PromQL with where it comes from. */
    public List<Expression> expressions() {
      List<Expression> all = new ArrayList<>();
      for (JsonNode panel : panels()) {
        for (JsonNode target : panel.path("targets")) {
          all.add(new Expression(file.getFileName() + " / " + panel.path("title").asText()
              + " / " + target.path("refId").asText(), target.path("expr").asText()));
        }
      }
      return all;
    }
  }

  /** A PromQL expression and where it was found. */
  public record Expression(String origin, String promql) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private Dashboards() {}

  /**
   * An expression as Grafana would send it: its variables and macros replaced by these values
   * ({@code job} for {@code $job}, {@code __rate_interval} for {@code $__rate_interval}), the
   * longest names first so that {@code $__rate_interval} is not taken for {@code $__interval}.
   */
  public static String substitute(String promql, Map<String, String> values) {
    String result = promql;
    List<String> names = new ArrayList<>(values.keySet());
    names.sort(Comparator.comparingInt(String::length).reversed());
    for (String name : names) {
      result = result.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
    }
    if (result.contains("$")) {
      throw new IllegalArgumentException("unreplaced variable in " + result);
    }
    return result;
  }

  public static Path directory() {
    return Repository.resolve("grafana/dashboards");
  }

  public static List<Dashboard> all() {
    try (Stream<Path> files = Files.list(directory())) {
      List<Dashboard> dashboards = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        dashboards.add(new Dashboard(file, JSON.readTree(file.toFile())));
      }
      return dashboards;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
