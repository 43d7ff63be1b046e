//! EEST `blockchain_tests` conformance: each case's blocks are validated, one after the
//! other on the state the previous ones left, by the stateless validator; each block's
//! witness is made from the full state of its parent. With a [`GuestRunner`], every
//! block also runs through the `block-validator` guest, which must agree.

#[cfg(test)]
mod ecrecover_circuit;
pub(crate) mod eest;
mod guest;

use std::path::Path;

use alloy_consensus::Header;
use alloy_primitives::B256;
use anyhow::Context as _;
use stateless::{ChainConfig, GuestInput, ValidatedBlock, ValidationError};

use eest::{Case, FullState};
pub(crate) use guest::{BlockProfile, GuestRunner};

/// How many ancestor headers a block may ask BLOCKHASH about.
const BLOCKHASH_WINDOW: usize = 256;

/// The outcome of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct CaseOutcome {
    pub(crate) name: String,
    pub(crate) passed: bool,
    /// Why it failed (empty when it passed).
    pub(crate) reason: String,
    pub(crate) blocks: usize,
    pub(crate) invalid_blocks: usize,
    /// Cycles of each block in the guest (empty without the VM).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) cycles: Vec<u64>,
    /// Each block's cycle profile (empty unless profiling).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) profiles: Vec<BlockProfile>,
}

/// Runs every case under `dir`, natively and, given a `guest`, also in the VM.
pub(crate) fn run_dir(dir: &Path, guest: Option<&GuestRunner>) -> anyhow::Result<Vec<CaseOutcome>> {
    let cases = eest::read_cases(dir)?;
    Ok(cases.into_iter().map(|(name, case)| run_case(name, &case, guest)).collect())
}

fn run_case(name: String, case: &Case, guest: Option<&GuestRunner>) -> CaseOutcome {
    let invalid_blocks = case.blocks.iter().filter(|b| b.expect_exception.is_some()).count();
    let mut outcome = CaseOutcome {
        name,
        passed: false,
        reason: String::new(),
        blocks: case.blocks.len(),
        invalid_blocks,
        cycles: Vec::new(),
        profiles: Vec::new(),
    };
    let (mut cycles, mut profiles) = (Vec::new(), Vec::new());
    let result = drive(case, &mut |index, input, result| {
        if let Some(guest) = guest {
            let run =
                guest.check(input, result).with_context(|| format!("block {index} in the VM"))?;
            cycles.push(run.summary.cycles);
            profiles.extend(run.profile);
        }
        Ok(())
    });
    match result {
        Ok(()) => outcome.passed = true,
        Err(e) => outcome.reason = format!("{e:#}"),
    }
    (outcome.cycles, outcome.profiles) = (cycles, profiles);
    outcome
}

/// What [`drive`] hands each block to: its index, its guest input, and the native
/// validator's verdict.
pub(crate) type BlockHook<'a> = dyn FnMut(usize, &GuestInput, &Result<ValidatedBlock, ValidationError>) -> anyhow::Result<()>
    + 'a;

