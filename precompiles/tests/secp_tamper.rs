//! The secp256k1 circuit refuses every false claim: a failure claimed for a valid
//! signature, a key claimed for an invalid one, a dishonest prover's other square root or
//! curve flag, a split of another scalar, and one changed cell in each checked value (the
//! key, R's y and its parity, both splits, the range flags, the infinity flag, the success
//! flag and the chain).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod secp_support;

use halo2_base::halo2_proofs::dev::VerifyFailure;
use halo2_base::halo2_proofs::halo2curves::ff::Field;
use halo2_base::halo2_proofs::halo2curves::group::Curve;
use halo2_base::halo2_proofs::halo2curves::secp256k1::{Fp, Fq, Secp256k1Affine};
use halo2_base::halo2_proofs::halo2curves::CurveAffine;
use halo2_base::utils::{biguint_to_fe, fe_to_biguint};
use num_bigint::BigUint;
use precompiles::secp256k1::call::Hints;
use precompiles::secp256k1::glv::split;
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
    let off = |_: usize, call: &SecpCall| Hints { on_curve: false, y: Fp::from(3), ..call.hints() };
    let claim = SecpCall { input, output: None };
    refused(&verdict_full(&shape(1), &one(claim), off, |_| Vec::new()), "no point claimed");
    // An r with no point, claimed to have one (with any y).
    let mut input = signed(16).0;
    input[32..64].copy_from_slice(&r_off_curve());
    let on = |_: usize, call: &SecpCall| Hints { on_curve: true, y: Fp::from(3), ..call.hints() };
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
fn the_endomorphism_split_refuses_a_changed_cell() {
    let (valid, _) = signed(21);
    tampered(valid, |c| c.variable_split.k1[0]);
    tampered(valid, |c| c.variable_split.k2[1]);
    tampered(valid, |c| c.variable_split.k1_neg);
    tampered(valid, |c| c.variable_split.k2_neg);
    tampered(valid, |c| c.fixed_split.k1[1]);
    tampered(valid, |c| c.fixed_split.k2[0]);
    tampered(valid, |c| c.fixed_split.k1_neg);
    tampered(valid, |c| c.fixed_split.k2_neg);
}

/// The honest key of `call` plus `point`.
fn key_plus(call: &SecpCall, point: Secp256k1Affine) -> [u8; 64] {
    let coordinate = |bytes: &[u8]| biguint_to_fe::<Fp>(&BigUint::from_bytes_be(bytes));
    let key = call.output.unwrap();
    let q = Secp256k1Affine::from_xy(coordinate(&key[..32]), coordinate(&key[32..])).unwrap();
    let sum = (q + point).to_affine();
    let sum = sum.coordinates().unwrap();
    let mut out = [0u8; 64];
    for (half, value) in out.chunks_mut(32).zip([sum.x(), sum.y()]) {
        let bytes = fe_to_biguint(value).to_bytes_be();
        half[32 - bytes.len()..].copy_from_slice(&bytes);
    }
    out
}

#[test]
fn a_split_of_another_scalar_is_refused_with_the_key_it_gives() {
    // A consistent split (bits, limbs, signs) of s/r + 1 multiplies R by s/r + 1, which
    // gives the key Q + R; only the split's check mod n tells it from the honest one.
    let (input, _) = signed(22);
    let honest = SecpCall::new(input);
    let r = Secp256k1Affine::from_xy(
        biguint_to_fe(&BigUint::from_bytes_be(&input[32..64])),
        honest.hints().y,
    )
    .unwrap();
    let claim = SecpCall { input, output: Some(key_plus(&honest, r)) };
    let other = |_: usize, call: &SecpCall| {
        let scalar = fe_to_biguint(&(call.variable_scalar() + Fq::ONE));
        Hints { variable_split: split(&scalar), ..call.hints() }
    };
    refused(&verdict_full(&shape(1), &one(claim), other, |_| Vec::new()), "other split of s/r");
}

#[test]
fn a_split_of_another_generator_scalar_is_refused_with_the_key_it_gives() {
    // The same for the generator's scalar: a split of −z/r + 1 gives the key Q + G.
    let (input, _) = signed(23);
    let honest = SecpCall::new(input);
    let claim = SecpCall { input, output: Some(key_plus(&honest, Secp256k1Affine::generator())) };
    let other = |_: usize, call: &SecpCall| {
        let scalar = fe_to_biguint(&(call.fixed_scalar() + Fq::ONE));
        Hints { fixed_split: split(&scalar), ..call.hints() }
    };
    refused(&verdict_full(&shape(1), &one(claim), other, |_| Vec::new()), "other split of −z/r");
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
