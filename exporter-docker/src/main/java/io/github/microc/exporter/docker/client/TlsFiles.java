package io.github.microc.exporter.docker.client;

import io.github.microc.exporter.core.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A TLS context from the Docker CLI's client files, the {@code DOCKER_CERT_PATH} layout:
 * {@code ca.pem} (the certificates that may sign the daemon's), {@code cert.pem} (the client's
 * certificate chain) and {@code key.pem} (its private key), read by {@link PemFiles}.
 */
final class TlsFiles {

  private TlsFiles() {}

  /**
   * A TLS context that presents {@code cert.pem} and {@code key.pem} from {@code dir} and trusts
   * only the certificates in {@code ca.pem}.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static SSLContext context(Path dir) throws IOException {
    return PemFiles.context(dir.resolve("ca.pem"), dir.resolve("cert.pem"), dir.resolve("key.pem"));
  }
}
