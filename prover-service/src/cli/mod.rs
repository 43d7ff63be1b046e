//! Command-line interface: one subcommand per file.

mod conformance;
mod execute;
mod l1;
mod parts;
mod prove;
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
    /// Prove a guest run down to one wrapper SNARK and write the proof file.
    Prove(prove::ProveArgs),
    /// Print the parts of a run's proof (segments, batches, nodes, wrapper) and their
    /// children, as JSON.
    Plan(parts::PlanArgs),
    /// Prove one part of a run's proof from its children's SNARK files (what a fleet's
    /// worker runs for each stage).
    ProvePart(parts::ProvePartArgs),
    /// Verify a proof file for a program; exits 0 only if it verifies.
    Verify(prove::VerifyArgs),
    /// Generate the Solidity verifier of the final SNARK for the configured parameters.
    ExportVerifier(l1::ExportVerifierArgs),
    /// Print the calldata of `Rollup.submitBlockProof` for a proof and its public values.
    Calldata(l1::CalldataArgs),
    /// Queue a proof for the L1 submitter (sent in block order by `serve --l1-rpc-url`).
    SubmitProof(l1::SubmitProofArgs),
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
        Command::Prove(args) => prove::run_prove(&args),
        Command::Plan(args) => parts::run_plan(&args),
        Command::ProvePart(args) => parts::run_prove_part(&args),
        Command::Verify(args) => prove::run_verify(&args),
        Command::ExportVerifier(args) => l1::run_export_verifier(&args),
        Command::Calldata(args) => l1::run_calldata(&args),
        Command::SubmitProof(args) => l1::run_submit_proof(&args),
        Command::Serve(args) => serve::run(&args, crate::service::Role::Serve),
        Command::Worker(args) => serve::run(&args, crate::service::Role::Worker),
    }
}
