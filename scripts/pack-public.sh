#!/usr/bin/env bash
# Packs every public package (packages/* without "private": true) into the folder given, with pnpm,
# so publishConfig and workspace:* versions are applied exactly as `changeset publish` would.
# Needs `pnpm build` first. Prints the tarball paths, one a line.
set -euo pipefail
destination=${1:?usage: scripts/pack-public.sh <folder>}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$destination"
destination=$(cd "$destination" && pwd)

for manifest in "$root"/packages/*/package.json; do
  directory=$(dirname "$manifest")
  if node -e 'process.exit(require(process.argv[1]).private === true ? 0 : 1)' "$manifest"; then continue; fi
  [ -d "$directory/dist" ] || { echo "pack-public: $directory has no dist/ (run pnpm build first)" >&2; exit 1; }
  # tsc never deletes: a file built from a source removed since would be published.
  stale=$(cd "$directory/dist" && find . -name '*.js' | sed 's/\.js$//' | while read -r file; do
    [ -f "$directory/src/$file.ts" ] || echo "$directory/dist/$file.js"; done)
  [ -z "$stale" ] || { printf 'pack-public: stale build output (delete dist/ and rebuild):\n%s\n' "$stale" >&2; exit 1; }
  (cd "$directory" && pnpm pack --pack-destination "$destination" >/dev/null)
done
ls "$destination"/*.tgz
