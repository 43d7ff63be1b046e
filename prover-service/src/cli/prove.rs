//! `prover-service prove` and `verify`: a whole program's proof, through the `prover`
//! crate, with progress on stderr and the figures at the end.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use prover::{peak_rss_mib, Keys, ParamsSource, Progress, Proof, TreeConfig};

use super::execute::{build_input, InputArgs};

/// The proof stack's sizes and where its parameters and keys live.
#[derive(Debug, clap::Args)]
pub(crate) struct StackArgs {
    /// Segment size (log2 rows); the verifier must use the prover's.
    #[arg(long, default_value_t = TreeConfig::default().segment_po2)]
    segment_po2: u32,
    /// Directory of real KZG parameters (`kzg_bn254_{k}.srs`). Without it, INSECURE
    /// development parameters are generated from a public seed.
    #[arg(long, env = "PROVER_PARAMS_DIR")]
    params_dir: Option<PathBuf>,
    /// Where proving keys are cached (default `$ZKVM_KEYS_DIR` or
    /// `~/.cache/zk-rollup-prover/keys`).
    #[arg(long, env = "PROVER_KEYS_DIR")]
    keys_dir: Option<PathBuf>,
}

impl StackArgs {
    pub(crate) fn keys(&self) -> Keys {
        let config = TreeConfig { segment_po2: self.segment_po2, ..TreeConfig::default() };
        let source = match &self.params_dir {
            Some(dir) => ParamsSource::Directory(dir.clone()),
            None => ParamsSource::Development,
        };
        let dir = self.keys_dir.clone().unwrap_or_else(prover::keys::default_key_dir);
        Keys::new(config, source, Some(dir))
    }
}

/// Arguments of `prove`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProveArgs {
    /// Guest ELF file (RV32IM).
    #[arg(long)]
    elf: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Where to write the proof (JSON).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    stack: StackArgs,
    /// Exit as soon as the parent process is gone (a worker's prover must not outlive a
    /// killed worker).
    #[arg(long, hide = true)]
    exit_with_parent: bool,
}

/// Exits the process, from a watcher thread, once its parent has changed (the parent
/// died and the process was re-parented).
pub(super) fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        if std::os::unix::process::parent_id() != parent {
            // Nothing is printed: stderr was the dead parent's pipe.
            std::process::exit(137);
        }
    });
}

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The proof file.
    proof: PathBuf,
    /// The program the proof must be for, as `0x` + 64 hex digits.
    #[arg(long, conflicts_with = "elf", required_unless_present = "elf")]
    program_id: Option<String>,
    /// The program the proof must be for, as its ELF.
    #[arg(long)]
    elf: Option<PathBuf>,
    /// A wrapper key exported earlier (`export-verifier --vk-out`), trusted as a deployed
    /// verifier is: verifies in seconds, with no keygen and no proving keys. Without
    /// it the key is derived from the segment circuit up.
    #[arg(long)]
    vk: Option<PathBuf>,
    #[command(flatten)]
    stack: StackArgs,
}

fn report(step: &Progress) {
    let peak = peak_rss_mib();
    match step {
        Progress::Executed { cycles, segments, secs } => {
            eprintln!("executed: {cycles} cycles, {segments} segments ({secs:.1}s)")
        }
        Progress::Segment { index, total, secs } => {
            eprintln!("segment {}/{total} proved ({secs:.1}s, peak {peak:.0} MiB)", index + 1)
        }
        Progress::KeccakBatch { index, total, permutations, secs } => eprintln!(
            "keccak-f batch {}/{total} proved: {permutations} permutations ({secs:.1}s, peak {peak:.0} MiB)",
            index + 1
        ),
        Progress::SecpBatch { index, total, recoveries, secs } => eprintln!(
            "secp256k1 batch {}/{total} proved: {recoveries} recoveries ({secs:.1}s, peak {peak:.0} MiB)",
            index + 1
        ),
        Progress::Node { kind, level, index, total, stats } => eprintln!(
            "{kind} node {}/{total} at level {level} proved (key {:.1}s, proof {:.1}s; k={} with {} advice, {} lookup, {} fixed columns; peak {peak:.0} MiB)",
            index + 1,
            stats.key_secs,
            stats.prove_secs,
            stats.k,
            stats.advice,
            stats.lookup_advice,
            stats.fixed
        ),
        Progress::Wrapped { stats, verify_secs } => eprintln!(
            "wrapper proved and verified (key {:.1}s, proof {:.1}s, check {verify_secs:.1}s; k={} with {} advice, {} lookup, {} fixed columns; peak {peak:.0} MiB)",
            stats.key_secs, stats.prove_secs, stats.k, stats.advice, stats.lookup_advice, stats.fixed
        ),
    }
}

