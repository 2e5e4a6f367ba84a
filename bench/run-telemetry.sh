#!/usr/bin/env bash
# Builds the bench module and runs dev.setlist.bench.server.TelemetryReport: GET /healthz with
# telemetry off and on, in alternation in one process, and the overhead of telemetry (goal <= 10%).
# Usage: bench/run-telemetry.sh            (from anywhere)
#        BENCH_OPTS="-Dbench.measure=15 -Dbench.rounds=3" bench/run-telemetry.sh
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
  echo "run-telemetry.sh: no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm)." >&2
  exit 127
fi
export JAVA_HOME="$jdk"

(cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am package)
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" ${BENCH_OPTS:-} -cp "$root/bench/target/benchmarks.jar:$root/bench/target/lib/*" \
  dev.setlist.bench.server.TelemetryReport "$@"