/// Validates the case's blocks in order, handing each to `on_block` (the VM check, or a
/// test's own); `Err` says the first divergence.
pub(crate) fn drive(case: &Case, on_block: &mut BlockHook<'_>) -> anyhow::Result<()> {
    let chain = ChainConfig::new(eest::chain_id(case)?, eest::fork(case)?);
    let genesis = eest::genesis_header(case)?;
    let (mut state, root) = FullState::from_pre(&case.pre)?;
    if root != genesis.state_root {
        anyhow::bail!(
            "pre-state root {root} differs from the genesis header's {}",
            genesis.state_root
        );
    }
    let mut chain_headers: Vec<Header> = vec![genesis];
    for (index, block) in case.blocks.iter().enumerate() {
        let Some(parent) = chain_headers.last().cloned() else { anyhow::bail!("no parent") };
        let ancestors: Vec<Header> =
            chain_headers.iter().rev().skip(1).take(BLOCKHASH_WINDOW).cloned().collect();
        let input = state.input(chain, block.rlp.clone(), parent, ancestors);
        let result = stateless::validate_block(&input);
        on_block(index, &input, &result)?;
        match (&block.expect_exception, result) {
            (None, Ok(validated)) => {
                state.add_nodes(validated.post_state.resolved_nodes());
                state.add_codes(validated.new_codes);
                chain_headers.push(validated.header);
            }
            (None, Err(e)) => anyhow::bail!("block {index} rejected: {e}"),
            (Some(expected), Ok(_)) => anyhow::bail!("block {index} accepted, expected {expected}"),
            (Some(expected), Err(e)) => {
                if !error_matches(expected, &e) {
                    anyhow::bail!("block {index} rejected with the wrong kind of error: expected {expected}, got {e}");
                }
            }
        }
    }
    let head = chain_headers.last().map(Header::hash_slow).unwrap_or(B256::ZERO);
    if head != case.lastblockhash {
        anyhow::bail!("head {head} differs from lastblockhash {}", case.lastblockhash);
    }
    Ok(())
}

/// Whether `error` is the kind of rejection the fixture's exception names: a
/// transaction exception is a rejected transaction, a block exception names a header
/// check (any of `|`-separated alternatives may match).
fn error_matches(expected: &str, error: &ValidationError) -> bool {
    use stateless::HeaderField as F;
    expected.split('|').any(|kind| {
        let kind = kind.trim();
        // alloy's type-4 transaction has no creation form: such a transaction cannot
        // be decoded, so the block is rejected at decoding.
        if kind == "TransactionException.TYPE_4_TX_CONTRACT_CREATION" {
            return matches!(error, ValidationError::BlockDecode(_));
        }
        if kind.starts_with("TransactionException.") {
            return matches!(error, ValidationError::Execution(_) | ValidationError::Sender(_));
        }
        let field = match kind.trim_start_matches("BlockException.") {
            "INVALID_BASEFEE_PER_GAS" => F::BaseFee,
            "INVALID_STATE_ROOT" => F::StateRoot,
            "INVALID_RECEIPTS_ROOT" => F::ReceiptsRoot,
            "INVALID_LOG_BLOOM" => F::LogsBloom,
            "INVALID_GAS_USED" | "GAS_USED_OVERFLOW" => F::GasUsed,
            "INVALID_REQUESTS" => F::RequestsHash,
            "INCORRECT_BLOB_GAS_USED" => F::BlobGasUsed,
            "INCORRECT_EXCESS_BLOB_GAS" => F::ExcessBlobGas,
            _ => return false,
        };
        matches!(error, ValidationError::Header { field: f, .. } if *f == field)
    })
}

