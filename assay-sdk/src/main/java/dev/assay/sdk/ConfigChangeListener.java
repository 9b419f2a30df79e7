package dev.assay.sdk;

import java.util.Set;

/**
 * Told after an {@link AssayClient} swapped in a new configuration. Called on the client's sync
 * thread; an exception thrown here is caught and ignored.
 */
@FunctionalInterface
public interface ConfigChangeListener {

  /**
   * @param changedFeatures keys of the features that were added, removed or changed (all keys
   *     when the payload is encrypted and cannot be compared feature by feature)
   */
  void onChange(Set<String> changedFeatures);
}
