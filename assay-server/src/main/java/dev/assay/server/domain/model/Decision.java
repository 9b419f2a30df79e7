package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.TEXT_MAX;

import dev.assay.server.domain.DomainException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How an experiment ended. A "ship" decision serves the chosen variant to the experiment's
 * audience (its targeting condition) by default, so units outside the audience keep what they
 * had; {@code audience: "everyone"} ships it to every unit the flag rule reaches.
 *
 * @param variant the shipped variant; present exactly for a ship decision
 * @param audience who gets the shipped variant; present exactly for a ship decision
 */
public record Decision(Outcome outcome, Optional<String> variant, String writeUp, Optional<Audience> audience) {
  public Decision(@Nullable Outcome outcome, @Nullable Optional<String> variant, @Nullable String writeUp,
      @Nullable Optional<Audience> audience) {
    this.outcome = Check.required("outcome", outcome);
    this.writeUp = Check.text("writeUp", writeUp, TEXT_MAX);
    Optional<String> v = Check.optional(variant);
    Optional<Audience> a = Check.optional(audience);
    if (this.outcome == Outcome.SHIP) {
      Check.key("variant", v.orElse(null));
      a = Optional.of(a.orElse(Audience.EXPERIMENT));
    } else if (v.isPresent()) {
      throw DomainException.invalid("variant", "only a 'ship' decision names a variant");
    } else if (a.isPresent()) {
      throw DomainException.invalid("audience", "only a 'ship' decision has an audience");
    }
    this.variant = v;
    this.audience = a;
  }
}
