//! `prover-service execute`: run a guest in fast mode and report the outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use vm::{ExecutionSummary, ExecutorConfig, SyscallCounts};

/// The guest's input, from a framed stream file and/or single frames.
#[derive(Debug, clap::Args)]
pub(crate) struct InputArgs {
    /// Input stream file, already framed (as written by `abi::io::InputBuilder`).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Append one frame holding these hex bytes to the input (repeatable).
    #[arg(long = "frame-hex", value_name = "HEX")]
    frames_hex: Vec<String>,
    /// Append one frame holding this file's bytes to the input (repeatable).
    #[arg(long = "frame-file", value_name = "FILE")]
    frame_files: Vec<PathBuf>,
}

/// Arguments of `execute`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExecuteArgs {
    /// Guest ELF file (RV32IM).
    #[arg(long)]
    elf: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Stop with an error after this many cycles.
    #[arg(long, default_value_t = ExecutorConfig::default().cycle_limit)]
    cycle_limit: u64,
    /// Stop with an error once the guest touches more memory than this (bytes).
    #[arg(long, default_value_t = ExecutorConfig::default().memory_limit_bytes)]
    memory_limit: u64,
    /// Segment size (log2 rows) used to count segments.
    #[arg(long, default_value_t = ExecutorConfig::default().segment_po2)]
    segment_po2: u32,
}

/// The machine-readable report of `execute --json`.
#[derive(Debug, Serialize)]
struct ExecuteReport {
    /// The Poseidon page-tree root of the program's initial memory.
    program_id: String,
    exit_code: u32,
    cycles: u64,
    instructions: u64,
    segments: u64,
    segment_po2: u32,
    output_hex: String,
    syscalls: SyscallCounts,
    resident_bytes: u64,
    logs: Vec<String>,
}

impl ExecuteReport {
    fn new(program_id: String, s: ExecutionSummary) -> Self {
        Self {
            program_id,
            exit_code: s.exit_code,
            cycles: s.cycles,
            instructions: s.instructions,
            segments: s.segments,
            segment_po2: s.segment_po2,
            output_hex: hex::encode(&s.output),
            syscalls: s.syscalls,
            resident_bytes: s.resident_pages * u64::from(abi::memory::PAGE_SIZE),
            logs: s.logs,
        }
    }
}

/// The input stream: the stream file's bytes, then each frame.
pub(crate) fn build_input(args: &InputArgs) -> anyhow::Result<Vec<u8>> {
    let stream = match &args.input {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("reading input {}", path.display()))?
        }
        None => Vec::new(),
    };
    let mut frames = Vec::with_capacity(args.frames_hex.len() + args.frame_files.len());
    for text in &args.frames_hex {
        frames.push(
            hex::decode(text.trim_start_matches("0x"))
                .with_context(|| format!("--frame-hex {text:?} is not hex"))?,
        );
    }
    for path in &args.frame_files {
        frames.push(
            std::fs::read(path).with_context(|| format!("reading frame {}", path.display()))?,
        );
    }
    crate::program::framed_input(stream, &frames).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The program in the ELF file `elf`, and its input stream.
pub(crate) fn load_program(
    elf: &std::path::Path,
    input: &InputArgs,
) -> anyhow::Result<(vm::Program, Vec<u8>)> {
    let bytes = std::fs::read(elf).with_context(|| format!("reading ELF {}", elf.display()))?;
    let input = build_input(input)?;
    let program =
        vm::Program::from_elf(&bytes).with_context(|| format!("loading ELF {}", elf.display()))?;
    Ok((program, input))
}

/// Runs the guest; exits 0 only if it halted with exit code 0.
pub(crate) fn run(args: &ExecuteArgs) -> anyhow::Result<ExitCode> {
    let (program, input) = load_program(&args.elf, &args.input)?;
    let config = ExecutorConfig {
        cycle_limit: args.cycle_limit,
        memory_limit_bytes: args.memory_limit,
        segment_po2: args.segment_po2,
    };
    let program_id = prover::program_id_hex(&program);
    let summary = vm::execute_program(&program, &input, &config)
        .with_context(|| format!("executing {}", args.elf.display()))?;
    let report = ExecuteReport::new(program_id, summary);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(if report.exit_code == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_text(r: &ExecuteReport) {
    for line in &r.logs {
        println!("guest: {line}");
    }
    println!("program id:   {}", r.program_id);
    println!("exit code:    {}", r.exit_code);
    println!("cycles:       {} ({} instructions)", r.cycles, r.instructions);
    println!("segments:     {} of 2^{} rows", r.segments, r.segment_po2);
    println!("memory:       {} KiB resident", r.resident_bytes / 1024);
    println!("output:       0x{}", r.output_hex);
    let s = &r.syscalls;
    println!(
        "syscalls:     halt={} read={} commit={} log={} keccak_permute={} secp256k1_recover={}",
        s.halt, s.read, s.commit, s.log, s.keccak_permute, s.secp256k1_recover
    );
}
