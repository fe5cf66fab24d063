package io.github.microc.exporter.core.web;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Checks a client's certificate as exporter-toolkit does: against the client CAs when the
 * client_auth_type verifies, and, when {@code client_allowed_sans} is set, for one of those
 * names among the leaf's subject alternative names. Either failure fails the handshake. The
 * server never checks servers, so those methods refuse.
 */
final class ClientTrust extends X509ExtendedTrustManager {

  private final X509TrustManager verifier;
  private final List<String> allowedSans;

  /** @param verifier null when any certificate is taken (RequestClientCert, RequireAnyClientCert) */
  ClientTrust(X509TrustManager verifier, List<String> allowedSans) {
    this.verifier = verifier;
    this.allowedSans = allowedSans;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    if (verifier instanceof X509ExtendedTrustManager extended) {
      extended.checkClientTrusted(chain, authType, engine);
    } else if (verifier != null) {
      verifier.checkClientTrusted(chain, authType);
    }
    checkSans(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    if (verifier instanceof X509ExtendedTrustManager extended) {
      extended.checkClientTrusted(chain, authType, socket);
    } else if (verifier != null) {
      verifier.checkClientTrusted(chain, authType);
    }
    checkSans(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (verifier != null) {
      verifier.checkClientTrusted(chain, authType);
    }
    checkSans(chain);
  }

  private void checkSans(X509Certificate[] chain) throws CertificateException {
    if (allowedSans.isEmpty() || chain == null || chain.length == 0) {
      return;
    }
    List<String> found = sans(chain[0]);
    for (String name : found) {
      if (allowedSans.contains(name)) {
        return;
      }
    }
    throw new CertificateException("could not find allowed SANs in client cert, found: " + found);
  }

  /** DNS names, e-mail addresses, IP addresses and URIs, as Go lists them. */
  static List<String> sans(X509Certificate certificate) throws CertificateParsingException {
    List<String> names = new ArrayList<>();
    Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
    if (alternatives == null) {
      return names;
    }
    for (List<?> entry : alternatives) {
      int type = (Integer) entry.get(0);
      // 1 rfc822Name, 2 dNSName, 6 URI, 7 iPAddress
      if (type == 1 || type == 2 || type == 6 || type == 7) {
        names.add(String.valueOf(entry.get(1)));
      }
    }
    return names;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a server certificate is not checked here");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a server certificate is not checked here");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a server certificate is not checked here");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return verifier == null ? new X509Certificate[0] : verifier.getAcceptedIssuers();
  }
}
