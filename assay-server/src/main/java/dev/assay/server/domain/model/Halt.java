package dev.assay.server.domain.model;

/**
 * Why and by whom a running experiment was halted (for example by the guardrail monitor); a
 * stopped experiment with a halt serves control's value to every unit it targets.
 *
 * @param at when it was halted (ISO-8601 instant)
 */
public record Halt(String reason, String by, String at) {}
