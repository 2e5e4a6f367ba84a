#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.server.TelemetryReport: GET /healthz with
# telemetry off and on, in alternation in one process, and the overhead of telemetry (goal <= 10%).
# Usage: bench/run-telemetry.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=15 -Dbench.rounds=3" bench/run-telemetry.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.server.TelemetryReport -- "$@"
