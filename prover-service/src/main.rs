//! `prover-service`: the operator's binary. For now it executes guest programs
//! (`prover-service execute`); serving, proving and verifying join it as they land.

mod cli;
mod conformance;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
