#!/usr/bin/env bash
# Checks packed tarballs as they would be published: publint (package.json fields, exports, files)
# and Are the Types Wrong (types under node10, node16 and bundler resolution). Both read only the
# tarball: no network. The packages are ESM-only on purpose, so attw ignores only "a require()
# resolves to ESM" (require(esm) works from Node 20.19 through the `default` condition); node10
# resolution is checked, through the top-level `types`. A bin-only package (the CLI) has no
# library entry for attw to check.
set -euo pipefail
folder=${1:?usage: scripts/lint-packed.sh <folder with .tgz files>}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/node_modules/.bin"

status=0
for tarball in "$folder"/*.tgz; do
  echo "== $(basename "$tarball")"
  "$bin/publint" run "$tarball" --strict || status=1
  manifest=$(tar -xzOf "$tarball" package/package.json)
  if node -e 'const m = JSON.parse(process.argv[1]); process.exit(m.exports || m.types ? 0 : 1)' "$manifest"; then
    "$bin/attw" "$tarball" --ignore-rules cjs-resolves-to-esm --no-definitely-typed --format ascii \
      --no-emoji --no-color || status=1
  fi
done
exit "$status"
