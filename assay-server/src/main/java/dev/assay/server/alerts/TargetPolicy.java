package dev.assay.server.alerts;

import dev.assay.server.domain.DomainException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs a channel may send to (server-side request forgery): http or https with a host and
 * no user info, whose every resolved address is public — not loopback, link-local (which holds
 * the cloud metadata address 169.254.169.254), site-local/private (10/8, 172.16/12, 192.168/16,
 * IPv6 fc00::/7), carrier-grade NAT (100.64/10), multicast or the wildcard address. An operator
 * may allow private targets ({@code --alerts-allow-private-targets}); the metadata addresses stay
 * refused even then, as nothing legitimate receives webhooks there. Checked when a channel is
 * created and again before every delivery (DNS may have changed). Thread-safe.
 */
final class TargetPolicy {
  private final boolean allowPrivate;

  TargetPolicy(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  /** The URL if it is a well-formed http(s) URL with a host; else a 400 naming {@code field}. */
  static URI parse(String field, String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw DomainException.invalid(field, "is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw DomainException.invalid(field, "must be an http or https URL, was '" + url + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw DomainException.invalid(field, "must have a host, was '" + url + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw DomainException.invalid(field, "must not carry user info (put credentials in the path or use the secret)");
    }
    return uri;
  }

  /** Throws a 400 naming {@code field} when the URL's host is refused or does not resolve. */
  void check(String field, URI uri) {
    refusal(uri).ifPresent(reason -> {
      throw DomainException.invalid(field, reason);
    });
  }

  /** Why a delivery to this URL is refused now, or empty when it may go ahead. */
  Optional<String> refusal(URI uri) {
    String host = uri.getHost();
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return Optional.of("host '" + host + "' does not resolve");
    }
    for (InetAddress a : addresses) {
      Optional<String> why = refused(a);
      if (why.isPresent()) {
        return Optional.of("host '" + host + "' resolves to " + a.getHostAddress() + ", " + why.get()
            + (isMetadata(a) ? "" : "; an operator can allow private targets with --alerts-allow-private-targets"));
      }
    }
    return Optional.empty();
  }

  private Optional<String> refused(InetAddress a) {
    if (isMetadata(a)) {
      return Optional.of("a cloud metadata address, never a webhook target");
    }
    if (allowPrivate) {
      return Optional.empty();
    }
    if (a.isLoopbackAddress()) {
      return Optional.of("a loopback address");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("a link-local address");
    }
    if (a.isAnyLocalAddress()) {
      return Optional.of("the wildcard address");
    }
    if (a.isMulticastAddress()) {
      return Optional.of("a multicast address");
    }
    if (a.isSiteLocalAddress() || uniqueLocal(a) || carrierNat(a)) {
      return Optional.of("a private address");
    }
    return Optional.empty();
  }

  private static boolean isMetadata(InetAddress a) {
    String ip = a.getHostAddress();
    return ip.equals("169.254.169.254") || ip.equals("169.254.170.2") || ip.startsWith("fd00:ec2:0:0:0:0:0:254");
  }

  private static boolean uniqueLocal(InetAddress a) {
    return a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
  }

  private static boolean carrierNat(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
  }
}
