package dev.assay.server.domain.model;

/**
 * The kill switch's record on a flag or experiment: while present, the flag serves its default
 * value (an experiment its control's value) to everyone.
 *
 * @param at when it was killed (ISO-8601 instant)
 */
public record Kill(String at, String by, String reason) {}
