#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.engine.EngineReport: executions/s of a
# 5-Task machine for Setlist Standard, a raw JDBC baseline writing the same rows, Flowable (async
# and synchronous) and Setlist Express, on H2 and PostgreSQL, with the ratios.
# Usage: bench/run-engine.sh            (from anywhere; about 5-6 minutes with the defaults)
#        BENCH_OPTS="-Dbench.seconds=10 -Dbench.warmup=3 -Dbench.repeat=3" bench/run-engine.sh
#        BENCH_OPTS="-Dbench.databases=h2 -Dbench.concurrency=1,8" bench/run-engine.sh
# PostgreSQL: -Dbench.pg.url=jdbc:postgresql://127.0.0.1:5432/ -Dbench.pg.user=postgres (the defaults);
# the run drops and creates the databases setlist_bench_engine, _raw and _flowable there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() { # prints the feature version of the java at $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
  local d v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v="$(java_major "$JAVA_HOME/bin/java")"
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  local best="" best_v=0
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    v="$(java_major "$d/bin/java")"
    [ -n "$v" ] && [ "$v" -ge 21 ] || continue
    if [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
  done
  [ -n "$best" ] && echo "$best"
}

jdk="$(find_jdk || true)"
if [ -z "$jdk" ]; then
  echo "run-engine.sh: no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm)." >&2
  exit 127
fi
export JAVA_HOME="$jdk"

(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am package)
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" -Xms1g -Xmx4g ${BENCH_OPTS:-} -cp "$root/bench/target/benchmarks.jar:$root/bench/target/lib/*" \
  dev.setlist.bench.engine.EngineReport "$@"
