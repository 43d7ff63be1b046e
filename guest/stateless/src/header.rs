//! Header checks that need only the parent and the body: linkage, limits, the EIP-1559
//! base fee, the EIP-4844 blob fields, fork-gated fields and the body roots.

use alloc::{format, string::ToString};
use core::fmt::Debug;

use alloy_consensus::{proofs, Block, Header, TxEnvelope, EMPTY_OMMER_ROOT_HASH};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{B64, U256};

use crate::chain::Fork;
use crate::error::{HeaderField, ValidationError};

/// Gas limit floor.
const MIN_GAS_LIMIT: u64 = 5000;
/// The gas limit may move by less than parent / 1024 per block.
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
/// Longest allowed `extra_data`.
const MAX_EXTRA_DATA: usize = 32;

/// `Err` naming `field` unless `header == expected`.
pub(crate) fn expect_eq<T: PartialEq + Debug>(
    field: HeaderField,
    header: T,
    expected: T,
) -> Result<(), ValidationError> {
    if header == expected {
        return Ok(());
    }
    Err(ValidationError::Header {
        field,
        header: format!("{header:?}"),
        expected: format!("{expected:?}"),
    })
}

fn fail(field: HeaderField, header: impl Debug, rule: &str) -> ValidationError {
    ValidationError::Header { field, header: format!("{header:?}"), expected: rule.to_string() }
}

/// Checks `block`'s header against `parent` and its own body, before execution.
pub(crate) fn validate_header(
    fork: Fork,
    block: &Block<TxEnvelope>,
    parent: &Header,
) -> Result<(), ValidationError> {
    let header = &block.header;
    expect_eq(HeaderField::ParentHash, header.parent_hash, parent.hash_slow())?;
    expect_eq(HeaderField::Number, Some(header.number), parent.number.checked_add(1))?;
    if header.timestamp <= parent.timestamp {
        return Err(fail(HeaderField::Timestamp, header.timestamp, "greater than the parent's"));
    }
    let bound = parent.gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    if header.gas_limit.abs_diff(parent.gas_limit) >= bound || header.gas_limit < MIN_GAS_LIMIT {
        return Err(fail(HeaderField::GasLimit, header.gas_limit, "within parent/1024, >= 5000"));
    }
    if header.gas_used > header.gas_limit {
        return Err(fail(HeaderField::GasUsed, header.gas_used, "at most the gas limit"));
    }
    if header.extra_data.len() > MAX_EXTRA_DATA {
        return Err(fail(HeaderField::ExtraData, header.extra_data.len(), "at most 32 bytes"));
    }
    let base_fee = parent.next_block_base_fee(BaseFeeParams::ethereum());
    expect_eq(HeaderField::BaseFee, header.base_fee_per_gas, base_fee)?;
    let proof_of_stake = header.ommers_hash == EMPTY_OMMER_ROOT_HASH
        && header.difficulty == U256::ZERO
        && header.nonce == B64::ZERO
        && block.body.ommers.is_empty();
    if !proof_of_stake {
        return Err(fail(
            HeaderField::ProofOfStakeFields,
            header.difficulty,
            "no ommers, zero difficulty and nonce",
        ));
    }
    expect_eq(
        HeaderField::TransactionsRoot,
        header.transactions_root,
        proofs::calculate_transaction_root(&block.body.transactions),
    )?;
    let withdrawals =
        block.body.withdrawals.as_ref().ok_or(ValidationError::Body("withdrawals absent"))?;
    expect_eq(
        HeaderField::WithdrawalsRoot,
        header.withdrawals_root,
        Some(proofs::calculate_withdrawals_root(withdrawals)),
    )?;
    if let Some(blob_params) = fork.blob_params() {
        let excess = parent.next_block_excess_blob_gas(blob_params);
        if header.blob_gas_used.is_none() {
            return Err(ValidationError::ForkField(HeaderField::BlobGasUsed));
        }
        expect_eq(HeaderField::ExcessBlobGas, header.excess_blob_gas, excess.or(Some(0)))?;
        if header.parent_beacon_block_root.is_none() {
            return Err(ValidationError::ForkField(HeaderField::ParentBeaconBlockRoot));
        }
    } else if header.blob_gas_used.is_some()
        || header.excess_blob_gas.is_some()
        || header.parent_beacon_block_root.is_some()
    {
        return Err(ValidationError::ForkField(HeaderField::BlobGasUsed));
    }
    if (fork >= Fork::Prague) != header.requests_hash.is_some() {
        return Err(ValidationError::ForkField(HeaderField::RequestsHash));
    }
    Ok(())
}
