//! A real SHPLONK proof of a small segment, generated and verified natively; a proof whose
//! public inputs (exit code, memory root, output chain) are changed does not verify.
//! `make test-e2e` runs it (CI's budget keeps it out of `make test`; MockProver checks
//! every constraint there, and the tree's end-to-end proofs prove segments for real).
#![allow(clippy::unwrap_used)]

use abi::io::InputBuilder;
use circuits::chains::{Chain, Chains};
use circuits::params::dev_params;
use circuits::segment::{
    keygen, prove_segment, verify_segment, ProveError, SegmentError, SegmentPublicInputs,
    SegmentStart, MIN_SEGMENT_K,
};
use vm::ExecutorConfig;

#[test]
#[ignore = "a real 2^17-row proof, about 4 minutes on 2 cores: `make test-e2e` runs it"]
fn a_fibonacci_segment_is_proved_and_verified() {
    let k = MIN_SEGMENT_K;
    let mut input = InputBuilder::new();
    input.write(&10u32).unwrap();
    let config = ExecutorConfig { segment_po2: k, ..ExecutorConfig::default() };
    let (_, records) = vm::trace(guests::FIBONACCI_ELF, &input.into_bytes(), &config).unwrap();
    let params = dev_params(k).unwrap();
    let pk = keygen(&params, k).unwrap();
    // Below the tables' size there is no circuit: a typed error, not a panic.
    assert!(matches!(
        keygen(&params, k - 1),
        Err(ProveError::Witness(SegmentError::CircuitTooSmall(small))) if small == k - 1
    ));
    let program = vm::Program::from_elf(guests::FIBONACCI_ELF).unwrap();
    let start = SegmentStart::initial(&program);
    let proof = prove_segment(&params, &pk, &records[0], &start).unwrap();
    assert_eq!(proof.public_inputs.mem_root_start, start.memory.root());
    assert_eq!(proof.public_inputs.chains_start, Chains::initial());
    let output = proof.public_inputs.chains_end.get(Chain::Output);
    assert_ne!(output, Chains::initial().get(Chain::Output), "fibonacci commits its result");
    assert!(proof.public_inputs.halted);
    assert_eq!(proof.public_inputs.exit_code, 0);
    verify_segment(&params, pk.get_vk(), &proof).unwrap();

    let mut forged = proof.clone();
    forged.public_inputs = SegmentPublicInputs { exit_code: 1, ..proof.public_inputs };
    forged.snark.instances = vec![forged.public_inputs.to_instances()];
    assert!(verify_segment(&params, pk.get_vk(), &forged).is_err());
    // Instances that disagree with the claimed public inputs are refused outright.
    let mut mismatched = proof.clone();
    mismatched.public_inputs.pc_start += 4;
    assert!(verify_segment(&params, pk.get_vk(), &mismatched).is_err());
    // Another memory root: the proof does not verify.
    let mut forged = proof.clone();
    forged.public_inputs.mem_root_end += circuits::Fr::one();
    forged.snark.instances = vec![forged.public_inputs.to_instances()];
    assert!(verify_segment(&params, pk.get_vk(), &forged).is_err());
    // Another output chain: the proof does not verify.
    let mut forged = proof;
    forged.public_inputs.chains_end.set(Chain::Output, output + circuits::Fr::one());
    forged.snark.instances = vec![forged.public_inputs.to_instances()];
    assert!(verify_segment(&params, pk.get_vk(), &forged).is_err());
}
