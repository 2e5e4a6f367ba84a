#!/usr/bin/env bash
# Shared by the bench/run-*.sh scripts: finds a JDK 21+ (JAVA_HOME, else the newest under
# /usr/lib/jvm), builds the bench module and runs one report's main class with BENCH_OPTS.
# Usage (from a run script): source "$(dirname "${BASH_SOURCE[0]}")/report.sh"; run_report CLASS [JVM options…] -- [args…]
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

run_report() {
  local main="$1"; shift
  local jvm=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do jvm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  local jdk
  jdk="$(find_jdk || true)"
  if [ -z "$jdk" ]; then
    echo "bench: no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm)." >&2
    exit 127
  fi
  export JAVA_HOME="$jdk"
  (cd "$root" && ./mvnw -q -B -DskipTests -pl bench -am package)
  # shellcheck disable=SC2086
  exec "$JAVA_HOME/bin/java" "${jvm[@]}" ${BENCH_OPTS:-} -cp "$root/bench/target/benchmarks.jar:$root/bench/target/lib/*" \
    "$main" "$@"
}