/// Proves the run and writes the proof file.
pub(crate) fn run_prove(args: &ProveArgs) -> anyhow::Result<ExitCode> {
    if args.exit_with_parent {
        exit_with_parent();
    }
    let elf =
        std::fs::read(&args.elf).with_context(|| format!("reading ELF {}", args.elf.display()))?;
    let input = build_input(&args.input)?;
    let keys = args.stack.keys();
    let start = Instant::now();
    let mut stages: Vec<(String, f64)> = Vec::new();
    let proof = prover::prove_with_progress(&elf, &input, &keys, &mut |step| {
        report(&step);
        let (name, secs) = match step {
            Progress::Executed { secs, .. } => ("execute".to_string(), secs),
            Progress::Segment { secs, .. } => ("segments".to_string(), secs),
            Progress::KeccakBatch { secs, .. } => ("keccak-f batches".to_string(), secs),
            Progress::SecpBatch { secs, .. } => ("secp256k1 batches".to_string(), secs),
            Progress::Node { kind, level, stats, .. } => {
                (format!("{kind} level {level}"), stats.key_secs + stats.prove_secs)
            }
            Progress::Wrapped { stats, verify_secs } => {
                ("wrapper".to_string(), stats.key_secs + stats.prove_secs + verify_secs)
            }
        };
        match stages.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += secs,
            None => stages.push((name, secs)),
        }
    })
    .with_context(|| format!("proving {}", args.elf.display()))?;
    proof.write(&args.out)?;
    let total = start.elapsed().as_secs_f64();
    println!("proof:        {}", args.out.display());
    println!("program id:   {}", proof.program_id_hex());
    println!("output:       0x{}", hex::encode(proof.output.0));
    println!("cycles:       {} in {} segments", proof.cycles, proof.segments);
    for (name, secs) in &stages {
        println!("time {name:<12} {secs:.1}s");
    }
    println!(
        "total:        {total:.1}s ({:.0} cycles/s), peak RSS {:.0} MiB",
        proof.cycles as f64 / total,
        peak_rss_mib()
    );
    println!("proof bytes:  {}, calldata bytes: {}", proof.proof.len(), proof.calldata.len());
    Ok(ExitCode::SUCCESS)
}

/// Verifies a proof file; exits 0 only if it verifies for the program.
pub(crate) fn run_verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let proof = Proof::read(&args.proof)?;
    let program_id = match (&args.program_id, &args.elf) {
        (Some(text), _) => prover::proof::parse_program_id(text).with_context(|| {
            format!("--program-id {text} is not 0x + 64 hex digits of a BN254 scalar")
        })?,
        (None, Some(path)) => {
            let elf =
                std::fs::read(path).with_context(|| format!("reading ELF {}", path.display()))?;
            let program = vm::Program::from_elf(&elf)
                .with_context(|| format!("loading ELF {}", path.display()))?;
            circuits::paging::program_id(&program)
        }
        (None, None) => anyhow::bail!("give --program-id or --elf"),
    };
    let keys = args.stack.keys();
    let verdict = match &args.vk {
        Some(path) => {
            let key = prover::WrapperVk::read(path)?;
            prover::verify_with_key(&proof, program_id, &key, &keys)
        }
        None => prover::verify(&proof, program_id, &keys),
    };
    match verdict {
        Ok(output) => {
            println!(
                "valid: program {} committed 0x{}",
                proof.program_id_hex(),
                hex::encode(output.digest.0)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("invalid: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
