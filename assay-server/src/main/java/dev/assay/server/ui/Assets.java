package dev.assay.server.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The browser assets the UI serves itself, never from a CDN: HTMX and uPlot from their webjars
 * (Maven Central), and our own CSS and JS. Each is read once at start and served at
 * {@code /ui/assets/<name>-<12 hex of its SHA-256>.<ext>}, so a URL never changes meaning and may be
 * cached for a year ({@code immutable}); a new build with changed bytes gets a new URL. The
 * listener gzips responses when the browser asks. Immutable after construction; thread-safe.
 */
final class Assets {
  /** URL prefix of every asset. */
  static final String PREFIX = "/ui/assets/";

  /** One asset: its logical name ({@code htmx.min.js}), hashed URL, media type and bytes. */
  record Asset(String name, String url, String contentType, byte[] bytes) {}

  private final Map<String, Asset> byName = new LinkedHashMap<>();
  private final Map<String, Asset> byUrl = new LinkedHashMap<>();

  private Assets() {}

  /** Loads the webjars' files and our own from the class path; fails at start when one is missing. */
  static Assets load() {
    Assets a = new Assets();
    a.add("htmx.min.js", webjar("htmx.org", "dist/htmx.min.js"));
    a.add("uPlot.iife.min.js", webjar("uplot", "dist/uPlot.iife.min.js"));
    a.add("uPlot.min.css", webjar("uplot", "dist/uPlot.min.css"));
    a.add("app.css", "dev/assay/server/ui/static/app.css");
    a.add("app.js", "dev/assay/server/ui/static/app.js");
    a.add("results.js", "dev/assay/server/ui/static/results.js");
    a.add("designs.js", "dev/assay/server/ui/static/designs.js");
    return a;
  }

  /** The hashed URL of an asset by its logical name. */
  String url(String name) {
    Asset asset = byName.get(name);
    if (asset == null) {
      throw new IllegalArgumentException("no asset named '" + name + "'; known: " + byName.keySet());
    }
    return asset.url();
  }

  Optional<Asset> byUrl(String path) {
    return Optional.ofNullable(byUrl.get(path));
  }

  private void add(String name, String resource) {
    byte[] bytes = read(resource);
    int dot = name.lastIndexOf('.');
    String url = PREFIX + name.substring(0, dot) + "-" + sha256(bytes).substring(0, 12) + name.substring(dot);
    String type = name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    Asset asset = new Asset(name, url, type, bytes);
    byName.put(name, asset);
    byUrl.put(url, asset);
  }

  /* The resource path of a file of an npm webjar, at the version the build put on the class path. */
  private static String webjar(String artifact, String file) {
    String props = "META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties";
    Properties p = new Properties();
    try (InputStream in = resource(props)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + props, e);
    }
    return "META-INF/resources/webjars/" + artifact + "/" + p.getProperty("version") + "/" + file;
  }

  private static byte[] read(String resource) {
    try (InputStream in = resource(resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = Assets.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("UI asset " + name + " is not on the class path (a webjar missing from the build?)");
    }
    return in;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
