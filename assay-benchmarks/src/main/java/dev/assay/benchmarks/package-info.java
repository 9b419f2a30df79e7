/** JMH benchmarks of Assay's hot paths. */
package dev.assay.benchmarks;
