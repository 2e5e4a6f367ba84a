#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.events.EventsReport: PutEvents over HTTP at
# 64 connections with 100 rules loaded, the end-to-end latency to the target, and event-ruler's
# raw matching rate on the same events.
# Usage: bench/run-events.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=20 -Dbench.connections=64" bench/run-events.sh
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.events.EventsReport -- "$@"
