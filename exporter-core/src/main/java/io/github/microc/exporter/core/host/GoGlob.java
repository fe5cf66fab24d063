package io.github.microc.exporter.core.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Go's {@code filepath.Glob} and {@code filepath.Match} on Unix, which node_exporter's textfile
 * directory goes through, and the byte order its directory listings come in.
 */
final class GoGlob {

  /** Go's string order: bytes of UTF-8, which is the order of code points. */
  static final Comparator<String> BYTE_ORDER = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

  private GoGlob() {}

  /**
   * The entries of {@code dir} whose name matches, in byte order, as Go's glob of
   * {@code dir/<pattern>} returns them; none when {@code dir} is not a directory or cannot be
   * listed.
   */
  static List<Path> matches(Path dir, java.util.function.Predicate<String> name) {
    List<Path> matches = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return matches; // a stat, not a failed listing, for a module that is not loaded
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (name.test(entry.getFileName().toString())) {
          matches.add(entry);
        }
      }
    } catch (IOException | RuntimeException e) {
      return matches;
    }
    matches.sort((a, b) -> BYTE_ORDER.compare(a.getFileName().toString(), b.getFileName().toString()));
    return matches;
  }

  /** The paths matching {@code pattern}, sorted; null for a malformed pattern. */
  static List<String> glob(String pattern) {
    if (!match(pattern, 0, "", 0).valid()) {
      return null;
    }
    if (!hasMeta(pattern)) {
      return Files.exists(Path.of(pattern), java.nio.file.LinkOption.NOFOLLOW_LINKS) && !pattern.isEmpty()
          ? List.of(pattern) : List.of();
    }
    int slash = pattern.lastIndexOf('/');
    String dir = slash < 0 ? "" : pattern.substring(0, slash + 1);
    String file = pattern.substring(slash + 1);
    dir = dir.isEmpty() ? "." : dir.equals("/") ? dir : dir.substring(0, dir.length() - 1);
    if (!hasMeta(dir)) {
      return globIn(dir, file, new ArrayList<>());
    }
    if (dir.equals(pattern)) {
      return null;
    }
    List<String> parents = glob(dir);
    if (parents == null) {
      return null;
    }
    List<String> matches = new ArrayList<>();
    for (String parent : parents) {
      if (globIn(parent, file, matches) == null) {
        return null;
      }
    }
    return matches;
  }

  private static List<String> globIn(String dir, String pattern, List<String> matches) {
    if (!Files.isDirectory(Path.of(dir))) {
      return matches;
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(dir))) {
      entries.forEach(e -> names.add(e.getFileName().toString()));
    } catch (IOException | RuntimeException e) {
      return matches;
    }
    names.sort(BYTE_ORDER);
    for (String name : names) {
      Result r = match(pattern, 0, name, 0);
      if (!r.valid()) {
        return null;
      }
      if (r.matched()) {
        matches.add(Path.of(dir).resolve(name).normalize().toString());
      }
    }
    return matches;
  }

  private static boolean hasMeta(String path) {
    for (char c : path.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  record Result(boolean matched, boolean valid) {}

  private static final Result YES = new Result(true, true);
  private static final Result NO = new Result(false, true);
  private static final Result BAD = new Result(false, false);

  /**
   * Whether {@code name} from {@code n} matches {@code pattern} from {@code p}: {@code *}
   * any run of characters but {@code /}, {@code ?} one, {@code [...]} a class with ranges and
   * {@code ^} for negation, {@code \} an escape; a malformed pattern is not valid.
   */
  static Result match(String pattern, int p, String name, int n) {
    while (p < pattern.length()) {
      char c = pattern.charAt(p);
      switch (c) {
        case '*' -> {
          for (int end = n; ; end++) {
            Result rest = match(pattern, p + 1, name, end);
            if (!rest.valid() || rest.matched()) {
              return rest;
            }
            if (end >= name.length() || name.charAt(end) == '/') {
              return checkRest(pattern, p + 1);
            }
          }
        }
        case '?' -> {
          if (n >= name.length() || name.charAt(n) == '/') {
            return checkRest(pattern, p + 1);
          }
          p++;
          n += Character.charCount(name.codePointAt(n));
        }
        case '[' -> {
          int end = classEnd(pattern, p + 1);
          if (end < 0) {
            return BAD;
          }
          if (n >= name.length()) {
            return checkRest(pattern, end + 1);
          }
          int ch = name.codePointAt(n);
          if (!inClass(pattern, p + 1, end, ch)) {
            return checkRest(pattern, end + 1);
          }
          p = end + 1;
          n += Character.charCount(ch);
        }
        case '\\' -> {
          if (p + 1 >= pattern.length()) {
            return BAD;
          }
          if (n >= name.length() || name.charAt(n) != pattern.charAt(p + 1)) {
            return checkRest(pattern, p + 2);
          }
          p += 2;
          n++;
        }
        default -> {
          if (n >= name.length() || name.charAt(n) != c) {
            return checkRest(pattern, p + 1);
          }
          p++;
          n++;
        }
      }
    }
    return n == name.length() ? YES : NO;
  }

  /** No match; but is the rest of the pattern well formed? (Go reports a bad pattern anyway.) */
  private static Result checkRest(String pattern, int p) {
    while (p < pattern.length()) {
      char c = pattern.charAt(p);
      if (c == '[') {
        int end = classEnd(pattern, p + 1);
        if (end < 0) {
          return BAD;
        }
        p = end + 1;
      } else if (c == '\\') {
        if (p + 1 >= pattern.length()) {
          return BAD;
        }
        p += 2;
      } else {
        p++;
      }
    }
    return NO;
  }

  /** The index of the {@code ]} closing a class whose content starts at {@code p}; -1 if none. */
  private static int classEnd(String pattern, int p) {
    if (p < pattern.length() && pattern.charAt(p) == '^') {
      p++;
    }
    boolean first = true;
    while (p < pattern.length()) {
      char c = pattern.charAt(p);
      if (c == ']' && !first) {
        return p;
      }
      if (c == ']' || c == '-') {
        return -1; // Go: a class must not be empty and a range needs a low end
      }
      p = classChar(pattern, p);
      if (p < 0) {
        return -1;
      }
      if (p < pattern.length() && pattern.charAt(p) == '-') {
        p = classChar(pattern, p + 1);
        if (p < 0) {
          return -1;
        }
      }
      first = false;
    }
    return -1;
  }

  /** The index after one (possibly escaped) class character at {@code p}; -1 if there is none. */
  private static int classChar(String pattern, int p) {
    if (p >= pattern.length()) {
      return -1;
    }
    char c = pattern.charAt(p);
    if (c == '-' || c == ']') {
      return -1;
    }
    if (c == '\\') {
      p++;
      if (p >= pattern.length()) {
        return -1;
      }
    }
    return p + Character.charCount(pattern.codePointAt(p));
  }

  private static boolean inClass(String pattern, int p, int end, int ch) {
    boolean negated = pattern.charAt(p) == '^';
    if (negated) {
      p++;
    }
    boolean matched = false;
    while (p < end) {
      int lo = charAt(pattern, p);
      p = classChar(pattern, p);
      int hi = lo;
      if (p < end && pattern.charAt(p) == '-') {
        hi = charAt(pattern, p + 1);
        p = classChar(pattern, p + 1);
      }
      if (lo <= ch && ch <= hi) {
        matched = true;
      }
    }
    return matched != negated;
  }

  private static int charAt(String pattern, int p) {
    return pattern.charAt(p) == '\\' ? pattern.codePointAt(p + 1) : pattern.codePointAt(p);
  }
}
