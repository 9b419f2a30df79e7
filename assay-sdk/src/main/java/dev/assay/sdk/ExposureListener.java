package dev.assay.sdk;

/**
 * Told when a unit is exposed to an experiment (assigned a variation while in the experiment), so
 * the host can log the exposure. Called on the evaluating thread: keep it fast and non-blocking
 * (enqueue, don't send). De-duplicated per experiment, variation and unit by the client. An
 * exception thrown here is caught and ignored; it never reaches the evaluating code.
 */
@FunctionalInterface
public interface ExposureListener {

  ExposureListener NONE = (experiment, result) -> {};

  void onExposure(Experiment experiment, ExperimentResult result);
}
