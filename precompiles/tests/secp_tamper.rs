//! The secp256k1 circuit refuses every false claim: a failure claimed for a valid
//! signature, a key claimed for an invalid one, a dishonest prover's other square root or
//! curve flag, and one changed cell in each checked value (the key, R's y and its parity,
//! the range flags, the infinity flag, the success flag and the chain).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod secp_support;

use halo2_base::halo2_proofs::dev::VerifyFailure;
use halo2_base::halo2_proofs::halo2curves::secp256k1::Fp;
use precompiles::secp256k1::call::Hints;
use precompiles::secp256k1::{SecpBatch, SecpCall};
use precompiles::Fr;
use secp_support::*;

fn one(call: SecpCall) -> SecpBatch {
    SecpBatch::new(vec![call], Fr::from(5))
}

fn refused(result: &Result<(), Vec<VerifyFailure>>, what: &str) {
    assert!(result.is_err(), "{what}: accepted");
}

#[test]
fn a_failure_claimed_for_a_valid_signature_is_refused() {
    let (input, _) = signed(11);
    refused(&verdict(&shape(1), &one(SecpCall { input, output: None })), "failure claimed");
}

#[test]
fn a_key_claimed_for_an_invalid_signature_is_refused() {
    let (_, key) = signed(12);
    let mut r_zero = signed(12).0;
    r_zero[32..64].fill(0);
    let mut off_curve = signed(12).0;
    off_curve[32..64].copy_from_slice(&r_off_curve());
    for input in [r_zero, off_curve, at_infinity(13)] {
        assert_eq!(SecpCall::new(input).output, None);
        refused(&verdict(&shape(1), &one(SecpCall { input, output: Some(key) })), "key claimed");
    }
}

#[test]
fn a_wrong_key_is_refused() {
    let (input, mut key) = signed(14);
    key[63] ^= 1;
    refused(&verdict(&shape(1), &one(SecpCall { input, output: Some(key) })), "wrong y");
    let (input, mut key) = signed(14);
    key[0] ^= 0x80;
    refused(&verdict(&shape(1), &one(SecpCall { input, output: Some(key) })), "wrong x");
}

#[test]
fn the_other_square_root_recovers_the_other_key_and_is_refused() {
    // The key the other parity names is what a prover choosing −y would claim.
    let (input, _) = signed(15);
    let mut flipped = input;
    flipped[96] ^= 1;
    let other = SecpCall::new(flipped).output.unwrap();
    let claim = SecpCall { input, output: Some(other) };
    let negated = |_: usize, call: &SecpCall| {
        let honest = call.hints();
        Hints { y: -honest.y, ..honest }
    };
    refused(&verdict_full(&shape(1), &one(claim), negated, |_| Vec::new()), "other root");
}

#[test]
fn a_false_curve_flag_is_refused() {
    // A valid signature claimed to have no point at x = r (so: failure).
    let (input, _) = signed(16);
    let off = |_: usize, _: &SecpCall| Hints { on_curve: false, y: Fp::from(3) };
    let claim = SecpCall { input, output: None };
    refused(&verdict_full(&shape(1), &one(claim), off, |_| Vec::new()), "no point claimed");
    // An r with no point, claimed to have one (with any y).
    let mut input = signed(16).0;
    input[32..64].copy_from_slice(&r_off_curve());
    let on = |_: usize, _: &SecpCall| Hints { on_curve: true, y: Fp::from(3) };
    let call = SecpCall::new(input);
    refused(&verdict_full(&shape(1), &one(call), on, |_| Vec::new()), "a point claimed");
}

/// The verdict on one honest call of `input` with one cell changed.
fn tampered(
    input: [u8; 100],
    cell: impl Fn(&precompiles::secp256k1::recover::CallCells) -> halo2_base::AssignedValue<Fr>,
) {
    let batch = one(SecpCall::new(input));
    let result = verdict_with(&shape(1), &batch, |cells| {
        let target = cell(&cells.calls[0]);
        vec![(target, *target.value() + Fr::one())]
    });
    refused(&result, "tampered cell");
}

#[test]
fn each_checked_value_refuses_a_changed_cell() {
    let (valid, _) = signed(17);
    tampered(valid, |c| c.key_x[1]);
    tampered(valid, |c| c.output[3]);
    tampered(valid, |c| c.y_low_limb);
    tampered(valid, |c| c.parity);
    tampered(valid, |c| c.on_curve);
    tampered(valid, |c| c.success);
    tampered(valid, |c| c.input[9]);
}

#[test]
fn the_failure_flags_refuse_a_changed_cell() {
    let (valid, _) = signed(18);
    let mut r_is_n = valid;
    r_is_n[32..64].copy_from_slice(&order());
    tampered(r_is_n, |c| c.r_ok);
    let mut s_zero = valid;
    s_zero[64..96].fill(0);
    tampered(s_zero, |c| c.s_ok);
    let mut v_two = valid;
    v_two[96] = 2;
    tampered(v_two, |c| c.v_ok);
    tampered(at_infinity(19), |c| c.at_infinity);
}

#[test]
fn the_chain_refuses_a_skipped_call_and_a_wrong_end() {
    let (input, _) = signed(20);
    let batch = one(SecpCall::new(input));
    let skipped = verdict_with(&shape(1), &batch, |cells| vec![(cells.active[0], Fr::zero())]);
    refused(&skipped, "inactive slot");
    let moved = verdict_with(&shape(1), &batch, |cells| {
        vec![(cells.chain_end, *cells.chain_end.value() + Fr::one())]
    });
    refused(&moved, "chain end");
    let wrong_start = SecpBatch::new(vec![SecpCall::new(input)], Fr::from(6));
    let result =
        verdict_with(&shape(1), &wrong_start, |cells| vec![(cells.chain_start, Fr::from(5))]);
    refused(&result, "chain start");
}
