//! One recovery call in-circuit, on halo2-ecc's secp256k1 chips: from the call's words to
//! its success flag and key, every failure included.
//!
//! For input `(z, r, s, v)`:
//! - `r_ok` = `0 < r < n`, `s_ok` = `0 < s < n`, `v_ok` = `v ∈ {0, 1}`, all on the raw
//!   256-bit integers of the bytes.
//! - `x` = r (the generator's x where `r` is out of range). The prover witnesses `y` and a
//!   flag `on_curve`; the circuit checks `y² = x³ + 7` if the flag is set and
//!   `y² = −(x³ + 7)` if not. As p ≡ 3 mod 4 and no point has y = 0, exactly one holds:
//!   the flag is *proved*, and with it the failure "no point has x = r".
//! - `y` is reduced and its parity equals `v` (when `v_ok` and `on_curve`), so `R = (x, y)`
//!   is the point the recovery id names. Off the curve, `R` is the generator instead, so
//!   the arithmetic below always runs on a curve point.
//! - `Q = (s/r)·R + (−z/r)·G` (mod n, with 1 in place of an out-of-range `r` or `s`): both
//!   scalars split through the endomorphism ([`super::glv`]) and multiplied in one pass
//!   over shared doublings ([`super::joint`]), which gives `(0, 0)` for `Q = ∞` and needs no
//!   case of its own for `(s/r)·R = (−z/r)·G`.
//! - `success = r_ok ∧ s_ok ∧ v_ok ∧ on_curve ∧ Q ≠ ∞`, and each output limb equals
//!   `success · Q`'s reduced limb: the key on success, zeros on failure.
//!
//! High s needs nothing: `(r, n − s, 1 − v)` names `−R` and gives the same `Q`, which is
//! the key the executor returns after normalising s.

use circuits::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::secp256k1::{Fp, Fq, Secp256k1Affine};
use halo2_base::halo2_proofs::halo2curves::CurveAffine;
use halo2_base::utils::{biguint_to_fe, decompose_biguint, fe_to_biguint, modulus};
use halo2_base::QuantumCell::{Constant, Existing};
use halo2_base::{AssignedValue, Context};
use halo2_ecc::bigint::{CRTInteger, OverflowInteger, ProperCrtUint};
use halo2_ecc::ecc::EcPoint;
use halo2_ecc::fields::{fp::FpChip, FieldChip, Selectable};
use num_bigint::BigUint;

use super::call::{Hints, SecpCall, INPUT_BYTES, OUTPUT_BYTES};
use super::glv::{self, SplitCells};
use super::joint;

/// Bits per CRT limb of the secp256k1 field elements.
pub const LIMB_BITS: usize = 88;
/// Limbs per field element (3 × 88 ≥ 256).
pub const NUM_LIMBS: usize = 3;
/// Bits per window of the joint multiplication ([`super::joint`]).
pub const WINDOW_BITS: usize = 4;

/// The chips a recovery uses.
pub struct Chips<'a> {
    /// Range checks (and the flex gate).
    pub range: &'a RangeChip<Fr>,
    /// The curve's base field (coordinates).
    pub fp: FpChip<'a, Fr, Fp>,
    /// The curve's scalar field (n).
    pub fq: FpChip<'a, Fr, Fq>,
}

impl<'a> Chips<'a> {
    /// The chips over `range`.
    pub fn new(range: &'a RangeChip<Fr>) -> Self {
        Self {
            range,
            fp: FpChip::new(range, LIMB_BITS, NUM_LIMBS),
            fq: FpChip::new(range, LIMB_BITS, NUM_LIMBS),
        }
    }
}

