//! `prover-service plan` and `prove-part`: a proof in parts, as a fleet of workers makes
//! it. `plan` prints the tree's parts with their children; `prove-part` proves one part
//! from the program, its input and its children's SNARK files, and writes its SNARK, or,
//! for the wrapper, the verified proof file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use prover::{peak_rss_mib, Part, PartProof};
use serde::Serialize;

use super::execute::{load_program, InputArgs};
use super::prove::{exit_with_parent, StackArgs};
use crate::worker::ProverReport;

/// Arguments of `plan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PlanArgs {
    /// Guest ELF file (RV32IM).
    #[arg(long)]
    elf: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    stack: StackArgs,
}

/// Arguments of `prove-part`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProvePartArgs {
    /// Guest ELF file (RV32IM).
    #[arg(long)]
    elf: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// The part: segment-N, keccak-batch-N, secp-batch-N, leaf-N, inner-L-N,
    /// keccak-node-N, secp-node-N or wrapper (as `plan` names them).
    #[arg(long)]
    part: Part,
    /// The children's SNARK files, in the order `plan` lists them (repeatable).
    #[arg(long = "child", value_name = "FILE")]
    children: Vec<PathBuf>,
    /// Where to write the part's SNARK, or, for the wrapper, the proof file (JSON).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    stack: StackArgs,
    /// Exit as soon as the parent process is gone.
    #[arg(long, hide = true)]
    exit_with_parent: bool,
    /// Where to write the part's time and peak memory (JSON) once it is proved: the
    /// worker records them with the stage.
    #[arg(long, hide = true)]
    report: Option<PathBuf>,
}

/// What `plan` prints.
#[derive(Debug, Serialize)]
struct PlanReport {
    segments: u32,
    keccak_batches: u32,
    secp_batches: u32,
    cycles: u64,
    output: String,
    parts: Vec<PartReport>,
}

#[derive(Debug, Serialize)]
struct PartReport {
    part: String,
    children: Vec<String>,
}

/// Prints the plan as JSON.
pub(crate) fn run_plan(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let (program, input) = load_program(&args.elf, &args.input)?;
    let keys = args.stack.keys();
    let plan = prover::plan(&program, &input, keys.config())?;
    let report = PlanReport {
        segments: plan.shape.segments,
        keccak_batches: plan.shape.keccak_batches,
        secp_batches: plan.shape.secp_batches,
        cycles: plan.cycles,
        output: format!("0x{}", hex::encode(plan.digest.0)),
        parts: plan
            .parts()
            .into_iter()
            .map(|p| PartReport {
                part: p.part.to_string(),
                children: p.children.iter().map(Part::to_string).collect(),
            })
            .collect(),
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

/// Proves one part and writes it.
pub(crate) fn run_prove_part(args: &ProvePartArgs) -> anyhow::Result<ExitCode> {
    if args.exit_with_parent {
        exit_with_parent();
    }
    let (program, input) = load_program(&args.elf, &args.input)?;
    let mut children = Vec::with_capacity(args.children.len());
    for path in &args.children {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading child {}", path.display()))?;
        children.push(
            prover::snark_from_bytes(&bytes)
                .with_context(|| format!("reading child {}", path.display()))?,
        );
    }
    let keys = args.stack.keys();
    let start = Instant::now();
    let proved = prover::prove_part(&program, &input, &keys, args.part, children)
        .with_context(|| format!("proving {}", args.part))?;
    match proved {
        PartProof::Snark(snark) => std::fs::write(&args.out, prover::snark_to_bytes(&snark)?)
            .with_context(|| format!("writing {}", args.out.display()))?,
        PartProof::Proof(proof) => proof.write(&args.out)?,
    }
    let report =
        ProverReport { seconds: start.elapsed().as_secs_f64(), peak_mib: peak_rss_mib() as u64 };
    if let Some(path) = &args.report {
        std::fs::write(path, serde_json::to_vec(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("part {} proved ({:.1}s, peak {} MiB)", args.part, report.seconds, report.peak_mib);
    Ok(ExitCode::SUCCESS)
}
