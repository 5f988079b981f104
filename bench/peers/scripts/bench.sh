#!/usr/bin/env bash
# One command from a clone of the repository (`npm run bench:peers` in its root): installs the peers
# from this directory's lockfile (once), builds and packs the library and installs the tarball here,
# runs the bench, and prints the README's performance table from the results.
#   scripts/bench.sh [bench options, e.g. --rounds=3 --handlers=noop,floor,honeyhive,langfuse,opik]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"
[ -d node_modules/@langchain/core ] || npm ci --no-audit --no-fund --loglevel=error
scripts/use-project.sh "$repo"
args=("$@")
# Default configs: the README's rows. Pass --handlers=... to change them.
printf '%s\n' "${args[@]}" | grep -q -- '^--handlers=' || args+=("--handlers=noop,floor,honeyhive,langfuse,opik")
printf '%s\n' "${args[@]}" | grep -q -- '^--out=' || args+=("--out=results/latest")
node --import tsx src/run.ts "${args[@]}"
out="$(printf '%s\n' "${args[@]}" | sed -n 's/^--out=//p' | tail -1)"
echo
node --import tsx src/readme-table.ts "$out.json" | tee "$out.readme.md"
