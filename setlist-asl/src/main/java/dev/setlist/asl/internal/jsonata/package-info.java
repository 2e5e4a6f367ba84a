/**
 * JSONata for the States language, on the dashjoin jsonata-java library.
 *
 * <p>Known differences from Step Functions (JSONata 2.0.6 in JavaScript):
 * <ul>
 *   <li>{@code $random(seed)} is repeatable for a seed, but the numbers differ from AWS's.</li>
 *   <li>{@code $now()} and {@code $millis()} answer the state's entered time from the context
 *       object (else the execution's start time) instead of the time of evaluation; with
 *       neither in the context they fail.</li>
 *   <li>Arithmetic that overflows ({@code [1/0]}) fails with States.QueryEvaluationError, where
 *       AWS writes the string "Infinity"; a non-finite number a function answers is written
 *       as such a string, as on AWS.</li>
 *   <li>{@code $count(null)} answers 0 (the library's answer); AWS answers 1.</li>
 *   <li>Evaluation is bounded in depth (100, as on AWS) but not in time or memory, except
 *       {@code $range}, which refuses more than 360,145 elements.</li>
 *   <li>A result holding a function or regex fails as an unsupported result type at any depth.</li>
 * </ul>
 */
package dev.setlist.asl.internal.jsonata;
