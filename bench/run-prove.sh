#!/usr/bin/env bash
# The proving ground: runs `./setlist prove` (Relecloud as a child process under mixed traffic over its
# six flows with scheduled faults; invariants and a report against the flows' targets, written to
# bench/results/prove-<date>-<database>.md). Exits 1 when an invariant fails.
# Usage: bench/run-prove.sh                                   (3 minutes on the embedded H2 database)
#        bench/run-prove.sh --minutes 1 --database postgres   (PostgreSQL on 127.0.0.1:5432, user postgres)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
exec ./setlist prove --output "$root/bench/results" "$@"
