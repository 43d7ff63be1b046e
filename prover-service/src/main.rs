//! `prover-service`: the operator's binary. `serve` runs the job API (with workers and
//! the follower), `worker` runs workers only; `execute` and `conformance` run the guest
//! and the fixtures from the command line.

use std::process::ExitCode;

use clap::Parser;
use prover_service::cli;

fn main() -> ExitCode {
    // Every subcommand does BN254 arithmetic (a program's id is a Poseidon root); on a CPU
    // the compiled assembly cannot run on, say so instead of dying on an illegal instruction.
    if let Err(e) = circuits::cpu::check() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
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
