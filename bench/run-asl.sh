#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.AslReport: interpreter vs hand-written Java
# executions/s for the reference machines, and validations/s of a 50-state definition.
# Usage: bench/run-asl.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=10 -Dbench.warmup=5" bench/run-asl.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.AslReport -- "$@"
