#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.server.GuardReport: a cached read route vs a
# hello-world route of the same server (requests/s and p99 at 64 connections, goal ratio >= 0.6),
# then the overload curve (goodput and p99 per criticality at 1x, 2x and 3x offered load).
# Usage: bench/run-guard.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=15 -Dbench.rounds=3 -Dbench.limit=30" bench/run-guard.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.server.GuardReport -- "$@"
