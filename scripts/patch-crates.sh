#!/usr/bin/env bash
# Unpacks halo2-axiom 0.5.3, exactly as published on crates.io, into patched/halo2-axiom
# and applies patches/halo2-axiom-0.5.3.patch (patches/README.md says what it changes and
# why). The workspace's [patch.crates-io] builds halo2-axiom from there, so cargo needs
# this to have run once: `make deps` (which every make target runs) does it. Idempotent:
# it redoes the work only when the patch changes.
set -euo pipefail
cd "$(dirname "$0")/.."

name=halo2-axiom
version=0.5.3
# The .crate's sha256, as crates.io's index records it.
sha256=18316396f9bc7dcd6ac1602443ea4f83f2c93fa5abe448a28db3abceb9c7aab3
patch_file=patches/$name-$version.patch
dest=patched/$name
stamp=$(sha256sum "$patch_file" | cut -d' ' -f1)

if [ -f "$dest/.patch-sha256" ] && [ "$(cat "$dest/.patch-sha256")" = "$stamp" ]; then
  exit 0
fi

crate_file() {
  ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" 2>/dev/null | head -n 1
}
if [ -z "$(crate_file)" ]; then
  echo "patch-crates: fetching $name $version from crates.io"
  cargo fetch --quiet --manifest-path patches/fetch/Cargo.toml
fi
crate=$(crate_file)
[ -n "$crate" ] || { echo "patch-crates: cargo fetched no $name-$version.crate" >&2; exit 1; }
echo "$sha256  $crate" | sha256sum --check --quiet \
  || { echo "patch-crates: $crate does not have crates.io's checksum" >&2; exit 1; }

mkdir -p patched
work=$(mktemp -d patched/.unpack.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xzf "$crate" -C "$work"
patch --quiet --forward -p1 -d "$work/$name-$version" < "$patch_file"
echo "$stamp" > "$work/$name-$version/.patch-sha256"
rm -rf "$dest"
mv "$work/$name-$version" "$dest"
echo "patch-crates: $dest is $name $version with $patch_file applied"
