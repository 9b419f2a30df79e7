/**
 * Tracing and structured logs (ADR 0041): {@link dev.assay.server.telemetry.Telemetry} is the
 * server's OpenTelemetry (the SDK exporting over OTLP when configured, else the no-op API), and
 * {@link dev.assay.server.telemetry.JsonLogFormatter} writes java.util.logging records as one JSON
 * object per line with the current trace and span ids. This package imports no other server
 * package; every other package may use it.
 */
package dev.assay.server.telemetry;
