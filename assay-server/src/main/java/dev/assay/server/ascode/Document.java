package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One document of a file: where it is, its kind, and its body as written (snake_case).
 *
 * @param index the document's position in its file, from 1
 * @param many whether its file holds more than one document (messages then name the document)
 * @param kind the document's kind ({@code kind}, or inferred: a document with variants is an experiment)
 */
record Document(String file, int index, boolean many, DocKind kind, ObjectNode body) {
  /** The prefix of a problem's field: {@code file:} for a one-document file, else {@code file#N:}. */
  String where() {
    return many ? file + "#" + index + ":" : file + ":";
  }
}
