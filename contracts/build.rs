//! Compiles `solidity/*.sol` with solc 0.8.19 (npm `solc` in `tools/`, installed by
//! `make deps`) through `compile.js`, into `$OUT_DIR/artifacts/<Contract>.json`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed={}", manifest_dir.join("solidity").display());
    println!("cargo:rerun-if-changed={}", manifest_dir.join("compile.js").display());
    let status = Command::new("node")
        .arg(manifest_dir.join("compile.js"))
        .arg(out_dir.join("artifacts"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run node (run `make deps`): {e}"));
    assert!(
        status.success(),
        "compiling contracts/solidity failed (solc from `make deps`): {status}"
    );
}
