package io.github.microc.exporter.docker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TlsFiles on keys and certificates that the JDK's keytool makes at test time, checked by a
 * mutual-TLS exchange with an in-test daemon stand-in, as Docker's client and daemon would do.
 *
 * <p>The keys: a self-signed "server"; a "client-ca" that signs "client-rsa" and "client-ec"
 * (secp256r1), whose certificates the server accepts; and a self-signed "stranger" that
 * neither side trusts.
 */
class TlsFilesTest {

  private static final String PASSWORD = "changeit";

  /** What openssl pkcs12 writes before each block; the loader must skip it. */
  private static final String BAG_ATTRIBUTES =
      "Bag Attributes\n    friendlyName: microc\n    localKeyID: 54 69 6D 65\n";

  @TempDir
  static Path keys;

  static KeyStore store;

  @TempDir
  Path dir;

  @BeforeAll
  static void makeKeysAndCertificatesWithKeytool() throws Exception {
    genkeypair("server", "CN=localhost", "-keyalg", "RSA", "-keysize", "2048",
        "-ext", "san=ip:127.0.0.1,dns:localhost");
    genkeypair("client-ca", "CN=client-ca", "-keyalg", "RSA", "-keysize", "2048",
        "-ext", "bc:c");
    genkeypair("client-rsa", "CN=client-rsa", "-keyalg", "RSA", "-keysize", "2048");
    genkeypair("client-ec", "CN=client-ec", "-keyalg", "EC", "-groupname", "secp256r1");
    genkeypair("stranger", "CN=stranger", "-keyalg", "RSA", "-keysize", "2048");
    for (String alias : List.of("server", "client-ca", "stranger")) {
      keytool("-exportcert", "-rfc", "-alias", alias, "-file", alias + ".pem");
    }
    for (String alias : List.of("client-rsa", "client-ec")) {
      keytool("-certreq", "-alias", alias, "-file", alias + ".csr");
      keytool("-gencert", "-rfc", "-alias", "client-ca", "-infile", alias + ".csr",
          "-outfile", alias + ".pem", "-ext", "eku=clientAuth", "-validity", "2");
    }
    store = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keys.resolve("store.p12"))) {
      store.load(in, PASSWORD.toCharArray());
    }
  }

  // --- the key forms, over mutual TLS

  @Test
  void aPkcs8RsaKeyCompletesMutualTls() throws Exception {
    assertMutualTls(clientFiles("client-rsa", pkcs8("client-rsa")), "CN=client-rsa");
  }

  @Test
  void aPkcs1RsaKeyCompletesMutualTls() throws Exception {
    assertMutualTls(clientFiles("client-rsa", pkcs1("client-rsa")), "CN=client-rsa");
  }

  @Test
  void aPkcs8EcKeyCompletesMutualTls() throws Exception {
    assertMutualTls(clientFiles("client-ec", pkcs8("client-ec")), "CN=client-ec");
  }

  @Test
  void aSec1EcKeyCompletesMutualTls() throws Exception {
    assertMutualTls(clientFiles("client-ec", sec1("client-ec", true)), "CN=client-ec");
  }

  @Test
  void theHandshakeFailsWhenCaPemDoesNotHoldTheDaemonsCertificate() throws Exception {
    Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
    Files.writeString(files.resolve("ca.pem"), cert("stranger") + cert("client-ca"));
    SSLContext context = TlsFiles.context(files);

    try (Server server = new Server()) {
      assertThatThrownBy(() -> exchange(context, server.port(), "ping"))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void theDaemonRefusesAClientCertificateItDoesNotTrust() throws Exception {
    Path files = clientFiles("stranger", pkcs8("stranger"));
    SSLContext context = TlsFiles.context(files);

    try (Server server = new Server()) {
      // Under TLS 1.3 the client may finish its side of the handshake before the server
      // judges its certificate, so the refusal can surface on the first read instead.
      assertThatThrownBy(() -> exchange(context, server.port(), "ping"))
          .isInstanceOf(IOException.class);
      assertThat(server.peer)
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(ExecutionException.class)
          .havingRootCause()
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  // --- errors name the file

  @Nested
  class Errors {

    @Test
    void aMissingKeyPemIsNamed() throws Exception {
      Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
      Files.delete(files.resolve("key.pem"));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessage(files.resolve("key.pem") + ": not readable: no such file");
    }

    @Test
    void aKeyPemHoldingOnlyACertificateHasNoPrivateKey() throws Exception {
      Path files = clientFiles("client-rsa", cert("client-rsa"));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": no private key");
    }

    @Test
    void anEncryptedPkcs8KeyIsRefusedAsEncrypted() throws Exception {
      Path files = clientFiles("client-rsa", encryptedPkcs8("client-rsa"));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": ")
          .hasMessageContaining("encrypted keys are not supported");
    }

    @Test
    void aKeyWithAProcTypeEncryptedHeaderIsRefusedAsEncrypted() throws Exception {
      // The body is not really encrypted: the header alone must stop the loader.
      String legacy = pkcs1("client-rsa").replaceFirst("-----\n",
          "-----\nProc-Type: 4,ENCRYPTED\n"
              + "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
      Path files = clientFiles("client-rsa", legacy);

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": ")
          .hasMessageContaining("encrypted keys are not supported");
    }

    @Test
    void garbageBase64InKeyPemIsNamed() throws Exception {
      Path files = clientFiles("client-rsa",
          "-----BEGIN PRIVATE KEY-----\nnot*base64!\n-----END PRIVATE KEY-----\n");

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": not valid base64");
    }

    @Test
    void garbageBase64InCaPemIsNamed() throws Exception {
      Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
      Files.writeString(files.resolve("ca.pem"),
          "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n");

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("ca.pem") + ": not valid base64");
    }

    @Test
    void aCaPemWithoutCertificatesIsNamed() throws Exception {
      Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
      Files.writeString(files.resolve("ca.pem"), BAG_ATTRIBUTES);

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessage(files.resolve("ca.pem") + ": no certificate (expected BEGIN CERTIFICATE)");
    }

    @Test
    void aBlockWithoutItsEndLineIsNamed() throws Exception {
      Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
      String cert = cert("client-rsa");
      Files.writeString(files.resolve("cert.pem"), cert.substring(0, cert.indexOf("-----END")));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessage(files.resolve("cert.pem") + ": BEGIN CERTIFICATE without its END line");
    }

    @Test
    void anEcKeyThatDoesNotNameItsCurveIsRefused() throws Exception {
      Path files = clientFiles("client-ec", sec1("client-ec", false));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": not a valid EC PRIVATE KEY")
          .hasMessageContaining("curve");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
      Path files = clientFiles("client-rsa", pkcs1("stranger"));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessage(files.resolve("key.pem")
              + ": the key does not match the first certificate in " + files.resolve("cert.pem"));
    }

    @Test
    void anEcKeyForAnRsaCertificateIsRefused() throws Exception {
      Path files = clientFiles("client-rsa", sec1("client-ec", true));

      assertThatThrownBy(() -> TlsFiles.context(files))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(files.resolve("key.pem") + ": the key does not match");
    }
  }

  // --- the Docker client over TLS

  @Test
  void theDockerClientSpeaksHttpOverMutualTls() throws Exception {
    Path files = clientFiles("client-rsa", pkcs1("client-rsa"));
    try (Server server = new Server("server", true)) {
      String host = "tcp://127.0.0.1:" + server.port();
      try (DockerApi api = DockerApi.create(host, Map.of("DOCKER_TLS_VERIFY", "1",
          "DOCKER_CERT_PATH", files.toString()), Duration.ofSeconds(10))) {
        api.ping();
      }
      assertThat(server.peer).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("CN=client-rsa");
      assertThat(server.request).isEqualTo("GET /_ping HTTP/1.1");
    }
  }

  /** As the docker CLI does: a daemon whose certificate is trusted but names another host is refused. */
  @Test
  void theDockerClientRefusesADaemonWhoseCertificateNamesAnotherHost() throws Exception {
    Path files = clientFiles("client-rsa", pkcs8("client-rsa"));
    try (Server server = new Server("stranger", true)) {
      String host = "tcp://127.0.0.1:" + server.port();
      try (DockerApi api = DockerApi.create(host, Map.of("DOCKER_TLS_VERIFY", "1",
          "DOCKER_CERT_PATH", files.toString()), Duration.ofSeconds(10))) {
        assertThatThrownBy(api::ping)
            .isInstanceOf(DockerException.class)
            .hasMessageStartingWith(host + ": ")
            .hasRootCauseInstanceOf(java.security.cert.CertificateException.class);
      }
    }
  }

  // --- the exchange

  private static void assertMutualTls(Path files, String clientName) throws Exception {
    SSLContext context = TlsFiles.context(files);
    try (Server server = new Server()) {
      assertThat(exchange(context, server.port(), "ping")).isEqualTo("ping from " + clientName);
      assertThat(server.peer).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(clientName);
    }
  }

  /** Sends a line and returns the answer. */
  private static String exchange(SSLContext context, int port, String line) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(InetAddress.getByName("127.0.0.1"), port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
      out.write(line + "\n");
      out.flush();
      return new BufferedReader(
          new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
  }

  /**
   * The daemon's side, for one connection: presents "server", requires a client certificate
   * signed by "client-ca", answers a line with the client's name, which {@link #peer} holds.
   */
  private static final class Server implements AutoCloseable {

    final SSLServerSocket socket;
    final CompletableFuture<String> peer;
    private final boolean http;
    volatile String request;

    Server() throws Exception {
      this("server", false);
    }

    /**
     * @param alias whose certificate the server presents
     * @param http whether to read an HTTP request and answer {@code 200 OK} instead of a line
     */
    Server(String alias, boolean http) throws Exception {
      this.http = http;
      KeyStore own = emptyStore();
      own.setKeyEntry(alias, key(alias), PASSWORD.toCharArray(),
          store.getCertificateChain(alias));
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("SunX509");
      keyManagers.init(own, PASSWORD.toCharArray());
      KeyStore trusted = emptyStore();
      trusted.setCertificateEntry("client-ca", store.getCertificate("client-ca"));
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);

      socket = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
      socket.setNeedClientAuth(true);
      socket.setSoTimeout(10_000);
      peer = CompletableFuture.supplyAsync(this::answerOne,
          task -> new Thread(task, "tls-files-test-server").start());
    }

    int port() {
      return socket.getLocalPort();
    }

    private String answerOne() {
      try (SSLSocket client = (SSLSocket) socket.accept()) {
        client.setSoTimeout(10_000);
        client.startHandshake();
        BufferedReader in = new BufferedReader(
            new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        String name = ((X509Certificate) client.getSession().getPeerCertificates()[0])
            .getSubjectX500Principal().getName();
        Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
        if (http) {
          request = line;
          for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
            // The request's headers.
          }
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK");
        } else {
          out.write(line + " from " + name + "\n");
        }
        out.flush();
        return name;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      // The server thread ends with the socket; wait so no test leaks it into the next.
      peer.exceptionally(e -> null).get(10, TimeUnit.SECONDS);
    }
  }

  private static KeyStore emptyStore() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }

  // --- the client's files

  /**
   * A DOCKER_CERT_PATH directory: ca.pem holds "stranger" then "server", so the loader must
   * read past the first certificate; cert.pem holds the alias's chain; key.pem the given text.
   */
  private Path clientFiles(String alias, String keyPem) throws Exception {
    Files.writeString(dir.resolve("ca.pem"), cert("stranger") + cert("server"));
    String chain = BAG_ATTRIBUTES + cert(alias);
    if (alias.startsWith("client-")) {
      chain += BAG_ATTRIBUTES + cert("client-ca");
    }
    Files.writeString(dir.resolve("cert.pem"), chain);
    Files.writeString(dir.resolve("key.pem"),
        BAG_ATTRIBUTES + "Key Attributes: <No Attributes>\n" + keyPem + "trailing words\n");
    return dir;
  }

  /** The certificate of an alias as keytool wrote it (-exportcert -rfc or -gencert -rfc). */
  private static String cert(String alias) throws IOException {
    String pem = Files.readString(keys.resolve(alias + ".pem"));
    return pem.endsWith("\n") ? pem : pem + "\n";
  }

  private static PrivateKey key(String alias) throws Exception {
    return (PrivateKey) store.getKey(alias, PASSWORD.toCharArray());
  }

  private static String pkcs8(String alias) throws Exception {
    return pem("PRIVATE KEY", key(alias).getEncoded());
  }

  /** The RSAPrivateKey inside the PKCS#8 PrivateKeyInfo's OCTET STRING. */
  private static String pkcs1(String alias) throws Exception {
    List<byte[]> info = children(key(alias).getEncoded());
    return pem("RSA PRIVATE KEY", contents(info.get(2)));
  }

  /**
   * The ECPrivateKey inside the PKCS#8 PrivateKeyInfo's OCTET STRING, given the curve in its
   * [0] parameters (when {@code namedCurve}) and the public key in [1], as openssl writes it.
   */
  private static String sec1(String alias, boolean namedCurve) throws Exception {
    List<byte[]> info = children(key(alias).getEncoded());
    byte[] curve = children(info.get(1)).get(1);
    List<byte[]> fields = children(contents(info.get(2)));
    byte[] publicKey = children(store.getCertificate(alias).getPublicKey().getEncoded()).get(1);
    List<byte[]> sec1 = new ArrayList<>(List.of(fields.get(0), fields.get(1)));
    if (namedCurve) {
      sec1.add(tlv(0xa0, curve));
    }
    sec1.add(tlv(0xa1, publicKey));
    return pem("EC PRIVATE KEY", tlv(0x30, sec1.toArray(new byte[0][])));
  }

  /** The key as PKCS#8 EncryptedPrivateKeyInfo, really encrypted. */
  private static String encryptedPkcs8(String alias) throws Exception {
    // JDK 17 cannot encode PBES2 parameters in an EncryptedPrivateKeyInfo; PKCS#12 PBE it can.
    String algorithm = "PBEWithSHA1AndDESede";
    Cipher cipher = Cipher.getInstance(algorithm);
    cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm)
            .generateSecret(new PBEKeySpec("secret".toCharArray())),
        new PBEParameterSpec(new byte[8], 1000));
    byte[] encrypted = cipher.doFinal(key(alias).getEncoded());
    return pem("ENCRYPTED PRIVATE KEY",
        new EncryptedPrivateKeyInfo(cipher.getParameters(), encrypted).getEncoded());
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  // --- a little DER of the test's own, so the test does not lean on the code it checks

  /** The whole elements inside a constructed element. */
  private static List<byte[]> children(byte[] element) {
    byte[] contents = contents(element);
    List<byte[]> children = new ArrayList<>();
    for (int pos = 0; pos < contents.length; ) {
      int[] bounds = bounds(contents, pos);
      children.add(Arrays.copyOfRange(contents, pos, bounds[1]));
      pos = bounds[1];
    }
    return children;
  }

  private static byte[] contents(byte[] element) {
    int[] bounds = bounds(element, 0);
    return Arrays.copyOfRange(element, bounds[0], bounds[1]);
  }

  /** Where the contents of the element at {@code pos} start and end. */
  private static int[] bounds(byte[] der, int pos) {
    int length = der[pos + 1] & 0xff;
    int start = pos + 2;
    if (length > 0x80) {
      int count = length & 0x7f;
      length = 0;
      for (int i = 0; i < count; i++) {
        length = (length << 8) | (der[start++] & 0xff);
      }
    }
    return new int[] {start, start + length};
  }

  private static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream contents = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      contents.writeBytes(part);
    }
    int length = contents.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length);
    }
    out.writeBytes(contents.toByteArray());
    return out.toByteArray();
  }

  // --- keytool

  private static void genkeypair(String alias, String name, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-dname", name,
        "-validity", "2"));
    args.addAll(List.of(options));
    keytool(args.toArray(new String[0]));
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-keystore", "store.p12", "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-noprompt"));
    Process process = new ProcessBuilder(command)
        .directory(keys.toFile())
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("keytool " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
