#!/usr/bin/env bash
# npm run bench: every bench/*.bench.ts in turn; each prints its figures beside its target.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/services.sh >/dev/null
status=0
for f in $(ls bench/*.bench.ts 2>/dev/null | sort); do
  [ -n "${1:-}" ] && [[ "$f" != *"$1"* ]] && continue
  echo "== $f"
  node --conditions=source --import tsx "$f" || status=1
done
exit $status
