//! `prover-service conformance DIR`: validates execution-spec-tests block fixtures
//! natively and prints each case's outcome and the totals.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::conformance::{run_dir, CaseOutcome};

/// Arguments of `conformance`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConformanceArgs {
    /// Directory of EEST `blockchain_tests` JSON files (searched recursively).
    dir: PathBuf,
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
    let cases = run_dir(&args.dir)?;
    let passed = cases.iter().filter(|c| c.passed).count();
    let failed = cases.len() - passed;
    if args.json {
        let report = Report { cases, passed, failed };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for case in &cases {
            if case.passed {
                println!("PASS {}", case.name);
            } else {
                println!("FAIL {}: {}", case.name, case.reason);
            }
        }
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
