#!/usr/bin/env bash
# The test command (README, .ci/run): unit tests, then integration tests against real servers,
# then whole-pump flow tests. Files are listed explicitly: node 20 does not expand globs.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-all}
# set up on a fresh machine: servers (RabbitMQ, sshd, nginx) and dependencies
[ "$stage" = unit ] || bash tools/services.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
# the CLI and every instance the tests start run the sources, even when a build exists (bin/_run.js)
export SARRA_FROM_SOURCE=1
run() { [ $# -gt 0 ] || { echo "no test files found" >&2; exit 1; }
  node --conditions=source --import tsx --test --test-reporter=spec --test-concurrency=1 "$@"; }
mapfile -t unit < <(find packages -path '*/node_modules' -prune -o -path '*/test/*.test.ts' -print | grep -v '\.int\.test\.ts$' | sort)
mapfile -t integ < <(find packages -path '*/node_modules' -prune -o -path '*/test/*.int.test.ts' -print | sort)
mapfile -t flows < <(find test -name '*.test.ts' 2>/dev/null | sort)
case "$stage" in
  unit) run "${unit[@]}" ;;
  int) run "${integ[@]}" ;;
  flow) run "${flows[@]}" ;;
  all) run "${unit[@]}" "${integ[@]}" ${flows[@]+"${flows[@]}"} ;;
  *) echo "usage: tools/test.sh [unit|int|flow|all]" >&2; exit 2 ;;
esac
