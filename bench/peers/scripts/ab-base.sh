#!/usr/bin/env bash
# Builds the library at a git revision (default HEAD) and installs it here as the package `hh-base`,
# for src/ab.ts to compare against the working tree's build (installed by use-project.sh).
#   scripts/ab-base.sh [REV]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
rev="${1:-HEAD}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$repo" archive "$rev" | tar -x -C "$tmp"
ln -s "$repo/node_modules" "$tmp/node_modules"
(cd "$tmp" && npx tsup --silent >/dev/null)
dest="$here/node_modules/hh-base"
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$tmp/dist" "$dest/dist"
node -e 'const p=require(process.argv[1]);p.name="hh-base";require("fs").writeFileSync(process.argv[2],JSON.stringify(p))' "$tmp/package.json" "$dest/package.json"
echo "hh-base = $(git -C "$repo" rev-parse --short "$rev")"
