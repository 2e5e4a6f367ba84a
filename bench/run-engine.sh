#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.engine.EngineReport: executions/s of a
# 5-Task machine for Setlist Standard, a raw JDBC baseline writing the same rows, Flowable (async
# and synchronous) and Setlist Express, on H2 and PostgreSQL, with the ratios.
# Usage: bench/run-engine.sh            (from anywhere; about 5-6 minutes with the defaults)
#        BENCH_OPTS="-Dbench.seconds=10 -Dbench.warmup=3 -Dbench.repeat=3" bench/run-engine.sh
#        BENCH_OPTS="-Dbench.databases=h2 -Dbench.concurrency=1,8" bench/run-engine.sh
# PostgreSQL: -Dbench.pg.url=jdbc:postgresql://127.0.0.1:5432/ -Dbench.pg.user=postgres (the defaults);
# the run drops and creates the databases setlist_bench_engine, _raw and _flowable there.
source "$(dirname "${BASH_SOURCE[0]}")/report.sh"
run_report dev.setlist.bench.engine.EngineReport -Xms1g -Xmx4g -- "$@"
