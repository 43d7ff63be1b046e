//! An in-process EVM (revm, Cancun rules, EIP-170's code size limit) on an in-memory
//! state: deploys contracts and runs calls the way a node would, so that the contracts'
//! tests and gas figures need no node. The anvil tests run the same calls on a real one.

use alloy_primitives::{Address, Bytes, Log};
use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::TxKind;
use revm::{ExecuteCommitEvm, MainBuilder, MainContext};

/// Gas a transaction here may use (a block's worth).
const GAS_LIMIT: u64 = 30_000_000;

/// What a committed call did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Whether it returned (`false`: it reverted or halted).
    pub success: bool,
    /// Gas the transaction used, its intrinsic gas included.
    pub gas_used: u64,
    /// Returned or revert data.
    pub output: Bytes,
    /// Logs emitted (none unless it succeeded).
    pub logs: Vec<Log>,
}

/// Why the EVM could not run a transaction, or a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// The transaction is invalid (revm refused it before running it).
    #[error("the transaction was refused: {0}")]
    Refused(String),
    /// The deployment reverted or halted (for example code over EIP-170's limit).
    #[error("deployment failed: {0}")]
    Deploy(String),
}

/// An EVM with its state.
#[derive(Debug)]
pub struct Evm {
    db: CacheDB<EmptyDB>,
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// An empty chain.
    pub fn new() -> Self {
        Self { db: CacheDB::new(EmptyDB::default()) }
    }

    fn transact(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Vec<u8>,
    ) -> Result<ExecutionResult, EvmError> {
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(GAS_LIMIT)
            .gas_price(0)
            .build()
            .map_err(|e| EvmError::Refused(format!("{e:?}")))?;
        let mut evm = Context::mainnet()
            .with_db(&mut self.db)
            .modify_cfg_chained(|cfg| {
                cfg.spec = SpecId::CANCUN;
                cfg.disable_nonce_check = true;
            })
            .build_mainnet();
        evm.transact_commit(tx).map_err(|e| EvmError::Refused(format!("{e:?}")))
    }

    /// Deploys `init_code` (creation bytecode with its constructor arguments) from `from`.
    pub fn deploy(&mut self, from: Address, init_code: Vec<u8>) -> Result<Address, EvmError> {
        match self.transact(from, TxKind::Create, init_code)? {
            ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => {
                Ok(address)
            }
            ExecutionResult::Success { .. } => Err(EvmError::Deploy("no address".into())),
            ExecutionResult::Revert { output, .. } => {
                Err(EvmError::Deploy(format!("reverted with 0x{}", hex::encode(output))))
            }
            ExecutionResult::Halt { reason, .. } => Err(EvmError::Deploy(format!("{reason:?}"))),
        }
    }

    /// Calls `to` with `data` from `from` and commits what it changed.
    pub fn call(&mut self, from: Address, to: Address, data: Vec<u8>) -> Result<Outcome, EvmError> {
        let result = self.transact(from, TxKind::Call(to), data)?;
        let gas_used = result.tx_gas_used();
        Ok(match result {
            ExecutionResult::Success { output, logs, .. } => {
                Outcome { success: true, gas_used, output: output.into_data(), logs }
            }
            ExecutionResult::Revert { output, .. } => {
                Outcome { success: false, gas_used, output, logs: Vec::new() }
            }
            ExecutionResult::Halt { .. } => {
                Outcome { success: false, gas_used, output: Bytes::new(), logs: Vec::new() }
            }
        })
    }

    /// The runtime code at `address` (empty where there is none).
    pub fn code(&self, address: Address) -> Bytes {
        self.db
            .cache
            .accounts
            .get(&address)
            .and_then(|account| account.info.code.as_ref())
            .map(|code| code.original_bytes())
            .unwrap_or_default()
    }
}
