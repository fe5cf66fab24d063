package io.github.microc.exporter.docker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DockerClientsTest {

  @Test
  void theContextForASocketRefusesAnyUseByName() throws Exception {
    var context = DockerClients.NoTls.CONFIG.getSSLContext();

    assertThatThrownBy(context::getSocketFactory).hasMessage("TLS over a Unix socket");
    assertThatThrownBy(context::createSSLEngine).hasMessage("TLS over a Unix socket");
  }

  /**
   * Which classes a JVM loads cannot be undone, so each client is made in a JVM of its own,
   * which lists its class loading: over a socket no TLS class is loaded; over TCP, where TLS
   * may apply, the transport loads the JDK's default context (the control, which shows the
   * test can tell).
   */
  @Test
  void aClientForASocketLoadsNoTlsClassesWhereOneForTcpDoes() throws Exception {
    assertThat(loadsTls("unix:///nonexistent/docker.sock")).isFalse();
    assertThat(loadsTls("tcp://127.0.0.1:1")).isTrue();
  }

  private static boolean loadsTls(String host) throws Exception {
    Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:class+load=info:stdout:none", "-cp", System.getProperty("java.class.path"),
        Ping.class.getName(), host)
        .redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(java.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("the forked JVM's output").contains("pinged " + host);
    return out.contains("sun.security.ssl.SSLContextImpl ");
  }

  /** Makes a client for the host in {@code args[0]} and pings, which fails: nothing listens. */
  static final class Ping {
    public static void main(String[] args) throws Exception {
      try (DockerClient client = DockerClients.create(args[0], Duration.ofSeconds(2))) {
        client.pingCmd().exec();
      } catch (RuntimeException expected) {
        // Nothing listens there.
      }
      System.out.println("pinged " + args[0]);
    }
  }
}
