package dev.assay.server.analysis;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of the Assay build running: the jar manifest's {@code Implementation-Version} when
 * there is one, else the {@code assay-build.properties} Maven wrote at build time (also present
 * when running from the classes directory), else "unknown".
 */
public final class AssayBuild {
  private static final String VERSION = read();

  private AssayBuild() {}

  /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    return VERSION;
  }

  private static String read() {
    String manifest = AssayBuild.class.getPackage().getImplementationVersion();
    if (manifest != null && !manifest.isBlank()) {
      return manifest;
    }
    try (InputStream in = AssayBuild.class.getResourceAsStream("/dev/assay/server/assay-build.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (IOException e) {
      // unreadable: unknown
    }
    return "unknown";
  }
}
