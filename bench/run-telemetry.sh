#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.server.TelemetryReport: GET /healthz of two
# servers in one process, telemetry off and on, loaded in alternating order (off-on, on-off, …) for
# a number of rounds after an uncounted warm-up round. Prints every round, the medians, and the
# median on ÷ off ratio with its interquartile range of requests/s and of the process's CPU time per
# request; the overhead of telemetry is 1 − median(on ÷ off requests/s), goal <= 10%.
# The load comes from wrk (Debian's package `wrk`) when it is on the PATH, else from
# java.net.http.HttpClient in the same process (then CPU per request includes the client's).
# Usage: bench/run-telemetry.sh            (from anywhere; about 2 × (jitWarmup + rounds × (warmup + measure)) s)
#        BENCH_OPTS="-Dbench.rounds=20 -Dbench.jitWarmup=60 -Dbench.measure=5 -Dbench.warmup=2 -Dbench.connections=32" bench/run-telemetry.sh
#        BENCH_OPTS="-Dbench.client=jdk" bench/run-telemetry.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.server.TelemetryReport -- "$@"
