//! Cross-compiles the guest workspace (`guest/`) for `riscv32im-risc0-zkvm-elf`.
//!
//! This file is shared by `build.rs` (which embeds the ELFs into this crate) and by the
//! library (which the reproducibility test uses to build them again elsewhere). The
//! recipe is the one of DESIGN.md §3: Debian's `rustc-web`/`cargo-web` toolchain
//! (`/usr/bin/rustc`, `/usr/bin/cargo`) with its own library sources, `RUSTC_BOOTSTRAP=1`,
//! `-Zbuild-std=core,alloc` and `ld.lld`. Builds are reproducible: the flags hold no
//! absolute path, and cargo trims source paths (`-Ztrim-paths`, profile `trim-paths = "all"`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The rustc target of every guest.
pub const GUEST_TARGET: &str = "riscv32im-risc0-zkvm-elf";
/// The guest programs of the guest workspace, by package name.
pub const GUEST_PROGRAMS: [&str; 6] =
    ["fibonacci", "fibonacci-digest", "public-values", "keccak", "revm-smoke", "block-validator"];
/// The Debian toolchain that builds guests (packages rustc-web, cargo-web, rust-web-src).
pub const GUEST_RUSTC: &str = "/usr/bin/rustc";
/// Cargo of the guest toolchain.
pub const GUEST_CARGO: &str = "/usr/bin/cargo";

/// Why the guest build failed.
#[derive(Debug, thiserror::Error)]
pub enum GuestBuildError {
    /// A toolchain program is missing.
    #[error("guest toolchain not found: {0} (run `make deps` to install rustc-web, cargo-web, rust-web-src and lld)")]
    MissingToolchain(String),
    /// Cargo could not be started.
    #[error("cannot run {GUEST_CARGO}: {0}")]
    Spawn(#[source] std::io::Error),
    /// Cargo reported a build failure.
    #[error("guest build failed with {0}")]
    Failed(std::process::ExitStatus),
}

/// Builds every guest program of `guest_dir` into `target_dir` and returns the paths of
/// the ELF files, in the order of [`GUEST_PROGRAMS`].
pub fn build_guests(guest_dir: &Path, target_dir: &Path) -> Result<Vec<PathBuf>, GuestBuildError> {
    let mut command = guest_cargo(guest_dir, target_dir)?;
    for program in GUEST_PROGRAMS {
        command.args(["-p", &format!("{program}-guest")]);
    }
    run(command)?;
    let out = target_dir.join(GUEST_TARGET).join("release");
    Ok(GUEST_PROGRAMS.iter().map(|name| out.join(name)).collect())
}

/// Builds one guest program of `guest_dir` alone, without its default features, into
/// `target_dir` and returns the path of its ELF. This is how baselines are made, such
/// as the `block-validator` that hashes and recovers in software.
pub fn build_guest_without_default_features(
    guest_dir: &Path,
    target_dir: &Path,
    program: &str,
) -> Result<PathBuf, GuestBuildError> {
    let mut command = guest_cargo(guest_dir, target_dir)?;
    command.args(["-p", &format!("{program}-guest"), "--no-default-features"]);
    run(command)?;
    Ok(target_dir.join(GUEST_TARGET).join("release").join(program))
}

fn run(mut command: Command) -> Result<(), GuestBuildError> {
    let status = command.status().map_err(GuestBuildError::Spawn)?;
    if !status.success() {
        return Err(GuestBuildError::Failed(status));
    }
    Ok(())
}

/// `cargo build` of the guest workspace for the guest target, with the toolchain, flags
/// and environment of the recipe; the caller names the packages.
fn guest_cargo(guest_dir: &Path, target_dir: &Path) -> Result<Command, GuestBuildError> {
    for tool in [GUEST_RUSTC, GUEST_CARGO, "/usr/bin/ld.lld"] {
        if !Path::new(tool).exists() {
            return Err(GuestBuildError::MissingToolchain(tool.to_string()));
        }
    }
    // No absolute path may appear in the flags: they feed the crate hashes, which decide
    // symbol names and function order. Paths inside the binary are trimmed by cargo's
    // (unstable) trim-paths, enabled below on the command line rather than in the
    // manifest, so that stable cargo can still read guest/Cargo.toml.
    let flags = ["-Clinker=ld.lld", "-Clink-arg=-Tlink.x", "-Clink-arg=--build-id=none"];

    let mut command = Command::new(GUEST_CARGO);
    // Start from a clean slate: the host build's cargo sets variables (RUSTC, RUSTFLAGS,
    // CARGO_*) that must not leak into the nested cross build.
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        if key_str.starts_with("CARGO_") && key_str != "CARGO_HOME"
            || key_str.starts_with("RUSTC")
            || key_str.starts_with("RUSTFLAGS")
            || key_str == "RUSTDOCFLAGS"
            || key_str.starts_with("RUSTUP_")
            || key_str == "CARGO"
        {
            command.env_remove(&key);
        }
    }
    command
        .current_dir(guest_dir)
        .env("RUSTC", GUEST_RUSTC)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .env("SOURCE_DATE_EPOCH", "0")
        .env("CARGO_PROFILE_RELEASE_TRIM_PATHS", "all")
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET])
        .args(["-Zbuild-std=core,alloc", "-Zbuild-std-features=compiler-builtins-mem"])
        .arg("-Ztrim-paths")
        .arg("--target-dir")
        .arg(target_dir);
    Ok(command)
}
