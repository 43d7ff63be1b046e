//! `prover-service export-verifier`, `calldata` and `submit-proof`: what the L1 side
//! needs from a proof stack and a proof. The verifier is generated from the wrapper's
//! verifying key and the KZG parameters in use; the calldata is
//! `Rollup.submitBlockProof(pv, proof)`'s; `submit-proof` queues a proof for the L1
//! submitter.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use prover::Proof;

use super::prove::StackArgs;
use crate::config::ConfigArgs;
use crate::l1::{queue_proof, rollup_key};
use crate::store::JobStore;

/// Arguments of `export-verifier`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportVerifierArgs {
    /// Where to write the Solidity verifier (pragma 0.8.19).
    #[arg(long)]
    out: PathBuf,
    /// Where to write the wrapper's verifying key (JSON), to generate the verifier again.
    #[arg(long)]
    vk_out: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

/// Arguments of `calldata`.
#[derive(Debug, clap::Args)]
pub(crate) struct CalldataArgs {
    /// The proof file.
    proof: PathBuf,
    /// The block's public values, ABI-encoded (`0x` + hex), as the job result's
    /// `public_values.encoded` shows them.
    #[arg(long)]
    public_values: String,
}

/// Arguments of `submit-proof`.
#[derive(Debug, clap::Args)]
pub(crate) struct SubmitProofArgs {
    /// The proof file.
    proof: PathBuf,
    /// The block's public values, ABI-encoded (`0x` + hex).
    #[arg(long)]
    public_values: String,
    /// The job that proved it, to show the submission in that job.
    #[arg(long)]
    job_id: Option<String>,
    /// The job store and the rollup (`--database-url`, `--rollup-address`).
    #[command(flatten)]
    config: ConfigArgs,
}

fn public_values_arg(text: &str) -> anyhow::Result<stateless::PublicValues> {
    let bytes = hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .context("--public-values is not hex")?;
    stateless::PublicValues::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("--public-values is not an ABI-encoded PublicValues: {e}"))
}

/// Queues a proof for the L1 submitter of the configured rollup (the submitter of a
/// `serve` process with `--l1-rpc-url` sends it in block order).
pub(crate) fn run_submit_proof(args: &SubmitProofArgs) -> anyhow::Result<ExitCode> {
    let config = args.config.resolve()?;
    let rollup = config.rollup()?.context("--rollup-address is required")?;
    let proof = Proof::read(&args.proof)?;
    let values = public_values_arg(&args.public_values)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let queued = runtime.block_on(async {
        let store = JobStore::connect(&config.database_url, 1).await?;
        let queued = queue_proof(&store, rollup, &values, &proof, args.job_id.clone()).await;
        store.close().await;
        anyhow::Ok(queued?)
    })?;
    if queued {
        println!("queued block {} for {}", values.blockNumber, rollup_key(rollup));
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "block {} already has a transaction out for another proof; not queued",
            values.blockNumber
        );
        Ok(ExitCode::FAILURE)
    }
}

/// Writes the verifier of the configured stack: one for every proof it makes, whatever
/// the number of segments and precompile batches.
pub(crate) fn run_export_verifier(args: &ExportVerifierArgs) -> anyhow::Result<ExitCode> {
    let keys = args.stack.keys();
    let (solidity, key) =
        prover::export_verifier(&keys).context("deriving the wrapper's verifying key")?;
    std::fs::write(&args.out, &solidity)
        .with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(path) = &args.vk_out {
        key.write(path)?;
    }
    println!(
        "verifier: {} ({} bytes of Solidity) for every proof of this stack, wrapper k = {}",
        args.out.display(),
        solidity.len(),
        key.config.degree
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the calldata of `submitBlockProof` for a proof and its public values.
pub(crate) fn run_calldata(args: &CalldataArgs) -> anyhow::Result<ExitCode> {
    let proof = Proof::read(&args.proof)?;
    let values = public_values_arg(&args.public_values)?;
    let calldata = contracts::submit_calldata(&values, &proof)?;
    println!("0x{}", hex::encode(calldata));
    Ok(ExitCode::SUCCESS)
}
