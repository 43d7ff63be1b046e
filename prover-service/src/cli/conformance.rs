//! `prover-service conformance DIR [--vm] [--json]`: validates execution-spec-tests
//! block fixtures natively (and with `--vm` also in the `block-validator` guest) and
//! prints each case's outcome, the guest cycles of each block, and the totals.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::conformance::{run_dir, BlockProfile, CaseOutcome, GuestRunner};

/// Arguments of `conformance`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConformanceArgs {
    /// Directory of EEST `blockchain_tests` JSON files (searched recursively), or one file.
    dir: PathBuf,
    /// Also run every block through the `block-validator` guest in the executor; both
    /// paths must agree on every block.
    #[arg(long)]
    vm: bool,
    /// With `--vm`: split each block's guest cycles into keccak, secp256k1, trie, other
    /// precompiles, EVM and other work, and list the costliest functions.
    #[arg(long, requires = "vm")]
    profile: bool,
    /// With `--vm`: run this block-validator ELF instead of the embedded one (for
    /// instance the software-crypto build that `make profile-guest` makes).
    #[arg(long, value_name = "ELF", requires = "vm")]
    guest_elf: Option<PathBuf>,
    /// Print a JSON report instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, serde::Serialize)]
struct Report {
    cases: Vec<CaseOutcome>,
    passed: usize,
    failed: usize,
}

/// Runs the fixtures; exit code 0 only when every case passes.
pub(crate) fn run(args: &ConformanceArgs) -> anyhow::Result<ExitCode> {
    let guest = if args.vm {
        Some(GuestRunner::new(args.guest_elf.as_deref(), args.profile)?)
    } else {
        None
    };
    let cases = run_dir(&args.dir, guest.as_ref())?;
    let passed = cases.iter().filter(|c| c.passed).count();
    let failed = cases.len() - passed;
    if args.json {
        let report = Report { cases, passed, failed };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for case in &cases {
            if case.passed && case.cycles.is_empty() {
                println!("PASS {}", case.name);
            } else if case.passed {
                let cycles: Vec<String> = case.cycles.iter().map(u64::to_string).collect();
                println!("PASS {} (cycles per block: {})", case.name, cycles.join(", "));
                case.profiles.iter().enumerate().for_each(print_profile);
            } else {
                println!("FAIL {}: {}", case.name, case.reason);
            }
        }
        println!("{passed} passed, {failed} failed");
        let cycles: Vec<u64> = cases.iter().flat_map(|c| c.cycles.iter().copied()).collect();
        if let Some(max) = cycles.iter().max() {
            let total: u64 = cycles.iter().sum();
            println!("{} blocks in the VM: {total} cycles in all, {max} at most", cycles.len());
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Prints one block's profile: the class shares, syscalls and costliest functions.
fn print_profile((index, profile): (usize, &BlockProfile)) {
    let share = |rows: u64| 100.0 * rows as f64 / profile.cycles.max(1) as f64;
    let classes: Vec<String> = profile
        .classes
        .iter()
        .map(|(name, rows)| format!("{name} {rows} ({:.1}%)", share(*rows)))
        .collect();
    println!("  block {index}: {} cycles: {}", profile.cycles, classes.join(", "));
    println!(
        "    syscalls: {} keccak-f, {} secp256k1 recoveries",
        profile.syscalls.keccak_permute, profile.syscalls.secp256k1_recover
    );
    for (name, rows) in &profile.top_functions {
        println!("    {rows:>10} ({:>4.1}%) {name}", share(*rows));
    }
}
