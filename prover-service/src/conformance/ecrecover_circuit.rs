//! The EEST ecrecover fixtures through the secp256k1 circuit: every SECP256K1_RECOVER call
//! the `block-validator` guest makes on them (transaction senders and calls to the
//! ecrecover precompile, valid and invalid signatures, the point at infinity) is checked
//! against revm's ecrecover precompile and then proved by the circuit (MockProver).

use std::path::PathBuf;

use abi::io::InputBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::dev::MockProver;
use precompiles::secp256k1::circuit::synthesize;
use precompiles::secp256k1::{SecpBatch, SecpCall, SecpShape};
use precompiles::Fr;
use vm::trace::PrecompileCall;
use vm::{ExecutorConfig, Program};

use super::{drive, eest};

const FIXTURES: [&str; 4] = [
    "stPreCompiledContracts2/CallEcrecover0.json",
    "stPreCompiledContracts2/CallEcrecover0_completeReturnValue.json",
    "stPreCompiledContracts2/CallEcrecoverInvalidSignature.json",
    "stTransactionTest/PointAtInfinityECRecover.json",
];

/// Every distinct recovery the guest makes on the fixtures' blocks, in order.
fn recoveries() -> Vec<SecpCall> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/blockchain_tests/static/state_tests");
    let program = Program::from_elf(guests::BLOCK_VALIDATOR_ELF).expect("guest loads");
    let mut calls: Vec<SecpCall> = Vec::new();
    for fixture in FIXTURES {
        for (name, case) in eest::read_cases(&root.join(fixture)).expect("fixture reads") {
            drive(&case, &mut |_, input, _| {
                let mut stream = InputBuilder::new();
                stream.write_bytes(&input.to_bytes())?;
                let (_, records) =
                    vm::trace_program(&program, &stream.into_bytes(), &ExecutorConfig::default())?;
                for (index, call) in records.iter().flat_map(|r| &r.precompile_calls).enumerate() {
                    if matches!(call, PrecompileCall::Secp256k1Recover { .. }) {
                        let call = SecpCall::from_trace(call, index)?;
                        if !calls.contains(&call) {
                            calls.push(call);
                        }
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
    calls
}

/// revm's answer for the call (the 20-byte address, or nothing), through the ecrecover
/// precompile's own input format (hash ‖ v + 27 ‖ r ‖ s).
fn revm_address(call: &SecpCall) -> Option<Vec<u8>> {
    let mut input = [0u8; 128];
    input[..32].copy_from_slice(&call.input[..32]);
    input[63] = call.input[96] + 27;
    input[64..128].copy_from_slice(&call.input[32..96]);
    let out = revm::precompile::secp256k1::ec_recover_run(&input, 10_000).expect("gas");
    (!out.bytes.is_empty()).then(|| out.bytes[12..].to_vec())
}

#[test]
fn the_fixtures_recoveries_agree_with_revm_and_are_proved() {
    let calls = recoveries();
    let failures = calls.iter().filter(|c| c.output.is_none()).count();
    eprintln!("{} distinct recoveries, {failures} failing", calls.len());
    assert!(calls.len() >= 4 && failures >= 1, "{} recoveries, {failures} failing", calls.len());
    for call in &calls {
        let v =
            u32::from_le_bytes([call.input[96], call.input[97], call.input[98], call.input[99]]);
        if v <= 1 {
            let ours = call.output.map(|key| alloy_primitives::keccak256(key)[12..].to_vec());
            assert_eq!(ours, revm_address(call), "the executor and revm disagree");
        }
    }
    let shape = SecpShape::new(20, calls.len());
    let batch = SecpBatch::new(calls, Fr::zero());
    let mut builder = shape.builder(CircuitBuilderStage::Mock);
    synthesize(&mut builder, &shape, &batch).expect("the batch fits");
    builder.calculate_params(Some(20));
    let instances = vec![vec![batch.chain_start(), batch.chain_end()]];
    MockProver::run(shape.k, &builder, instances).expect("mock").assert_satisfied();
}
