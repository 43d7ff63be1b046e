//! `Rollup.sol` and the generated verifier in an in-process EVM (revm), on the committed
//! real proof: the honest submission advances the rollup and emits `BlockProven`; every
//! wrong one reverts with its custom error and changes nothing.
#![allow(clippy::unwrap_used)]

mod support;

use alloy_primitives::{address, Address, B256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolInterface};
use contracts::artifacts::{self, MAX_RUNTIME_BYTES};
use contracts::rollup::{deploy_code, Genesis, Rollup};
use contracts::Evm;

const OPERATOR: Address = address!("0x00000000000000000000000000000000000000aa");
const STRANGER: Address = address!("0x00000000000000000000000000000000000000bb");

struct Chain {
    evm: Evm,
    verifier: Address,
}

impl Chain {
    fn new() -> Self {
        let mut evm = Evm::new();
        let verifier = evm.deploy(OPERATOR, artifacts::verifier().unwrap().bytecode).unwrap();
        Self { evm, verifier }
    }

    fn rollup(&mut self, genesis: &Genesis, program_id: B256) -> Address {
        let code = deploy_code(&artifacts::rollup().unwrap(), genesis, program_id, self.verifier);
        self.evm.deploy(OPERATOR, code).unwrap()
    }

    fn view<C: SolCall>(&mut self, rollup: Address, call: &C) -> C::Return {
        let outcome = self.evm.call(STRANGER, rollup, call.abi_encode()).unwrap();
        assert!(outcome.success);
        C::abi_decode_returns(&outcome.output).unwrap()
    }

    fn head(&mut self, rollup: Address) -> (u64, B256, B256) {
        (
            self.view(rollup, &Rollup::lastBlockNumberCall {}),
            self.view(rollup, &Rollup::lastBlockHashCall {}),
            self.view(rollup, &Rollup::lastStateRootCall {}),
        )
    }

    fn rejected(&mut self, rollup: Address, calldata: Vec<u8>) -> Rollup::RollupErrors {
        let outcome = self.evm.call(OPERATOR, rollup, calldata).unwrap();
        assert!(!outcome.success, "accepted");
        Rollup::RollupErrors::abi_decode(&outcome.output).unwrap()
    }
}

#[test]
fn the_verifier_fits_eip_170_and_checks_the_fixture_proof() {
    let f = support::load();
    let mut chain = Chain::new();
    let runtime = chain.evm.code(chain.verifier);
    assert!(!runtime.is_empty());
    assert!(runtime.len() <= MAX_RUNTIME_BYTES, "{} bytes", runtime.len());
    assert_eq!(runtime.to_vec(), artifacts::verifier().unwrap().deployed_bytecode);

    let outcome = chain.evm.call(OPERATOR, chain.verifier, f.proof.calldata.clone()).unwrap();
    assert!(outcome.success, "the verifier rejects the fixture proof");
    for offset in [0, 12 * 32, 13 * 32, 15 * 32 + 7, f.proof.calldata.len() - 1] {
        let mut tampered = f.proof.calldata.clone();
        tampered[offset] ^= 1;
        let outcome = chain.evm.call(OPERATOR, chain.verifier, tampered).unwrap();
        assert!(!outcome.success, "byte {offset} changed and the verifier still accepts");
    }
}

