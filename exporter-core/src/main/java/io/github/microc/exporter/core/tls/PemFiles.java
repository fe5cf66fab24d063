package io.github.microc.exporter.core.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates, private keys and TLS contexts from PEM files: a CA bundle (the certificates a
 * peer's chain must lead to), a certificate chain and its private key (unencrypted PKCS#8,
 * PKCS#1 RSA or SEC1 EC), as openssl, cert-manager and the Docker CLI write them.
 *
 * <p>JDK only: the JDK reads PKCS#8 keys but not the PKCS#1 and SEC1 forms that openssl and
 * older tooling write, so those are rewrapped as PKCS#8 with a little DER of our own, rather
 * than pulling in BouncyCastle for it.
 *
 * <p>A context checks the peer's chain only; it does not check the host name, which is up to
 * whoever opens the connection. Errors are {@link IOException}s whose message starts with the
 * file and says what is wrong with it.
 */
public final class PemFiles {

  private static final char[] NO_PASSWORD = new char[0];

  private static final int SEQUENCE = 0x30;
  private static final int OCTET_STRING = 0x04;
  private static final int OID = 0x06;
  private static final int PARAMETERS = 0xa0;

  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
  private static final byte[] RSA_ENCRYPTION = {
      0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
      0x01, 0x05, 0x00};

  /** The OID id-ecPublicKey (1.2.840.10045.2.1), encoded. */
  private static final byte[] EC_PUBLIC_KEY = {
      0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private PemFiles() {}

  /**
   * A TLS context that trusts only the certificates in {@code caFile}, or the JDK's own when it
   * is null, and presents {@code certFile} with {@code keyFile} when both are given.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  public static SSLContext context(Path caFile, Path certFile, Path keyFile) throws IOException {
    List<X509Certificate> ca = caFile == null ? null : certificates(caFile);
    KeyManagerFactory keyManagers = null;
    if (certFile != null && keyFile != null) {
      List<X509Certificate> chain = certificates(certFile);
      PrivateKey key = privateKey(keyFile);
      if (!matches(keyFile, key, chain.get(0).getPublicKey())) {
        throw problem(keyFile, "the key does not match the first certificate in " + certFile);
      }
      try {
        // JKS: a PKCS#12 store encrypts the key as it is put in and decrypts it as the key
        // manager takes it out, with 10,000 rounds of PBKDF2 each way; this store stays in memory.
        KeyStore keys = emptyStore("JKS");
        keys.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, NO_PASSWORD);
      } catch (GeneralSecurityException e) {
        throw new IOException(certFile + ": cannot use it with " + keyFile + ": " + e, e);
      }
    }
    try {
      TrustManagerFactory trustManagers = null;
      if (ca != null) {
        KeyStore trusted = emptyStore("PKCS12");
        for (int i = 0; i < ca.size(); i++) {
          trusted.setCertificateEntry("ca-" + i, ca.get(i));
        }
        trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(),
          trustManagers == null ? null : trustManagers.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException((caFile != null ? caFile : certFile)
          + ": cannot make a TLS context from it: " + e, e);
    }
  }

  private static KeyStore emptyStore(String type) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type);
    store.load(null, null);
    return store;
  }

  // --- certificates

  /** Every CERTIFICATE block in the file, in order; at least one. */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    for (Pem pem : pems(file)) {
      if (!pem.label().equals("CERTIFICATE")) {
        continue;
      }
      byte[] der = pem.decode(file);
      try {
        certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der)));
      } catch (CertificateException e) {
        throw problem(file, "not a valid certificate in block " + (certificates.size() + 1)
            + ": " + e.getMessage());
      }
    }
    if (certificates.isEmpty()) {
      throw problem(file, "no certificate (expected BEGIN CERTIFICATE)");
    }
    return certificates;
  }

  // --- private key

  /** The first private key in the file. */
  public static PrivateKey privateKey(Path file) throws IOException {
    for (Pem pem : pems(file)) {
      String label = pem.label();
      boolean legacyEncrypted = pem.headers().stream()
          .anyMatch(h -> h.startsWith("Proc-Type:") && h.contains("ENCRYPTED"));
      if (label.equals("ENCRYPTED PRIVATE KEY")
          || (label.endsWith("PRIVATE KEY") && legacyEncrypted)) {
        throw problem(file, "encrypted keys are not supported; decrypt it first "
            + "(for example with openssl pkey)");
      }
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(file, pem.decode(file));
        case "RSA PRIVATE KEY":
          return pkcs8(file, der(SEQUENCE, VERSION_0, RSA_ENCRYPTION,
              der(OCTET_STRING, pem.decode(file))));
        case "EC PRIVATE KEY":
          return pkcs8(file, sec1ToPkcs8(file, pem.decode(file)));
        default:
          // Other blocks (EC PARAMETERS from openssl ecparam, certificates) are not the key.
      }
    }
    throw problem(file,
        "no private key (expected BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  /** A PKCS#8 PrivateKeyInfo; its own algorithm identifier is not read, both kinds are tried. */
  private static PrivateKey pkcs8(Path file, byte[] der) throws IOException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    List<String> failures = new ArrayList<>();
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        failures.add(algorithm + ": " + e.getMessage());
      } catch (GeneralSecurityException e) {
        throw problem(file, "cannot read the key: " + e);
      }
    }
    throw problem(file, "not a valid RSA, EC or Ed25519 private key (" + String.join("; ", failures) + ")");
  }

  /**
   * Wraps an RFC 5915 ECPrivateKey as PKCS#8: the curve moves from the key's [0] parameters
   * into the AlgorithmIdentifier, where the JDK looks for it.
   */
  private static byte[] sec1ToPkcs8(Path file, byte[] sec1) throws IOException {
    try {
      Der key = Der.read(sec1, 0, sec1.length);
      if (key.tag() != SEQUENCE) {
        throw new IllegalArgumentException("not a DER SEQUENCE");
      }
      for (Der field : key.children()) {
        if (field.tag() != PARAMETERS) {
          continue;
        }
        Der curve = Der.read(sec1, field.start(), field.end());
        if (curve.tag() != OID) {
          throw new IllegalArgumentException("explicit curve parameters are not supported, "
              + "only a named curve");
        }
        byte[] algorithm = der(SEQUENCE, EC_PUBLIC_KEY, curve.encoded());
        return der(SEQUENCE, VERSION_0, algorithm, der(OCTET_STRING, sec1));
      }
      throw new IllegalArgumentException("it does not name its curve");
    } catch (IllegalArgumentException e) {
      throw problem(file, "not a valid EC PRIVATE KEY: " + e.getMessage());
    }
  }

  /**
   * Whether the key signs what the certificate's public key verifies: the JDK offers no way to
   * derive an EC public key from the private one, and a signature check covers RSA and EC alike.
   */
  public static boolean matches(Path file, PrivateKey key, PublicKey certified)
      throws IOException {
    boolean edwards = key.getAlgorithm().startsWith("Ed") && certified.getAlgorithm().startsWith("Ed");
    if (!edwards && !key.getAlgorithm().equals(certified.getAlgorithm())) {
      return false;
    }
    String algorithm = edwards ? "Ed25519" : switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> null;
    };
    if (algorithm == null) {
      return true;
    }
    byte[] probe = "microc key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (SignatureException e) {
      // A signature from a key on another curve may not even parse as one for this curve.
      return false;
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": cannot check the key against its certificate: " + e, e);
    }
  }

  // --- PEM

  /** A PEM block: its label (CERTIFICATE), its RFC 1421 headers, and its base64 text. */
  private record Pem(String label, List<String> headers, String base64) {

    byte[] decode(Path file) throws IOException {
      try {
        return Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw problem(file, "not valid base64 in its BEGIN " + label + " block: "
            + e.getMessage());
      }
    }
  }

  /** The PEM blocks in the file; text around them (openssl's Bag Attributes) is skipped. */
  private static List<Pem> pems(Path file) throws IOException {
    String text;
    try {
      // Latin-1 maps every byte, so stray UTF-8 in the text around the blocks cannot fail.
      text = Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw problem(file, "not readable: no such file");
    } catch (AccessDeniedException e) {
      throw problem(file, "not readable: permission denied");
    } catch (IOException e) {
      throw new IOException(file + ": not readable: " + e, e);
    }
    List<Pem> blocks = new ArrayList<>();
    String label = null;
    List<String> headers = new ArrayList<>();
    StringBuilder base64 = new StringBuilder();
    for (String line : text.split("\\R")) {
      String trimmed = line.strip();
      if (label == null) {
        if (trimmed.startsWith("-----BEGIN ") && trimmed.endsWith("-----")) {
          label = trimmed.substring("-----BEGIN ".length(), trimmed.length() - "-----".length());
          headers = new ArrayList<>();
          base64 = new StringBuilder();
        }
      } else if (trimmed.equals("-----END " + label + "-----")) {
        blocks.add(new Pem(label, List.copyOf(headers), base64.toString()));
        label = null;
      } else if (trimmed.contains(":")) {
        // Base64 has no colon, so this is a header such as Proc-Type: 4,ENCRYPTED.
        headers.add(trimmed);
      } else {
        base64.append(trimmed);
      }
    }
    if (label != null) {
      throw problem(file, "BEGIN " + label + " without its END line");
    }
    return blocks;
  }

  // --- DER, just what the key forms above need

  /** A DER element of {@code der}: its tag, and its contents from {@code start} to {@code end}. */
  private record Der(byte[] der, int offset, int tag, int start, int end) {

    /** The element at {@code offset}, which must end by {@code limit}. */
    static Der read(byte[] der, int offset, int limit) {
      if (limit - offset < 2) {
        throw new IllegalArgumentException("truncated DER");
      }
      int tag = der[offset] & 0xff;
      if ((tag & 0x1f) == 0x1f) {
        throw new IllegalArgumentException("unexpected multi-byte DER tag");
      }
      int pos = offset + 2;
      int first = der[offset + 1] & 0xff;
      long length = first;
      if (first >= 0x80) {
        int count = first & 0x7f;
        // 0x80 is BER's indefinite length, never DER; four bytes is far past any key.
        if (count == 0 || count > 4) {
          throw new IllegalArgumentException("unsupported DER length");
        }
        if (limit - pos < count) {
          throw new IllegalArgumentException("truncated DER");
        }
        length = 0;
        for (int i = 0; i < count; i++) {
          length = (length << 8) | (der[pos++] & 0xff);
        }
      }
      if (length > limit - pos) {
        throw new IllegalArgumentException("truncated DER");
      }
      return new Der(der, offset, tag, pos, pos + (int) length);
    }

    List<Der> children() {
      List<Der> children = new ArrayList<>();
      for (int pos = start; pos < end; ) {
        Der child = read(der, pos, end);
        children.add(child);
        pos = child.end();
      }
      return children;
    }

    /** The whole element, tag and length included. */
    byte[] encoded() {
      return Arrays.copyOfRange(der, offset, end);
    }
  }

  /** A DER element with the given tag whose contents are {@code parts}, one after another. */
  private static byte[] der(int tag, byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int count = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | count);
      for (int i = count - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static IOException problem(Path file, String what) {
    return new IOException(file + ": " + what);
  }
}
