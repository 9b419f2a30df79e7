package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.Comments;
import dev.assay.server.store.CommentStore.Comment;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /flags/{key}/comments} and {@code /experiments/{key}/comments}: list (oldest first) and
 * add. Every comment is an audit entry too ({@link Comments}).
 */
final class CommentsApi implements Resource {
  private final Comments comments;

  CommentsApi(Comments comments) {
    this.comments = comments;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    for (Kind kind : List.of(Kind.FLAG, Kind.EXPERIMENT)) {
      String noun = kind == Kind.FLAG ? "flag" : "experiment";
      String path = "/" + noun + "s/{key}/comments";
      out.add(Endpoint.get(path, Permission.READ, "List the comments on the " + noun + ", oldest first", c -> {
        ObjectNode res = JsonNodeFactory.instance.objectNode();
        ArrayNode items = res.putArray("items");
        comments.list(kind, c.project(), c.path("key")).forEach(k -> items.add(view(k)));
        return Reply.ok(res);
      }).withQuery("project"));
      out.add(Endpoint.post(path, Permission.COMMENT, "Add a comment to the " + noun
              + " (body: {\"text\": \"...\"}, 1 to " + Comments.MAX_LENGTH + " characters; audited)",
          c -> Reply.created(view(comments.add(kind, c.project(), c.path("key"), text(c.json()), c.actor()))))
          .withRequestSchema(OpenApi.schema("""
              {"type":"object","additionalProperties":false,"required":["text"],
               "properties":{"text":{"type":"string","minLength":1,"maxLength":%d}}}""".formatted(Comments.MAX_LENGTH)))
          .withQuery("project"));
    }
    return out;
  }

  static ObjectNode view(Comment c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", c.id());
    o.put("author", c.author());
    o.put("at", c.at().toString());
    o.put("text", c.text());
    return o;
  }

  /**
   * The text of a comment request body {@code {"text": "..."}}: a JSON object with that one
   * field, a non-blank string of at most {@value #MAX_LENGTH} characters. Every failure names the
   * field.
   */
  private static String text(com.fasterxml.jackson.databind.JsonNode body) {
    if (body == null || !body.isObject()) {
      throw dev.assay.server.domain.DomainException.invalid("body", "must be a JSON object {\"text\": \"...\"}");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!f.equals("text")) {
        throw dev.assay.server.domain.DomainException.invalid(f, "unknown field; known fields are [text]");
      }
    });
    com.fasterxml.jackson.databind.JsonNode text = body.get("text");
    if (text == null || text.isNull()) {
      throw dev.assay.server.domain.DomainException.invalid("text", "is required");
    }
    if (!text.isTextual()) {
      throw dev.assay.server.domain.DomainException.invalid("text", "must be a string");
    }
    return text.asText();
  }

}
