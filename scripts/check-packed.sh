#!/usr/bin/env bash
# What a release publishes, checked as users get it: pack every public package, lint the tarballs
# (publint, attw), install them with npm into an empty project and run an app. Needs `pnpm build`.
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
tarballs=$(mktemp -d "${TMPDIR:-/tmp}/loci-tarballs.XXXXXX")
trap 'rm -rf "$tarballs"' EXIT

"$scripts/pack-public.sh" "$tarballs"
"$scripts/lint-packed.sh" "$tarballs"
"$scripts/check-packed-install.sh" "$tarballs"
