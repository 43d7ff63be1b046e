//! The VM side of conformance: each block's guest input runs through the
//! `block-validator` guest in the executor, and the outcome must agree with the native
//! validation of the same input: the same committed `PublicValues` bytes for a valid
//! block, the same error code (and nothing committed) for an invalid one.
//!
//! With profiling on, each block's cycles are also split into the work the issue asks
//! about: keccak, secp256k1 recovery, trie and witness work, the other precompiles, EVM
//! execution, and the rest.

use std::path::Path;

use abi::io::InputBuilder;
use anyhow::Context as _;
use stateless::{GuestInput, ValidatedBlock, ValidationError};
use vm::profile::{profile_program, FunctionClass, Symbols};
use vm::{ExecutionSummary, ExecutorConfig, Program, SyscallCounts};

/// The classes a block's cycles are split into, by demangled function name. A row
/// counts for the innermost function on the call stack that has a class, so hashing
/// inside the trie is keccak, and trie reads inside the EVM are trie work.
const BLOCK_CLASSES: [FunctionClass<'static>; 5] = [
    FunctionClass { name: "keccak", patterns: &["keccak", "Keccak"] },
    FunctionClass {
        name: "secp256k1",
        patterns: &["secp256k1", "k256", "ecdsa", "elliptic_curve", "recover_signer"],
    },
    FunctionClass {
        name: "trie",
        patterns: &[
            "alloy_trie",
            "stateless::mpt",
            "stateless::witness_db",
            "trie_root",
            "nybbles",
        ],
    },
    // The other precompiles (KZG point evaluation, BN254, BLS12-381, modexp, ...).
    FunctionClass {
        name: "precompiles",
        patterns: &["revm_precompile", "ark_", "aurora_engine_modexp", "blake2"],
    },
    FunctionClass { name: "evm", patterns: &["revm", "alloy_evm"] },
];

/// How many functions a block profile lists.
const TOP_FUNCTIONS: usize = 8;

/// Where one block's guest cycles went.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct BlockProfile {
    pub(crate) cycles: u64,
    /// Cycles per class of [`BLOCK_CLASSES`], then `other`.
    pub(crate) classes: Vec<(String, u64)>,
    /// The functions with the most self cycles.
    pub(crate) top_functions: Vec<(String, u64)>,
    pub(crate) syscalls: SyscallCounts,
}

/// A block's run in the guest.
pub(crate) struct GuestRun {
    pub(crate) summary: ExecutionSummary,
    pub(crate) profile: Option<BlockProfile>,
}

/// The `block-validator` guest, loaded once.
pub(crate) struct GuestRunner {
    program: Program,
    /// Present when every run is profiled.
    symbols: Option<Symbols>,
    config: ExecutorConfig,
}

impl GuestRunner {
    /// Loads the embedded `block-validator` ELF, or the one at `elf` (another build of
    /// it, such as the software-crypto baseline); `profile` profiles every run.
    pub(crate) fn new(elf: Option<&Path>, profile: bool) -> anyhow::Result<Self> {
        let bytes = match elf {
            Some(path) => {
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
            }
            None => guests::BLOCK_VALIDATOR_ELF.to_vec(),
        };
        let program = Program::from_elf(&bytes).context("the block-validator ELF does not load")?;
        let symbols = if profile {
            Some(Symbols::from_elf(&bytes).context("the block-validator ELF's symbols")?)
        } else {
            None
        };
        Ok(Self { program, symbols, config: ExecutorConfig::default() })
    }

    /// Runs the guest on `input`.
    pub(crate) fn execute(&self, input: &GuestInput) -> anyhow::Result<GuestRun> {
        self.execute_frame(&input.to_bytes())
    }

    /// Runs the guest on one input frame holding `payload` (an encoded `GuestInput`, or
    /// anything else to see how the guest rejects it).
    pub(crate) fn execute_frame(&self, payload: &[u8]) -> anyhow::Result<GuestRun> {
        let mut stream = InputBuilder::new();
        stream.write_bytes(payload).context("guest input frame")?;
        let stream = stream.into_bytes();
        let Some(symbols) = &self.symbols else {
            let summary = vm::execute_program(&self.program, &stream, &self.config)
                .context("the block-validator guest did not halt")?;
            return Ok(GuestRun { summary, profile: None });
        };
        let (summary, profile) =
            profile_program(&self.program, &stream, &self.config, symbols, &BLOCK_CLASSES)
                .context("the block-validator guest did not halt")?;
        let names = BLOCK_CLASSES.iter().map(|c| c.name).chain(["other"]);
        let profile = BlockProfile {
            cycles: summary.cycles,
            classes: names.map(String::from).zip(profile.class_rows).collect(),
            top_functions: profile.function_rows.into_iter().take(TOP_FUNCTIONS).collect(),
            syscalls: summary.syscalls,
        };
        Ok(GuestRun { summary, profile: Some(profile) })
    }

    /// Runs the guest on `input` and checks that it agrees with `native`.
    pub(crate) fn check(
        &self,
        input: &GuestInput,
        native: &Result<ValidatedBlock, ValidationError>,
    ) -> anyhow::Result<GuestRun> {
        let run = self.execute(input)?;
        let summary = &run.summary;
        let guest_said = || match summary.logs.last() {
            Some(log) => format!("exit code {:#x} ({log})", summary.exit_code),
            None => format!("exit code {:#x}", summary.exit_code),
        };
        match native {
            Ok(validated) => {
                if summary.exit_code != 0 {
                    anyhow::bail!("native accepts, the guest rejects with {}", guest_said());
                }
                if summary.output != validated.public_values.commitment().as_slice() {
                    anyhow::bail!("the guest commits other public values than native");
                }
            }
            Err(error) => {
                if summary.exit_code != error.exit_code() {
                    anyhow::bail!("native rejects ({error}), the guest ends with {}", guest_said());
                }
                if !summary.output.is_empty() {
                    anyhow::bail!("the guest rejects the block but committed output");
                }
            }
        }
        Ok(run)
    }
}