impl FullState {
    /// The guest input of `block` on this state, whose witness is the whole state.
    fn input(
        &self,
        chain: ChainConfig,
        block: alloy_primitives::Bytes,
        parent: Header,
        ancestors: Vec<Header>,
    ) -> GuestInput {
        GuestInput {
            chain,
            block,
            parent,
            state: self.nodes.values().cloned().collect(),
            codes: self.codes.values().cloned().collect(),
            ancestors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{keccak256, Bytes};
    use stateless::mpt::TrieError;

    /// The first block of a fixture case that calls contracts, with its witness.
    fn fixture_input() -> GuestInput {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/blockchain_tests/cancun/eip1153_tstore");
        let cases = eest::read_cases(&dir).expect("fixture reads");
        let (_, case) = cases
            .into_iter()
            .find(|(_, case)| case.pre.values().any(|a| !a.code.is_empty()))
            .expect("a case with contracts");
        let chain = ChainConfig::new(
            eest::chain_id(&case).expect("chain id"),
            eest::fork(&case).expect("fork"),
        );
        let genesis = eest::genesis_header(&case).expect("genesis");
        let (state, _) = FullState::from_pre(&case.pre).expect("pre-state");
        state.input(chain, case.blocks[0].rlp.clone(), genesis, Vec::new())
    }

    #[test]
    fn the_untampered_witness_validates() {
        stateless::validate_block(&fixture_input()).expect("valid block");
    }

    #[test]
    fn a_missing_state_node_is_named() {
        let mut input = fixture_input();
        let root = input.parent.state_root;
        input.state.retain(|node| keccak256(node) != root);
        let error = stateless::validate_block(&input).expect_err("root node missing");
        assert_eq!(error, ValidationError::Witness(TrieError::MissingNode(root)));
    }

    #[test]
    fn a_changed_state_node_is_not_reached() {
        let mut input = fixture_input();
        let root = input.parent.state_root;
        let node =
            input.state.iter_mut().find(|node| keccak256(&node[..]) == root).expect("root node");
        let mut bytes = node.to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        *node = Bytes::from(bytes);
        let error = stateless::validate_block(&input).expect_err("root node changed");
        assert_eq!(error, ValidationError::Witness(TrieError::MissingNode(root)));
    }

    #[test]
    fn a_wrong_code_is_not_used() {
        let input = fixture_input();
        let mut rejected = 0;
        for index in 0..input.codes.len() {
            let mut tampered = input.clone();
            let hash = keccak256(&tampered.codes[index][..]);
            let mut bytes = tampered.codes[index].to_vec();
            bytes[0] ^= 0xff;
            tampered.codes[index] = Bytes::from(bytes);
            // A code the block never runs may change freely; one it runs must be missed.
            if let Err(error) = stateless::validate_block(&tampered) {
                assert_eq!(error, ValidationError::MissingCode(hash));
                rejected += 1;
            }
        }
        assert!(rejected > 0, "the block runs no code");
    }

    #[test]
    fn the_guest_commits_the_native_public_values() {
        let input = fixture_input();
        let native = stateless::validate_block(&input).expect("valid block");
        let guest = GuestRunner::new(None, false).expect("guest loads");
        let summary = guest.execute(&input).expect("guest halts").summary;
        assert_eq!(summary.exit_code, 0, "{:?}", summary.logs);
        assert_eq!(summary.output, native.public_values.commitment().to_vec());
        assert!(summary.syscalls.keccak_permute > 0, "keccak goes through the syscall");
        assert!(summary.syscalls.secp256k1_recover > 0, "senders recover through the syscall");
    }

    #[test]
    fn the_guest_halts_on_a_tampered_witness_and_commits_nothing() {
        let mut input = fixture_input();
        let root = input.parent.state_root;
        input.state.retain(|node| keccak256(node) != root);
        let expected = ValidationError::Witness(TrieError::MissingNode(root));
        let guest = GuestRunner::new(None, false).expect("guest loads");
        let summary = guest.execute(&input).expect("halts").summary;
        assert_eq!(summary.exit_code, expected.exit_code(), "{:?}", summary.logs);
        assert!(summary.output.is_empty());
        assert!(
            summary.logs.iter().any(|log| log.contains(&root.to_string())),
            "{:?}",
            summary.logs
        );
    }

    #[test]
    fn the_guest_rejects_input_that_does_not_decode() {
        let guest = GuestRunner::new(None, false).expect("guest loads");
        let summary = guest.execute_frame(&[0xc0, 0x01]).expect("halts").summary;
        let any_input_error = ValidationError::Input(alloy_rlp::Error::Overflow);
        assert_eq!(summary.exit_code, any_input_error.exit_code());
        assert!(summary.output.is_empty());
    }

    #[test]
    fn a_wrong_parent_is_named() {
        let mut input = fixture_input();
        input.parent.gas_limit += 1;
        let error = stateless::validate_block(&input).expect_err("parent changed");
        assert!(
            matches!(
                error,
                ValidationError::Header { field: stateless::HeaderField::ParentHash, .. }
            ),
            "{error}"
        );
    }
}
