//! Validates one block: header against parent, witness against the parent's state root,
//! senders recovered, transactions and the fork's system operations executed by
//! alloy-evm's Ethereum block executor over revm, then every root recomputed and compared.

use alloc::{borrow::Cow, string::ToString, vec::Vec};

use alloy_consensus::crypto::secp256k1;
use alloy_consensus::transaction::{Recovered, SignerRecoverable};
use alloy_consensus::{proofs, Block, BlockHeader, Header, TxEnvelope, TxReceipt};
use alloy_eips::eip7702::{RecoveredAuthority, RecoveredAuthorization, SignedAuthorization};
use alloy_eips::Encodable2718;
use alloy_evm::block::{BlockExecutor, BlockExecutorFactory};
use alloy_evm::eth::receipt_builder::AlloyReceiptBuilder;
use alloy_evm::eth::{EthBlockExecutionCtx, EthBlockExecutorFactory};
use alloy_evm::{EthEvmFactory, EvmEnv, EvmFactory, FromRecoveredTx};
use alloy_primitives::{Address, Bloom, Bytes};
use alloy_rlp::Decodable;
use revm::context::TxEnv;
use revm::context_interface::either::Either;
use revm::database::{states::bundle_state::BundleRetention, State};

use crate::chain::{ChainConfig, Fork};
use crate::error::{HeaderField, ValidationError};
use crate::header::{expect_eq, validate_header};
use crate::input::GuestInput;
use crate::public_values::PublicValues;
use crate::witness_db::WitnessState;

/// A validated block: its public values, and the post-state tries as far as validation
/// resolved them (which the host keeps to build the next block's witness; the guest
/// never encodes them).
#[derive(Debug)]
pub struct ValidatedBlock {
    /// What a proof of this block states.
    pub public_values: PublicValues,
    /// The state after the block: [`WitnessState::resolved_nodes`] gives its trie nodes.
    pub post_state: WitnessState,
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
        post_state: witness,
        new_codes: bundle.contracts.values().map(|code| code.original_bytes()).collect(),
        header: block.header,
    })
}

/// Executes `block` (its senders recovered here) with the fork's system calls over any
/// database, checking nothing against the header, and returns the gas it used. The host
/// runs it over a node-backed database to learn which accounts, slots, codes and block
/// hashes a block touches before it asks the node for their proofs.
pub fn execute_over<DB: alloy_evm::Database>(
    config: &ChainConfig,
    block: &Block<TxEnvelope>,
    db: DB,
) -> Result<u64, ValidationError> {
    let fork = config.fork().ok_or(ValidationError::UnsupportedFork(config.fork_code))?;
    let mut senders = Vec::with_capacity(block.body.transactions.len());
    for (index, tx) in block.body.transactions.iter().enumerate() {
        senders.push(tx.recover_signer().map_err(|_| ValidationError::Sender(index))?);
    }
    let mut state = State::builder().with_database(db).with_bundle_update().build();
    Ok(execute(config, fork, block, &senders, &mut state)?.gas_used)
}

fn execute<DB: alloy_evm::Database>(
    config: &ChainConfig,
    fork: Fork,
    block: &Block<TxEnvelope>,
    senders: &[Address],
    state: &mut State<DB>,
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
    let transactions = block
        .body
        .transactions
        .iter()
        .zip(senders)
        .map(|(tx, sender)| (tx_env(tx, *sender), Recovered::new_unchecked(tx, *sender)));
    executor.execute_block(transactions).map_err(|e| ValidationError::Execution(e.to_string()))
}

/// The transaction's revm environment, with every EIP-7702 authority already recovered
/// through alloy's crypto backend (so, in the guest, through the recovery syscall)
/// rather than left to revm, which would recover it in software.
fn tx_env(tx: &TxEnvelope, sender: Address) -> TxEnv {
    let mut env = TxEnv::from_recovered_tx(tx, sender);
    for entry in &mut env.authorization_list {
        if let Either::Left(signed) = entry {
            *entry = Either::Right(recover_authorization(signed));
        }
    }
    env
}

/// EIP-7702's authority recovery: a parity other than 0 or 1, a high `s` or a signature
/// that recovers nothing makes the authorization invalid (revm then skips it).
fn recover_authorization(signed: &SignedAuthorization) -> RecoveredAuthorization {
    let authority = signed
        .signature()
        .ok()
        .and_then(|signature| secp256k1::recover_signer(&signature, signed.signature_hash()).ok());
    RecoveredAuthorization::new_unchecked(
        signed.inner().clone(),
        authority.map_or(RecoveredAuthority::Invalid, RecoveredAuthority::Valid),
    )
}
