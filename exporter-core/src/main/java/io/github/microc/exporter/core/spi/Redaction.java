package io.github.microc.exporter.core.spi;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Keeps secrets out of labels, logs and pages: a URL as it may be shown, without its user
 * information ({@code user:password@}) and with the value of every sensitive query (or
 * fragment) parameter replaced by {@value #MASK}.
 *
 * <pre>
 * http://user:pa55@10.0.0.5:8080/health?token=abc&amp;x=1  →  http://10.0.0.5:8080/health?token=&lt;secret&gt;&amp;x=1
 * </pre>
 *
 * <p>A parameter is sensitive when its name, decoded and in lower case, contains one of the
 * given words: with the defaults, {@code access_token}, {@code api_key}, {@code X-Amz-Signature}
 * and {@code client_secret} all are. Anything in a URL's path is shown as it is: a secret
 * there cannot be told from a name.
 */
public final class Redaction {

  /** The words that make a parameter sensitive unless a configuration says otherwise. */
  public static final List<String> DEFAULT_SENSITIVE_PARAMETERS =
      List.of("token", "password", "secret", "key", "auth", "sig");

  /** What a sensitive value is shown as. */
  public static final String MASK = "<secret>";

  private Redaction() {}

  /** {@code url} as it may be shown, with the default sensitive parameters. */
  public static String url(String url) {
    return url(url, DEFAULT_SENSITIVE_PARAMETERS);
  }

  /**
   * {@code url} as it may be shown: no user information, and the value of each parameter whose
   * name contains one of {@code sensitive} (case-insensitive) masked. Text that is not a valid
   * URL is treated the same way as far as it can be, never rejected.
   */
  public static String url(String url, Collection<String> sensitive) {
    StringBuilder out = new StringBuilder(url.length());
    int at = 0;
    int scheme = url.indexOf("://");
    if (scheme >= 0 && url.lastIndexOf('/', scheme - 1) < 0 && url.lastIndexOf('?', scheme) < 0) {
      int authority = scheme + 3;
      int authorityEnd = indexOfAny(url, authority, "/?#");
      int user = url.lastIndexOf('@', authorityEnd - 1);
      out.append(url, 0, authority);
      at = user >= authority ? user + 1 : authority;
    }
    int query = url.indexOf('?', at);
    int fragment = url.indexOf('#', at);
    if (query >= 0 && fragment >= 0 && fragment < query) {
      query = -1;
    }
    int pathEnd = query >= 0 ? query : fragment >= 0 ? fragment : url.length();
    out.append(url, at, pathEnd);
    if (query >= 0) {
      int queryEnd = fragment >= 0 ? fragment : url.length();
      out.append('?');
      parameters(out, url.substring(query + 1, queryEnd), sensitive);
    }
    if (fragment >= 0) {
      out.append('#');
      parameters(out, url.substring(fragment + 1), sensitive);
    }
    return out.toString();
  }

  /** Whether a parameter (or configuration key) named {@code name} holds a secret. */
  public static boolean sensitive(String name, Collection<String> sensitive) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String word : sensitive) {
      if (!word.isEmpty() && lower.contains(word.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static void parameters(StringBuilder out, String text, Collection<String> sensitive) {
    int start = 0;
    while (start <= text.length()) {
      int end = text.indexOf('&', start);
      if (end < 0) {
        end = text.length();
      }
      String parameter = text.substring(start, end);
      int eq = parameter.indexOf('=');
      if (eq >= 0 && sensitive(decode(parameter.substring(0, eq)), sensitive)) {
        out.append(parameter, 0, eq + 1).append(MASK);
      } else {
        out.append(parameter);
      }
      if (end < text.length()) {
        out.append('&');
      }
      start = end + 1;
    }
  }

  private static String decode(String name) {
    try {
      return URLDecoder.decode(name, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return name;
    }
  }

  private static int indexOfAny(String text, int from, String chars) {
    for (int i = from; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return text.length();
  }
}
