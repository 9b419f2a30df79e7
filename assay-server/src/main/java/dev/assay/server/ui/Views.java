package dev.assay.server.ui;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;

/**
 * Renders the templates of {@code src/main/jte}, compiled to Java classes at build time by the
 * jte Maven plugin (package {@code dev.assay.server.ui.jte}): no template compiler runs in the
 * server, a template that does not type-check fails the build, and output is HTML-escaped by
 * context. Each template takes one parameter, its view record. Thread-safe.
 */
final class Views {
  private final TemplateEngine engine =
      TemplateEngine.createPrecompiled(null, ContentType.Html, Views.class.getClassLoader(), "dev.assay.server.ui.jte");

  String render(String template, Object view) {
    StringOutput out = new StringOutput(8192);
    engine.render(template, view, out);
    return out.toString();
  }
}
