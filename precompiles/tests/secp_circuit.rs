//! The secp256k1 recovery circuit on honest batches: valid signatures (low and high s)
//! recover `k256`'s key, and every failure case is proved as a failure, all matching the
//! executor's answer.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod secp_support;

use precompiles::secp256k1::{SecpCall, SecpError};
use secp_support::*;

#[test]
fn valid_signatures_recover_the_signers_key_with_low_and_high_s() {
    let mut inputs = Vec::new();
    for seed in 0..2 {
        let (input, key) = signed(seed);
        assert_eq!(SecpCall::new(input).output, Some(key), "the executor agrees with k256");
        let twin = high_s(input);
        assert_eq!(SecpCall::new(twin).output, Some(key), "high s recovers the same key");
        inputs.extend([input, twin]);
    }
    let batch = batch(&inputs);
    verdict(&shape(4), &batch).unwrap();
}

#[test]
fn the_edge_sums_are_proved_doubling_and_a_zero_hash() {
    let double = doubling(7);
    let mut zero_hash = signed(8).0;
    zero_hash[..32].fill(0);
    let mut high_hash = signed(9).0;
    high_hash[..32].fill(0xff); // z ≥ n, reduced mod n as the executor does
    let inputs = [double, zero_hash, high_hash];
    for input in inputs {
        assert!(SecpCall::new(input).output.is_some());
    }
    verdict(&shape(3), &batch(&inputs)).unwrap();
}

/// Every way recovery fails, each as the executor sees it.
fn failures() -> Vec<(&'static str, [u8; 100])> {
    let (valid, _) = signed(3);
    let with = |from: usize, bytes: &[u8]| {
        let mut input = valid;
        input[from..from + bytes.len()].copy_from_slice(bytes);
        input
    };
    let n = order();
    let mut n_plus_one = n;
    n_plus_one[31] += 1;
    vec![
        ("r = 0", with(32, &[0; 32])),
        ("s = 0", with(64, &[0; 32])),
        ("r = n", with(32, &n)),
        ("s = n + 1", with(64, &n_plus_one)),
        ("r = 2^256 - 1", with(32, &[0xff; 32])),
        ("v = 2", with(96, &2u32.to_le_bytes())),
        ("v = 27", with(96, &27u32.to_le_bytes())),
        ("no point has x = r", with(32, &r_off_curve())),
        ("the recovered point is at infinity", at_infinity(4)),
    ]
}

#[test]
fn every_failure_is_proved_as_a_failure() {
    let cases = failures();
    for (name, input) in &cases {
        assert_eq!(SecpCall::new(*input).output, None, "{name}: the executor fails");
    }
    let inputs: Vec<[u8; 100]> = cases.iter().map(|(_, input)| *input).collect();
    verdict(&shape(inputs.len()), &batch(&inputs)).unwrap();
}

#[test]
fn a_batch_larger_than_the_circuit_is_refused() {
    let (input, _) = signed(1);
    let err = verdict_result(&batch(&[input, input]));
    assert!(matches!(err, Err(SecpError::BatchTooLarge { calls: 2, capacity: 1 })));
}

fn verdict_result(batch: &precompiles::secp256k1::SecpBatch) -> Result<(), SecpError> {
    let shape = shape(1);
    let mut builder = shape.builder(halo2_base::gates::circuit::CircuitBuilderStage::Mock);
    precompiles::secp256k1::circuit::synthesize(&mut builder, &shape, batch).map(|_| ())
}
