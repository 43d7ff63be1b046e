#!/usr/bin/env bash
# Installs what the build and the tests need, if it is missing. Idempotent; safe to run
# on every `make` invocation. Needs root (or sudo) for apt on a fresh Debian machine.
#
#   rustc-web cargo-web rust-web-src lld   the guest toolchain (DESIGN.md §3)
#   qemu-user                              qemu-riscv32, for the executor's differential tests
#   postgresql                             the job store's second backend, for the service tests
#   nodejs npm, then tools/ (npm)          anvil, the Ethereum node the tests run against, and
#                                          solc 0.8.19 (solcjs), which compiles contracts/
#   patch, then patched/ (crates.io)       the crates that patches/ changes, which the
#                                          workspace's [patch.crates-io] builds from
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# Debian's rustc-web (1.85 or newer) provides /usr/bin/rustc with the riscv32im-risc0-zkvm-elf target.
rustc_minor=$( { /usr/bin/rustc --version 2>/dev/null || true; } | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')
[ "${rustc_minor:-0}" -ge 85 ] || need+=(rustc-web)
[ -x /usr/bin/cargo ] || need+=(cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/core ] || need+=(rust-web-src)
command -v ld.lld >/dev/null 2>&1 || need+=(lld)
command -v qemu-riscv32 >/dev/null 2>&1 || need+=(qemu-user)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v patch >/dev/null 2>&1 || need+=(patch)

if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

anvil=tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
solc=tools/node_modules/solc/soljson.js
if [ ! -x "$anvil" ] || [ ! -f "$solc" ]; then
  echo "install-deps: installing anvil (npm @foundry-rs/anvil) and solc 0.8.19 (npm solc) into tools/"
  # The platform package ships the binary; its installer script is not needed.
  npm install --prefix tools --no-audit --no-fund --ignore-scripts --silent
fi
[ -x "$anvil" ] || { echo "install-deps: $anvil is still missing" >&2; exit 1; }
[ -f "$solc" ] || { echo "install-deps: $solc is still missing" >&2; exit 1; }

for tool in /usr/bin/rustc /usr/bin/cargo ld.lld qemu-riscv32; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-deps: $tool is still missing" >&2; exit 1; }
done
command -v cargo >/dev/null 2>&1 || { echo "install-deps: the host Rust toolchain (cargo) is missing; install rustup" >&2; exit 1; }

./scripts/patch-crates.sh
