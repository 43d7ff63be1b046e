//! The VM side of conformance: each block's guest input runs through the
//! `block-validator` guest in the executor, and the outcome must agree with the native
//! validation of the same input: the same committed `PublicValues` bytes for a valid
//! block, the same error code (and nothing committed) for an invalid one.

use abi::io::InputBuilder;
use anyhow::Context as _;
use stateless::{GuestInput, ValidatedBlock, ValidationError};
use vm::{ExecutionSummary, ExecutorConfig, Program};

/// The `block-validator` guest, loaded once.
pub(crate) struct GuestRunner {
    program: Program,
    config: ExecutorConfig,
}

impl GuestRunner {
    /// Loads the embedded `block-validator` ELF.
    pub(crate) fn new() -> anyhow::Result<Self> {
        let program = Program::from_elf(guests::BLOCK_VALIDATOR_ELF)
            .context("the embedded block-validator ELF does not load")?;
        Ok(Self { program, config: ExecutorConfig::default() })
    }

    /// Runs the guest on `input`.
    pub(crate) fn execute(&self, input: &GuestInput) -> anyhow::Result<ExecutionSummary> {
        let mut stream = InputBuilder::new();
        stream.write_bytes(&input.to_bytes()).context("guest input frame")?;
        vm::execute_program(&self.program, &stream.into_bytes(), &self.config)
            .context("the block-validator guest did not halt")
    }

    /// Runs the guest on `input` and checks that it agrees with `native`; returns the
    /// guest's summary.
    pub(crate) fn check(
        &self,
        input: &GuestInput,
        native: &Result<ValidatedBlock, ValidationError>,
    ) -> anyhow::Result<ExecutionSummary> {
        let summary = self.execute(input)?;
        let guest_said = || match summary.logs.last() {
            Some(log) => format!("exit code {:#x} ({log})", summary.exit_code),
            None => format!("exit code {:#x}", summary.exit_code),
        };
        match native {
            Ok(validated) => {
                if summary.exit_code != 0 {
                    anyhow::bail!("native accepts, the guest rejects with {}", guest_said());
                }
                if summary.output != validated.public_values.to_bytes() {
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
        Ok(summary)
    }
}
