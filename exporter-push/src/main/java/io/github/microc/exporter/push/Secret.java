package io.github.microc.exporter.push;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A password or token, given inline or as a file read on every use (so that it can be
 * rotated without a restart). Its {@link #toString} never shows it.
 */
public final class Secret {

  private final String value;
  private final Path file;

  private Secret(String value, Path file) {
    this.value = value;
    this.file = file;
  }

  static Secret inline(String value) {
    return new Secret(Objects.requireNonNull(value, "value"), null);
  }

  static Secret file(Path file) {
    return new Secret(null, Objects.requireNonNull(file, "file"));
  }

  /** The secret; a file's content without its trailing line break. */
  public String read() throws IOException {
    if (file == null) {
      return value;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.strip();
  }

  /** The file it is read from, or null when inline. */
  Path path() {
    return file;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && Objects.equals(value, s.value) && Objects.equals(file, s.file);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, file);
  }

  @Override
  public String toString() {
    return file == null ? "<secret>" : "<secret in " + file + ">";
  }
}
