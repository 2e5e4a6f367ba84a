/**
 * The proving ground ({@code setlist prove}): Relecloud as a child process under mixed traffic
 * over its six flows, with faults on a schedule, judged against the flows' targets and the
 * invariants that must hold whatever happens. {@link dev.setlist.relecloud.prove.ProveRun} is the
 * entry point.
 */
package dev.setlist.relecloud.prove;
