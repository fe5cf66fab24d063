package io.github.microc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived command to completion and keeps what it printed (stderr merged). */
public final class Command {

  /** How a command ended. */
  public record Result(List<String> command, int exitCode, String output) {

    public boolean succeeded() {
      return exitCode == 0;
    }

    /** Its output, or a failure naming the command, its exit code and its output. */
    public String orFail() {
      if (!succeeded()) {
        throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + output);
      }
      return output;
    }
  }

  private Command() {}

  public static Result run(Duration timeout, String... command) {
    return run(timeout, null, List.of(command));
  }

  public static Result run(Duration timeout, Path directory, List<String> command) {
    return run(timeout, directory, command, Map.of());
  }

  /** Runs with these variables added to the environment. */
  public static Result run(Duration timeout, Path directory, List<String> command,
      Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      // Read on a thread of its own so that a full pipe never blocks the command.
      StringBuilder output = new StringBuilder();
      Thread reader = new Thread(() -> {
        try {
          output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          output.append("(output unreadable: ").append(e.getMessage()).append(')');
        }
      });
      reader.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        reader.join(1000);
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
            + ":\n" + output);
      }
      reader.join();
      return new Result(List.copyOf(command), process.exitValue(), output.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    }
  }
}
