#!/usr/bin/env bash
# The test command (README, .ci/run): unit tests, then integration tests against real servers,
# then whole-pump flow tests. Files are listed explicitly: node 20 does not expand globs.
#
# Lanes, so the run stays short on a 2-core machine: unit files two at a time (CPU-bound); integration files
# three at a time (they mostly wait on servers; each has its own vhost, topics, ports and temp dirs); flow files
# two at a time (each its own pump); then, one at a time, the files marked with a line '// test: alone' (they
# restart a shared broker, load the machine -- a three-node cluster, a browser -- or assert deadlines).
# TEST_JOBS=1 runs everything one at a time.
set -uo pipefail
cd "$(dirname "$0")/.."
stage=${1:-all}
# set up on a fresh machine: servers (RabbitMQ, sshd, nginx) and dependencies
[ "$stage" = unit ] || bash tools/services.sh || exit 1
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
# the CLI and every instance the tests start run the sources, even when a build exists (bin/_run.js)
export SARRA_FROM_SOURCE=1
jobs=${TEST_JOBS:-}
status=0
run() { local n=$1; shift; [ $# -gt 0 ] || return 0
  [ -n "$jobs" ] && n=$jobs
  node --conditions=source --import tsx --test --test-reporter=spec --test-concurrency="$n" "$@" || status=1; }
mapfile -t unit < <(find packages -path '*/node_modules' -prune -o -path '*/test/*.test.ts' -print | grep -v '\.int\.test\.ts$' | sort)
mapfile -t integ < <(find packages -path '*/node_modules' -prune -o -path '*/test/*.int.test.ts' -print | sort)
mapfile -t flows < <(find test -name '*.test.ts' 2>/dev/null | sort)
marked() { [ $# -gt 0 ] && grep -l '^// test: alone' "$@" | sort; }
unmarked() { [ $# -gt 0 ] && comm -23 <(printf '%s\n' "$@" | sort) <(marked "$@"); }
mapfile -t integ_alone < <(marked "${integ[@]}")
mapfile -t integ_shared < <(unmarked "${integ[@]}")
mapfile -t flows_alone < <(marked ${flows[@]+"${flows[@]}"})
mapfile -t flows_shared < <(unmarked ${flows[@]+"${flows[@]}"})
[ ${#unit[@]} -gt 0 ] && [ ${#integ[@]} -gt 0 ] || { echo "no test files found" >&2; exit 1; }
case "$stage" in
  unit) run 2 "${unit[@]}" ;;
  int) run 3 "${integ_shared[@]}"; run 1 "${integ_alone[@]}" ;;
  flow) run 2 ${flows_shared[@]+"${flows_shared[@]}"}; run 1 ${flows_alone[@]+"${flows_alone[@]}"} ;;
  all) run 2 "${unit[@]}"; run 3 "${integ_shared[@]}"; run 2 ${flows_shared[@]+"${flows_shared[@]}"}
    run 1 "${integ_alone[@]}" ${flows_alone[@]+"${flows_alone[@]}"} ;;
  *) echo "usage: tools/test.sh [unit|int|flow|all]" >&2; exit 2 ;;
esac
exit $status
