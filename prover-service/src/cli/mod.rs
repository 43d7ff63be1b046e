//! Command-line interface: one subcommand per file.

mod conformance;
mod execute;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The prover service command line.
#[derive(Debug, Parser)]
#[command(name = "prover-service", version, about = "zkVM rollup prover service")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a guest ELF in the executor (fast mode) and print cycles and public output.
    Execute(execute::ExecuteArgs),
    /// Validate execution-spec-tests block fixtures natively; print per-case results.
    Conformance(conformance::ConformanceArgs),
    /// Serve the HTTP job API (with workers and the follower, as configured).
    Serve(serve::ServeArgs),
    /// Run workers only, sharing the job store with the servers.
    Worker(serve::ServeArgs),
}

/// Runs the chosen subcommand; the exit code tells success.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Execute(args) => execute::run(&args),
        Command::Conformance(args) => conformance::run(&args),
        Command::Serve(args) => serve::run(&args, crate::service::Role::Serve),
        Command::Worker(args) => serve::run(&args, crate::service::Role::Worker),
    }
}
