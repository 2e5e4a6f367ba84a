#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.server.ServerReport: hello-world,
# StartSyncExecution (EXPRESS) and StartExecution (STANDARD) over HTTP at 64 connections, signed.
# Usage: bench/run-server.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=20 -Dbench.connections=64" bench/run-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.server.ServerReport -- "$@"
