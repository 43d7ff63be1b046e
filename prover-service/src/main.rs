//! `prover-service`: the operator's binary. `serve` runs the job API (with workers and
//! the follower), `worker` runs workers only; `execute` and `conformance` run the guest
//! and the fixtures from the command line.

use std::process::ExitCode;

use clap::Parser;
use prover_service::cli;

fn main() -> ExitCode {
    // Proving stages free gigabytes in blocks of a few MiB; map them so that they go back
    // to the system when freed (see `circuits::memory`).
    circuits::memory::tune_allocator();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
