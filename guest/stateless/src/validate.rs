//! Validates one block: header against parent, witness against the parent's state root,
//! senders recovered, transactions and the fork's system operations executed by
//! alloy-evm's Ethereum block executor over revm, then every root recomputed and compared.

use alloc::{borrow::Cow, string::ToString, vec::Vec};

use alloy_consensus::{
    proofs, transaction::SignerRecoverable, Block, BlockHeader, Header, TxEnvelope, TxReceipt,
};
use alloy_eips::Encodable2718;
use alloy_evm::block::{BlockExecutor, BlockExecutorFactory};
use alloy_evm::eth::receipt_builder::AlloyReceiptBuilder;
use alloy_evm::eth::{EthBlockExecutionCtx, EthBlockExecutorFactory};
use alloy_evm::{EthEvmFactory, EvmEnv, EvmFactory};
use alloy_primitives::{Bloom, Bytes};
use alloy_rlp::Decodable;
use revm::database::{states::bundle_state::BundleRetention, State};

use crate::chain::{ChainConfig, Fork};
use crate::error::{HeaderField, ValidationError};
use crate::header::{expect_eq, validate_header};
use crate::input::GuestInput;
use crate::public_values::PublicValues;
use crate::witness_db::WitnessState;

/// A validated block: its public values, and the resolved trie nodes of the post-state
/// (which the host keeps to build the next block's witness).
#[derive(Debug)]
pub struct ValidatedBlock {
    /// What a proof of this block states.
    pub public_values: PublicValues,
    /// Post-state trie nodes reached during validation.
    pub post_state_nodes: Vec<Bytes>,
    /// Codes the block deployed.
    pub new_codes: Vec<Bytes>,
    /// The validated header (the parent of the next block).
    pub header: Header,
}

/// Validates `input`'s block; the error names the first check that failed.
pub fn validate_block(input: &GuestInput) -> Result<ValidatedBlock, ValidationError> {
    let config = input.chain;
    let fork = config.fork().ok_or(ValidationError::UnsupportedFork(config.fork_code))?;
    let block = Block::<TxEnvelope>::decode(&mut input.block.as_ref())
        .map_err(ValidationError::BlockDecode)?;
    let parent = &input.parent;
    validate_header(fork, &block, parent)?;

    let mut senders = Vec::with_capacity(block.body.transactions.len());
    for (index, tx) in block.body.transactions.iter().enumerate() {
        senders.push(tx.recover_signer().map_err(|_| ValidationError::Sender(index))?);
    }

    let witness = WitnessState::new(parent, &input.state, &input.codes, &input.ancestors)?;
    let mut state = State::builder().with_database(witness).with_bundle_update().build();
    let result = match execute(&config, fork, &block, &senders, &mut state) {
        Ok(result) => result,
        // A witness error surfaces from revm as an opaque database error: report it.
        Err(e) => return Err(state.database.take_error().unwrap_or(e)),
    };

    let header = &block.header;
    expect_eq(HeaderField::GasUsed, header.gas_used, result.gas_used)?;
    let receipts = &result.receipts;
    expect_eq(
        HeaderField::ReceiptsRoot,
        header.receipts_root,
        proofs::ordered_trie_root_with_encoder(receipts, |r, out| r.encode_2718(out)),
    )?;
    let bloom = receipts.iter().fold(Bloom::ZERO, |acc, r| acc | r.bloom());
    expect_eq(HeaderField::LogsBloom, header.logs_bloom, bloom)?;
    if fork.blob_params().is_some() {
        expect_eq(HeaderField::BlobGasUsed, header.blob_gas_used, Some(result.blob_gas_used))?;
    }
    if let Some(requests_hash) = header.requests_hash {
        expect_eq(HeaderField::RequestsHash, requests_hash, result.requests.requests_hash())?;
    }

    state.merge_transitions(BundleRetention::PlainState);
    let bundle = state.take_bundle();
    let mut witness = state.database;
    witness.apply(&bundle)?;
    expect_eq(HeaderField::StateRoot, header.state_root, witness.state_root())?;

    Ok(ValidatedBlock {
        public_values: PublicValues {
            chainId: config.chain_id,
            blockNumber: header.number,
            parentHash: header.parent_hash,
            blockHash: header.hash_slow(),
            parentStateRoot: parent.state_root,
            stateRoot: header.state_root,
        },
        post_state_nodes: witness.resolved_nodes(),
        new_codes: bundle.contracts.values().map(|code| code.original_bytes()).collect(),
        header: block.header,
    })
}

fn execute(
    config: &ChainConfig,
    fork: Fork,
    block: &Block<TxEnvelope>,
    senders: &[alloy_primitives::Address],
    state: &mut State<WitnessState>,
) -> Result<alloy_evm::block::BlockExecutionResult<alloy_consensus::ReceiptEnvelope>, ValidationError>
{
    let header = &block.header;
    let env = EvmEnv::for_eth_block(header, config, config.chain_id, fork.blob_params());
    let evm = EthEvmFactory::default().create_evm(state, env);
    let ctx = EthBlockExecutionCtx {
        parent_hash: header.parent_hash(),
        parent_beacon_block_root: header.parent_beacon_block_root(),
        ommers: &[],
        withdrawals: block.body.withdrawals.as_ref().map(|w| Cow::Borrowed(w.as_slice())),
        extra_data: header.extra_data.clone(),
        tx_count_hint: Some(block.body.transactions.len()),
        slot_number: None,
    };
    let factory = EthBlockExecutorFactory::new(
        AlloyReceiptBuilder::default(),
        *config,
        EthEvmFactory::default(),
    );
    let executor = factory.create_executor(evm, ctx);
    let transactions =
        block.body.transactions.iter().zip(senders).map(|(tx, sender)| {
            alloy_consensus::transaction::Recovered::new_unchecked(tx, *sender)
        });
    executor.execute_block(transactions).map_err(|e| ValidationError::Execution(e.to_string()))
}