/// The cells of one call that the chain reads and the tamper tests name.
#[derive(Debug, Clone)]
pub struct CallCells {
    /// The 25 input words.
    pub input: Vec<AssignedValue<Fr>>,
    /// The 16 output words (the claimed key, or zeros).
    pub output: Vec<AssignedValue<Fr>>,
    /// 1 if the recovery succeeds, else 0 (computed, not claimed).
    pub success: AssignedValue<Fr>,
    /// `0 < r < n`.
    pub r_ok: AssignedValue<Fr>,
    /// `0 < s < n`.
    pub s_ok: AssignedValue<Fr>,
    /// `v ∈ {0, 1}`.
    pub v_ok: AssignedValue<Fr>,
    /// The prover's `on_curve` flag.
    pub on_curve: AssignedValue<Fr>,
    /// The lowest limb of the witnessed `y`.
    pub y_low_limb: AssignedValue<Fr>,
    /// The parity bit of `y`.
    pub parity: AssignedValue<Fr>,
    /// Whether the sum `Q` is the point at infinity.
    pub at_infinity: AssignedValue<Fr>,
    /// The limbs of the computed `Q.x` (before the success select).
    pub key_x: Vec<AssignedValue<Fr>>,
    /// The endomorphism split of `s/r`, `R`'s scalar.
    pub variable_split: SplitCells,
    /// The endomorphism split of `−z/r`, `G`'s scalar.
    pub fixed_split: SplitCells,
}

/// A word and its four bytes, little end first.
struct Word {
    word: AssignedValue<Fr>,
    bytes: [AssignedValue<Fr>; 4],
}

fn load_word(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, word: u32) -> Word {
    let bytes = word.to_le_bytes().map(|b| {
        let cell = ctx.load_witness(Fr::from(u64::from(b)));
        range.range_check(ctx, cell, 8);
        cell
    });
    let weights = [1u64, 1 << 8, 1 << 16, 1 << 24].map(|w| Constant(Fr::from(w)));
    let word = range.gate().inner_product(ctx, bytes.map(Existing), weights);
    Word { word, bytes }
}

/// The limbs (88, 88 and 80 bits, low first) of the big-endian integer of 32 bytes.
fn limbs_of(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    bytes: &[AssignedValue<Fr>],
) -> Vec<AssignedValue<Fr>> {
    let bounds = [(21, 32), (10, 21), (0, 10)];
    bounds
        .iter()
        .map(|&(from, to)| {
            let weights = (from..to).map(|j| {
                Constant(biguint_to_fe::<Fr>(&(BigUint::from(1u8) << (8 * (to - 1 - j)))))
            });
            range.gate().inner_product(ctx, bytes[from..to].iter().copied().map(Existing), weights)
        })
        .collect()
}

fn value_of(limbs: &[AssignedValue<Fr>]) -> BigUint {
    limbs
        .iter()
        .rev()
        .fold(BigUint::from(0u8), |acc, l| (acc << LIMB_BITS) + fe_to_biguint(l.value()))
}

/// A CRT integer over `limbs` (no reduction: the integer is whatever they say).
fn crt(
    ctx: &mut Context<Fr>,
    chip: &FpChip<'_, Fr, Fq>,
    limbs: Vec<AssignedValue<Fr>>,
) -> CRTInteger<Fr> {
    let value = value_of(&limbs);
    let native =
        OverflowInteger::evaluate_native(ctx, chip.gate(), limbs.iter().copied(), &chip.limb_bases);
    CRTInteger::new(OverflowInteger::new(limbs, LIMB_BITS), native, value.into())
}

/// A proper CRT integer of `chip`'s field equal to the integer of `limbs`, which must be
/// below the field's modulus.
fn proper<T: halo2_base::utils::BigPrimeField>(
    ctx: &mut Context<Fr>,
    chip: &FpChip<'_, Fr, T>,
    limbs: &[AssignedValue<Fr>],
) -> ProperCrtUint<Fr> {
    let loaded = chip.load_private(ctx, biguint_to_fe::<T>(&value_of(limbs)));
    for (a, b) in loaded.limbs().iter().zip(limbs) {
        ctx.constrain_equal(a, b);
    }
    loaded
}

