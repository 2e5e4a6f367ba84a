/** Benchmarks: JMH micro-benchmarks and load harnesses, each printing a ratio against a baseline. */
package dev.setlist.bench;