#[test]
fn a_real_proof_advances_the_rollup_and_a_replay_is_rejected() {
    let f = support::load();
    let mut chain = Chain::new();
    let rollup = chain.rollup(&f.genesis, f.program_id);
    assert_eq!(chain.head(rollup), (f.genesis.number, f.genesis.hash, f.genesis.state_root));

    let outcome = chain.evm.call(OPERATOR, rollup, f.calldata()).unwrap();
    assert!(outcome.success, "rejected: {:?}", Rollup::RollupErrors::abi_decode(&outcome.output));
    let pv = &f.public_values;
    assert_eq!(chain.head(rollup), (pv.blockNumber, pv.blockHash, pv.stateRoot));
    let [log] = &outcome.logs[..] else { panic!("{:?}", outcome.logs) };
    assert_eq!(log.address, rollup);
    let event = Rollup::BlockProven::decode_log_data(&log.data).unwrap();
    assert_eq!(
        (event.number, event.blockHash, event.stateRoot),
        (pv.blockNumber, pv.blockHash, pv.stateRoot)
    );
    eprintln!("submitBlockProof: {} gas in revm", outcome.gas_used);

    let replay = chain.rejected(rollup, f.calldata());
    assert_eq!(
        replay,
        Rollup::RollupErrors::BlockAlreadyProven(Rollup::BlockAlreadyProven {
            lastAccepted: pv.blockNumber,
            found: pv.blockNumber
        })
    );
    assert_eq!(chain.head(rollup), (pv.blockNumber, pv.blockHash, pv.stateRoot));
}

#[test]
fn each_wrong_submission_is_rejected_with_its_error_and_changes_nothing() {
    let f = support::load();
    let mut chain = Chain::new();
    for case in support::rejections(&f) {
        let rollup = chain.rollup(&case.genesis, case.program_id);
        let before = chain.head(rollup);
        assert_eq!(chain.rejected(rollup, case.calldata), case.expected, "{}", case.name);
        assert_eq!(chain.head(rollup), before, "{}", case.name);
    }
}

#[test]
fn only_the_owner_changes_the_program_and_the_old_program_is_then_refused() {
    let f = support::load();
    let mut chain = Chain::new();
    let rollup = chain.rollup(&f.genesis, f.program_id);
    let upgraded = B256::repeat_byte(0x42);
    let set = Rollup::setProgramIdCall { programId_: upgraded }.abi_encode();

    let outcome = chain.evm.call(STRANGER, rollup, set.clone()).unwrap();
    assert_eq!(
        Rollup::RollupErrors::abi_decode(&outcome.output).unwrap(),
        Rollup::RollupErrors::NotOwner(Rollup::NotOwner { caller: STRANGER })
    );

    let outcome = chain.evm.call(OPERATOR, rollup, set).unwrap();
    assert!(outcome.success);
    let [log] = &outcome.logs[..] else { panic!("{:?}", outcome.logs) };
    let event = Rollup::ProgramIdChanged::decode_log_data(&log.data).unwrap();
    assert_eq!((event.previous, event.current), (f.program_id, upgraded));
    assert_eq!(chain.view(rollup, &Rollup::programIdCall {}), upgraded);
    assert_eq!(
        chain.rejected(rollup, f.calldata()),
        Rollup::RollupErrors::WrongProgram(Rollup::WrongProgram {
            expected: upgraded,
            found: f.program_id
        })
    );

    let hand_over = Rollup::transferOwnershipCall { newOwner: STRANGER }.abi_encode();
    assert!(chain.evm.call(OPERATOR, rollup, hand_over).unwrap().success);
    assert_eq!(chain.view(rollup, &Rollup::ownerCall {}), STRANGER);
    let back = Rollup::setProgramIdCall { programId_: f.program_id }.abi_encode();
    assert!(!chain.evm.call(OPERATOR, rollup, back.clone()).unwrap().success);
    assert!(chain.evm.call(STRANGER, rollup, back).unwrap().success);
}

#[test]
fn a_rollup_without_verifier_code_is_not_deployed() {
    let f = support::load();
    let mut evm = Evm::new();
    let code = deploy_code(&artifacts::rollup().unwrap(), &f.genesis, f.program_id, STRANGER);
    let error = evm.deploy(OPERATOR, code).unwrap_err();
    let expected = alloy_primitives::hex::encode(SolError::abi_encode(&Rollup::NoVerifierCode {
        verifier: STRANGER,
    }));
    assert!(error.to_string().contains(&expected), "{error}");
}