/// 1 iff the integer of `limbs` is below the constant `bound` (a borrow chain, low limb
/// first; each limb below 2^88).
fn less_than(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    limbs: &[AssignedValue<Fr>],
    bound: &BigUint,
) -> AssignedValue<Fr> {
    let bound = decompose_biguint::<Fr>(bound, NUM_LIMBS, LIMB_BITS);
    let mut borrow: Option<AssignedValue<Fr>> = None;
    for (limb, b) in limbs.iter().zip(bound) {
        let lt = match borrow {
            None => range.is_less_than(ctx, *limb, Constant(b), LIMB_BITS),
            Some(borrow) => {
                let plus = range.gate().add(ctx, Constant(b), borrow);
                range.is_less_than(ctx, *limb, plus, LIMB_BITS)
            }
        };
        borrow = Some(lt);
    }
    borrow.expect("three limbs")
}

/// 1 iff `0 < integer(limbs) < n`.
fn in_scalar_range(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    limbs: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let sum = gate.sum(ctx, limbs.iter().copied());
    let zero = gate.is_zero(ctx, sum);
    let nonzero = gate.not(ctx, zero);
    let below = less_than(ctx, range, limbs, &modulus::<Fq>());
    gate.and(ctx, nonzero, below)
}

/// Limb-wise `sel ? a : constant`.
fn select_constant(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: &[AssignedValue<Fr>],
    constant: &BigUint,
    sel: AssignedValue<Fr>,
) -> Vec<AssignedValue<Fr>> {
    let constant = decompose_biguint::<Fr>(constant, NUM_LIMBS, LIMB_BITS);
    a.iter()
        .zip(constant)
        .map(|(a, c)| GateInstructions::select(range.gate(), ctx, *a, Constant(c), sel))
        .collect()
}

