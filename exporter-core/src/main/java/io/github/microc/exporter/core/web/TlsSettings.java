package io.github.microc.exporter.core.web;

import io.github.microc.exporter.core.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * {@code tls_server_config} of a web-config file, as exporter-toolkit (node_exporter 1.5)
 * reads it, with Go's names turned into the JDK's.
 *
 * @param certFile the server's certificate chain (PEM)
 * @param keyFile its private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC; RSA, ECDSA or Ed25519)
 * @param clientAuth whether and how client certificates are asked for and checked
 * @param clientCaFile the CAs client certificates must lead to; null for the JDK's own
 * @param allowedSans a client certificate must name one of these (DNS, e-mail, IP or URI);
 *     empty for any
 * @param protocols the JDK's names of the TLS versions from min_version to max_version
 * @param cipherSuites the JDK's names, TLS 1.3's added; empty for the JDK's defaults
 * @param namedGroups the JDK's names of curve_preferences; empty for the JDK's defaults
 * @param preferServerCipherSuites whether the server's order of suites wins
 */
public record TlsSettings(Path certFile, Path keyFile, ClientAuth clientAuth, Path clientCaFile,
    List<String> allowedSans, List<String> protocols, List<String> cipherSuites,
    List<String> namedGroups, boolean preferServerCipherSuites) {

  /** exporter-toolkit's client_auth_type values. */
  public enum ClientAuth {
    NoClientCert(false, false, false),
    RequestClientCert(true, false, false),
    RequireAnyClientCert(true, true, false),
    VerifyClientCertIfGiven(true, false, true),
    RequireAndVerifyClientCert(true, true, true);

    /** Whether the server asks for a certificate. */
    public final boolean asks;
    /** Whether a handshake without one fails. */
    public final boolean requires;
    /** Whether a certificate given is checked against the CAs. */
    public final boolean verifies;

    ClientAuth(boolean asks, boolean requires, boolean verifies) {
      this.asks = asks;
      this.requires = requires;
      this.verifies = verifies;
    }
  }

  private static final Map<String, String> VERSIONS = Map.of(
      "TLS10", "TLSv1", "TLS11", "TLSv1.1", "TLS12", "TLSv1.2", "TLS13", "TLSv1.3");
  private static final List<String> ORDER = List.of("TLS10", "TLS11", "TLS12", "TLS13");
  private static final Map<String, String> CURVES = Map.of(
      "CurveP256", "secp256r1", "CurveP384", "secp384r1", "CurveP521", "secp521r1", "X25519", "x25519");
  /** TLS 1.3's suites: Go does not let them be configured, so a list of suites never drops them. */
  private static final List<String> TLS13_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
  /** Go's names (crypto/tls CipherSuites and InsecureCipherSuites) that the JDK spells otherwise. */
  private static final Map<String, String> GO_ALIASES = Map.of(
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  /** Go 1.19's suite names; every one is also the IANA and the JDK's name. */
  private static final Set<String> GO_SUITES = Set.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
      "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
  private static final Set<String> KEYS = Set.of("cert_file", "key_file", "client_auth_type",
      "client_ca_file", "client_allowed_sans", "min_version", "max_version", "cipher_suites",
      "curve_preferences", "prefer_server_cipher_suites");

  static TlsSettings parse(WebConfig.Problems problems, Node node, Path base) {
    String path = "tls_server_config";
    Map<String, Node> keys = problems.mapping(node, path, KEYS);
    Path cert = file(problems, keys, "cert_file", base);
    Path key = file(problems, keys, "key_file", base);
    if (cert == null && !keys.containsKey("cert_file")) {
      problems.add(node, path + ".cert_file", "missing: a TLS server needs a certificate");
    }
    if (key == null && !keys.containsKey("key_file")) {
      problems.add(node, path + ".key_file", "missing: a TLS server needs a private key");
    }
    ClientAuth auth = ClientAuth.NoClientCert;
    if (keys.containsKey("client_auth_type")) {
      String value = problems.string(keys.get("client_auth_type"), path + ".client_auth_type");
      if (value != null && !value.isEmpty()) {
        try {
          auth = ClientAuth.valueOf(value.equals("RequireClientCert") ? "RequireAnyClientCert" : value);
        } catch (IllegalArgumentException e) {
          problems.add(keys.get("client_auth_type"), path + ".client_auth_type", "invalid ClientAuth \""
              + value + "\" (expected one of NoClientCert, RequestClientCert, RequireAnyClientCert,"
              + " VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
        }
      }
    }
    Path ca = file(problems, keys, "client_ca_file", base);
    if (ca != null && auth == ClientAuth.NoClientCert) {
      problems.add(keys.get("client_ca_file"), path + ".client_ca_file",
          "client CAs have been configured without a client_auth_type");
    }
    List<String> sans = keys.containsKey("client_allowed_sans")
        ? problems.strings(keys.get("client_allowed_sans"), path + ".client_allowed_sans") : List.of();
    String min = version(problems, keys, "min_version", "TLS12");
    String max = version(problems, keys, "max_version", "TLS13");
    List<String> protocols = new ArrayList<>();
    if (min != null && max != null) {
      if (ORDER.indexOf(min) > ORDER.indexOf(max)) {
        problems.add(keys.getOrDefault("max_version", node), path + ".max_version",
            max + " is below min_version " + min);
      }
      for (String v : ORDER.subList(ORDER.indexOf(min), ORDER.indexOf(max) + 1)) {
        protocols.add(VERSIONS.get(v));
      }
    }
    List<String> suites = new ArrayList<>();
    if (keys.containsKey("cipher_suites")) {
      for (String name : problems.strings(keys.get("cipher_suites"), path + ".cipher_suites")) {
        String jdk = GO_ALIASES.getOrDefault(name, name);
        if (!GO_SUITES.contains(jdk)) {
          problems.add(keys.get("cipher_suites"), path + ".cipher_suites", "unknown cipher \"" + name + "\"");
        } else if (!suites.contains(jdk)) {
          suites.add(jdk);
        }
      }
      if (!suites.isEmpty()) {
        TLS13_SUITES.stream().filter(s -> !suites.contains(s)).forEach(suites::add);
      }
    }
    List<String> groups = new ArrayList<>();
    if (keys.containsKey("curve_preferences")) {
      for (String name : problems.strings(keys.get("curve_preferences"), path + ".curve_preferences")) {
        String jdk = CURVES.get(name);
        if (jdk == null) {
          problems.add(keys.get("curve_preferences"), path + ".curve_preferences", "unknown curve \""
              + name + "\" (expected CurveP256, CurveP384, CurveP521 or X25519)");
        } else {
          groups.add(jdk);
        }
      }
    }
    boolean prefer = true;
    if (keys.containsKey("prefer_server_cipher_suites")) {
      Boolean value = problems.bool(keys.get("prefer_server_cipher_suites"), path + ".prefer_server_cipher_suites");
      prefer = value == null || value;
    }
    TlsSettings settings = new TlsSettings(cert, key, auth, ca, List.copyOf(sans), List.copyOf(protocols),
        List.copyOf(suites), List.copyOf(groups), prefer);
    // Each file that is named is read, so that all their problems show at once.
    if (cert != null && key == null) {
      try {
        PemFiles.certificates(cert);
      } catch (IOException e) {
        problems.add(keys.get("cert_file"), path + ".cert_file", e.getMessage());
      }
    } else if (cert == null && key != null) {
      try {
        PemFiles.privateKey(key);
      } catch (IOException e) {
        problems.add(keys.get("key_file"), path + ".key_file", e.getMessage());
      }
    }
    if (cert != null && key != null) {
      try {
        settings.material();
      } catch (IOException e) {
        String problem = e.getMessage();
        Node at = problem != null && problem.startsWith(key.toString()) ? keys.get("key_file")
            : problem != null && ca != null && problem.startsWith(ca.toString()) ? keys.get("client_ca_file")
            : keys.get("cert_file");
        String which = at == keys.get("key_file") ? "key_file" : at == keys.get("client_ca_file")
            ? "client_ca_file" : "cert_file";
        problems.add(at, path + "." + which, problem);
      }
    }
    return settings;
  }

  private static Path file(WebConfig.Problems problems, Map<String, Node> keys, String key, Path base) {
    Node node = keys.get(key);
    if (node == null) {
      return null;
    }
    String value = problems.string(node, "tls_server_config." + key);
    if (value == null || value.isEmpty()) {
      return null;
    }
    Path p = Path.of(value);
    return p.isAbsolute() || base == null ? p : base.resolve(p);
  }

  private static String version(WebConfig.Problems problems, Map<String, Node> keys, String key,
      String fallback) {
    if (!keys.containsKey(key)) {
      return fallback;
    }
    String value = problems.string(keys.get(key), "tls_server_config." + key);
    if (value != null && !VERSIONS.containsKey(value)) {
      problems.add(keys.get(key), "tls_server_config." + key, "unknown TLS version \"" + value
          + "\" (expected TLS10, TLS11, TLS12 or TLS13)");
      return null;
    }
    return value;
  }

  /**
   * What the JDK takes only for the whole process, and only before its first TLS context:
   * {@code curve_preferences} as {@code jdk.tls.namedGroups} (unless set on the command line),
   * and TLS 1.0 and 1.1, which the JDK disables by default, enabled again when min_version asks
   * for them. Neither changes on a reload.
   */
  public void applyJvmWide() {
    if (!namedGroups.isEmpty() && System.getProperty("jdk.tls.namedGroups") == null) {
      System.setProperty("jdk.tls.namedGroups", String.join(",", namedGroups));
    }
    if (protocols.contains("TLSv1") || protocols.contains("TLSv1.1")) {
      String disabled = java.security.Security.getProperty("jdk.tls.disabledAlgorithms");
      if (disabled != null) {
        List<String> kept = new ArrayList<>();
        for (String algorithm : disabled.split(",")) {
          String name = algorithm.trim();
          if (!(protocols.contains("TLSv1") && name.equals("TLSv1"))
              && !(protocols.contains("TLSv1.1") && name.equals("TLSv1.1"))) {
            kept.add(name);
          }
        }
        java.security.Security.setProperty("jdk.tls.disabledAlgorithms", String.join(", ", kept));
      }
    }
  }

  /** The files whose change means new material. */
  public List<Path> files() {
    List<Path> files = new ArrayList<>(List.of(certFile, keyFile));
    if (clientCaFile != null) {
      files.add(clientCaFile);
    }
    return files;
  }

  /**
   * Reads the certificate, key and CA files into a TLS context.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  public Material material() throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    if (!PemFiles.matches(keyFile, key, chain.get(0).getPublicKey())) {
      throw new IOException(keyFile + ": the key does not match the certificate in " + certFile);
    }
    List<X509Certificate> ca = clientCaFile == null ? null : PemFiles.certificates(clientCaFile);
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("server", key, new char[0], chain.toArray(new Certificate[0]));
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keys, new char[0]);
      KeyStore trusted = null;
      if (ca != null) {
        trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        for (int i = 0; i < ca.size(); i++) {
          trusted.setCertificateEntry("ca-" + i, ca.get(i));
        }
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      X509TrustManager verifier = null;
      for (var manager : trust.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          verifier = x509;
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(),
          new javax.net.ssl.TrustManager[] {new ClientTrust(clientAuth.verifies ? verifier : null, allowedSans)},
          null);
      return new Material(context, chain.get(0));
    } catch (GeneralSecurityException e) {
      throw new IOException(certFile + ": cannot make a TLS context from it and " + keyFile + ": " + e, e);
    }
  }

  /**
   * A TLS context and the certificate it presents.
   *
   * @param context made from the files
   * @param certificate the first certificate of the chain
   */
  public record Material(SSLContext context, X509Certificate certificate) {}

}
