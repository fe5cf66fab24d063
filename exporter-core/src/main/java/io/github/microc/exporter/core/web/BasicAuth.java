package io.github.microc.exporter.core.web;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code basic_auth_users} checked as exporter-toolkit checks them: bcrypt, one check at a
 * time (a flood of wrong passwords costs one core, not all), an unknown user checked against a
 * fixed hash so that it takes as long as a known one, and each outcome kept for the next
 * requests (a hundred of them) so that a scrape does not pay a bcrypt every time. The cache is
 * keyed by a SHA-256 of the user, the hash and the password, never the password itself.
 * Thread-safe.
 */
public final class BasicAuth {

  /** exporter-toolkit's own stand-in for an unknown user. */
  private static final String UNKNOWN_USER_HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
  private static final int CACHED = 100;
  private static final BCrypt.Verifyer BCRYPT = BCrypt.verifyer(BCrypt.Version.VERSION_2A,
      LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A));

  private final Map<String, String> users;
  /** The bcrypt check: the password and the hash. */
  private final java.util.function.BiPredicate<String, String> check;
  private final Map<String, Boolean> outcomes = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > CACHED;
    }
  };
  private final Object bcrypt = new Object();

  /** @param users user name to bcrypt hash; empty for no authentication */
  public BasicAuth(Map<String, String> users) {
    this(users, BasicAuth::verify);
  }

  BasicAuth(Map<String, String> users, java.util.function.BiPredicate<String, String> check) {
    this.users = Map.copyOf(users);
    this.check = check;
  }

  /** Whether requests must authenticate. */
  public boolean required() {
    return !users.isEmpty();
  }

  /** Whether an {@code Authorization} header names a user of the file with the right password. */
  public boolean allows(String authorization) {
    if (users.isEmpty()) {
      return true;
    }
    if (authorization == null || authorization.length() < 6
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String user = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    String hash = users.get(user);
    boolean known = hash != null;
    if (!known) {
      hash = UNKNOWN_USER_HASH;
    }
    String key = key(user, hash, password);
    Boolean cached;
    synchronized (outcomes) {
      cached = outcomes.get(key);
    }
    if (cached != null) {
      return cached;
    }
    boolean verified;
    synchronized (bcrypt) {
      verified = check.test(password, hash);
    }
    boolean allowed = known && verified;
    synchronized (outcomes) {
      outcomes.put(key, allowed);
    }
    return allowed;
  }

  private static boolean verify(String password, String hash) {
    try {
      return BCRYPT.verify(password.getBytes(StandardCharsets.UTF_8),
          hash.getBytes(StandardCharsets.UTF_8)).verified;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String key(String user, String hash, String password) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {user, hash, password}) {
        digest.update(part.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return Base64.getEncoder().encodeToString(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
