//! What the revm and anvil tests share: the fixture loaded once, and the wrong
//! submissions, each with the custom error `Rollup.sol` must answer it with.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use alloy_primitives::{keccak256, B256, U256};
use alloy_sol_types::SolCall;
use contracts::rollup::{program_id_word, Genesis, Rollup};
use contracts::{fixture, proof_bytes, submit_calldata};
use prover::Proof;

/// The fixture's proof, its public values and where its rollup starts.
pub struct Fixture {
    pub proof: Proof,
    pub public_values: stateless::PublicValues,
    pub genesis: Genesis,
    pub program_id: B256,
}

pub fn load() -> Fixture {
    let proof = fixture::proof().unwrap();
    let program_id = program_id_word(&proof);
    Fixture {
        proof,
        public_values: fixture::public_values(),
        genesis: fixture::genesis(),
        program_id,
    }
}

impl Fixture {
    /// The calldata of the fixture's honest submission.
    pub fn calldata(&self) -> Vec<u8> {
        submit_calldata(&self.public_values, &self.proof).unwrap()
    }
}

/// A wrong submission to a fresh rollup.
pub struct Case {
    pub name: &'static str,
    /// Where the rollup starts.
    pub genesis: Genesis,
    /// The program it pins.
    pub program_id: B256,
    /// The submission.
    pub calldata: Vec<u8>,
    /// The error it must revert with.
    pub expected: Rollup::RollupErrors,
}

fn call(pv: &stateless::PublicValues, proof: Vec<u8>) -> Vec<u8> {
    Rollup::submitBlockProofCall { pv: pv.into(), proof: proof.into() }.abi_encode()
}

/// Every wrong submission but the replay (which needs an accepted block first).
pub fn rejections(f: &Fixture) -> Vec<Case> {
    let pv = &f.public_values;
    let honest = proof_bytes(&f.proof);
    let other_program = keccak256(b"another program");
    let mut cases = Vec::new();
    let base = |name, genesis, program_id, calldata, expected| Case {
        name,
        genesis,
        program_id,
        calldata,
        expected,
    };

    cases.push(base(
        "a proof of another program",
        f.genesis,
        other_program,
        f.calldata(),
        Rollup::RollupErrors::WrongProgram(Rollup::WrongProgram {
            expected: other_program,
            found: f.program_id,
        }),
    ));
    let mut relabelled = honest.clone();
    relabelled[12 * 32..13 * 32].copy_from_slice(other_program.as_slice());
    cases.push(base(
        "a proof of another program relabelled with the pinned one",
        f.genesis,
        other_program,
        call(pv, relabelled),
        Rollup::RollupErrors::InvalidProof(Rollup::InvalidProof {}),
    ));
    let wrong_parent = Genesis { hash: keccak256(b"another parent"), ..f.genesis };
    cases.push(base(
        "the same proof on a wrong parent",
        wrong_parent,
        f.program_id,
        f.calldata(),
        Rollup::RollupErrors::WrongParentHash(Rollup::WrongParentHash {
            expected: wrong_parent.hash,
            found: pv.parentHash,
        }),
    ));
    let wrong_pre_state = Genesis { state_root: keccak256(b"another state"), ..f.genesis };
    cases.push(base(
        "the same proof on a wrong parent state",
        wrong_pre_state,
        f.program_id,
        f.calldata(),
        Rollup::RollupErrors::WrongParentStateRoot(Rollup::WrongParentStateRoot {
            expected: wrong_pre_state.state_root,
            found: pv.parentStateRoot,
        }),
    ));
    let behind = Genesis { number: f.genesis.number - 1, ..f.genesis };
    cases.push(base(
        "a block number gap",
        behind,
        f.program_id,
        f.calldata(),
        Rollup::RollupErrors::BlockGap(Rollup::BlockGap {
            expected: f.genesis.number,
            found: pv.blockNumber,
        }),
    ));
    let other_chain = Genesis { chain_id: f.genesis.chain_id + 1, ..f.genesis };
    cases.push(base(
        "another chain",
        other_chain,
        f.program_id,
        f.calldata(),
        Rollup::RollupErrors::WrongChain(Rollup::WrongChain {
            expected: other_chain.chain_id,
            found: pv.chainId,
        }),
    ));
    let mut flipped = honest.clone();
    flipped[13 * 32 + 100] ^= 1;
    cases.push(base(
        "a tampered proof byte",
        f.genesis,
        f.program_id,
        call(pv, flipped),
        Rollup::RollupErrors::InvalidProof(Rollup::InvalidProof {}),
    ));
    let mut limb = honest.clone();
    limb[31] ^= 1;
    cases.push(base(
        "a tampered accumulator limb",
        f.genesis,
        f.program_id,
        call(pv, limb),
        Rollup::RollupErrors::InvalidProof(Rollup::InvalidProof {}),
    ));
    let mut tampered = pv.clone();
    tampered.stateRoot = keccak256(b"another post-state");
    cases.push(base(
        "a tampered public value",
        f.genesis,
        f.program_id,
        call(&tampered, honest.clone()),
        Rollup::RollupErrors::InvalidProof(Rollup::InvalidProof {}),
    ));
    cases.push(base(
        "a truncated proof",
        f.genesis,
        f.program_id,
        call(pv, honest[..100].to_vec()),
        Rollup::RollupErrors::MalformedProof(Rollup::MalformedProof { length: U256::from(100) }),
    ));
    cases
}
