#!/usr/bin/env bash
# Rebuilds the self-hosted GraphiQL in api/static/graphiql/assets from the npm packages pinned in
# api/static/graphiql/src/package-lock.json (GraphiQL, its explorer plugin, React, Monaco's
# workers), bundled by esbuild. The built files and their licences are committed, so installing
# or running Redress needs neither npm nor a network; run this only to upgrade GraphiQL.
# Usage: scripts/vendor_graphiql.sh [--update]   (--update re-resolves package.json first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/api/static/graphiql/src"
out="$root/api/static/graphiql/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$src/package.json" "$src/main.jsx" "$src/build.mjs" "$work/"
if [ "${1:-}" = "--update" ] || [ ! -f "$src/package-lock.json" ]; then
  (cd "$work" && npm install --no-audit --no-fund --loglevel=error)
  cp "$work/package-lock.json" "$src/package-lock.json"
else
  cp "$src/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi

rm -rf "$out"
mkdir -p "$out"
(cd "$work" && OUT_DIR="$out" LICENSES="$out/../LICENSES.md" node build.mjs)
# The bundle is over 2 MB: it is committed gzipped, and api/graphiql.py serves it from that.
gzip -9n "$out/graphiql.js"
ls -l "$out"