/// Proves one call with the prover's `hints` (the honest ones are [`SecpCall::hints`]):
/// returns its cells, with `success` and the output constrained to the recovery's true
/// answer whatever the hints.
pub fn recover_call(
    ctx: &mut Context<Fr>,
    chips: &Chips<'_>,
    call: &SecpCall,
    hints: Hints,
) -> CallCells {
    let range = chips.range;
    let gate = range.gate();
    let (fp, fq) = (&chips.fp, &chips.fq);

    let input: Vec<Word> =
        call.input_words().into_iter().map(|w| load_word(ctx, range, w)).collect();
    let input_bytes: Vec<AssignedValue<Fr>> =
        input.iter().flat_map(|w| w.bytes).collect::<Vec<_>>()[..INPUT_BYTES].to_vec();
    let z = limbs_of(ctx, range, &input_bytes[0..32]);
    let r = limbs_of(ctx, range, &input_bytes[32..64]);
    let s = limbs_of(ctx, range, &input_bytes[64..96]);
    let v = input[24].word;

    let r_ok = in_scalar_range(ctx, range, &r);
    let s_ok = in_scalar_range(ctx, range, &s);
    let v_minus_one = gate.sub(ctx, v, Constant(Fr::one()));
    let v_product = gate.mul(ctx, v, v_minus_one);
    let v_ok = gate.is_zero(ctx, v_product);

    // R: x = r (or G.x), y witnessed with its curve flag.
    let generator = Secp256k1Affine::generator();
    let g = generator.coordinates().expect("the generator is a curve point");
    let gx = fe_to_biguint(g.x());
    let x_limbs = select_constant(ctx, range, &r, &gx, r_ok);
    let x = proper(ctx, fp, &x_limbs);
    let on_curve = ctx.load_witness(Fr::from(u64::from(hints.on_curve)));
    gate.assert_bit(ctx, on_curve);
    let y = fp.load_private(ctx, hints.y);
    let y_reduced = fp.enforce_less_than(ctx, y.clone());
    let x_squared = fp.mul(ctx, x.clone(), x.clone());
    let x_cubed = fp.mul(ctx, x_squared, x.clone());
    let t = fp.add_constant_no_carry(ctx, x_cubed, Fp::from(7));
    let t = fp.carry_mod(ctx, t);
    let minus_t = fp.negate(ctx, t.clone());
    let target = fp.select(ctx, t, minus_t, on_curve);
    let y_squared = fp.mul(ctx, y.clone(), y.clone());
    fp.assert_equal(ctx, y_squared, target);

    // The parity of the reduced y is v wherever v is a recovery id and R is on the curve.
    let y_low_limb = y_reduced.inner().limbs()[0];
    let low = fe_to_biguint(y_low_limb.value());
    let parity = ctx.load_witness(Fr::from(u64::from(low.bit(0))));
    gate.assert_bit(ctx, parity);
    let half = ctx.load_witness(biguint_to_fe(&(low >> 1)));
    range.range_check(ctx, half, LIMB_BITS - 1);
    let recomposed = gate.mul_add(ctx, half, Constant(Fr::from(2)), parity);
    ctx.constrain_equal(&recomposed, &y_low_limb);
    let id_applies = gate.and(ctx, v_ok, on_curve);
    let parity_diff = gate.sub(ctx, parity, v);
    let parity_check = gate.mul(ctx, parity_diff, id_applies);
    gate.assert_is_const(ctx, &parity_check, &Fr::zero());

    let g_x = fp.load_constant(ctx, *g.x());
    let g_y = fp.load_constant(ctx, *g.y());
    let r_point = EcPoint::new(fp.select(ctx, x, g_x, on_curve), fp.select(ctx, y, g_y, on_curve));

    // Q = (s/r)·R + (−z/r)·G over n, with 1 for an out-of-range r or s.
    let one = BigUint::from(1u8);
    let r_scalar = select_constant(ctx, range, &r, &one, r_ok);
    let s_scalar = select_constant(ctx, range, &s, &one, s_ok);
    let r_scalar = crt(ctx, fq, r_scalar);
    let s_scalar = crt(ctx, fq, s_scalar);
    let z = crt(ctx, fq, z);
    let u1 = fq.divide_unsafe(ctx, s_scalar, r_scalar.clone());
    let u1 = fq.enforce_less_than(ctx, u1).inner().clone();
    let u2 = fq.neg_divide_unsafe(ctx, z, r_scalar);
    let u2 = fq.enforce_less_than(ctx, u2).inner().clone();
    let variable_split = glv::bind(ctx, chips, u1, hints.variable_split);
    let fixed_split = glv::bind(ctx, chips, u2, hints.fixed_split);
    let q = joint::multiply(ctx, chips, r_point, &variable_split, &fixed_split);
    let at_infinity = fp.is_zero(ctx, q.y.clone());
    let key_x = fp.enforce_less_than(ctx, q.x.clone()).inner().clone();
    let key_y = fp.enforce_less_than(ctx, q.y).inner().clone();

    let not_infinity = gate.not(ctx, at_infinity);
    let success = [s_ok, v_ok, on_curve, not_infinity]
        .into_iter()
        .fold(r_ok, |acc, flag| gate.and(ctx, acc, flag));

    // The output words: the key on success, zeros on failure.
    let output: Vec<Word> =
        call.output_words().into_iter().map(|w| load_word(ctx, range, w)).collect();
    let output_bytes: Vec<AssignedValue<Fr>> = output.iter().flat_map(|w| w.bytes).collect();
    debug_assert_eq!(output_bytes.len(), OUTPUT_BYTES);
    for (bytes, coordinate) in [(&output_bytes[0..32], &key_x), (&output_bytes[32..64], &key_y)] {
        let claimed = limbs_of(ctx, range, bytes);
        for (claimed, limb) in claimed.iter().zip(coordinate.limbs()) {
            let expected = gate.mul(ctx, success, *limb);
            ctx.constrain_equal(claimed, &expected);
        }
    }

    CallCells {
        input: input.iter().map(|w| w.word).collect(),
        output: output.iter().map(|w| w.word).collect(),
        success,
        r_ok,
        s_ok,
        v_ok,
        on_curve,
        y_low_limb,
        parity,
        at_infinity,
        key_x: key_x.limbs().to_vec(),
        variable_split,
        fixed_split,
    }
}
