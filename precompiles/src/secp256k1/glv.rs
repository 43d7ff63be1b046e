//! secp256k1's endomorphism (GLV): a scalar as two 128-bit halves, so that a multiplication
//! needs half the doublings of a plain 256-bit one.
//!
//! secp256k1 has `φ(x, y) = (β·x, y)` with `φ(P) = λ·P` for every point (β a cube root of 1
//! mod p, λ the matching one mod n). Any `u` splits as `u ≡ ±k₁ ± k₂·λ (mod n)` with
//! `k₁, k₂ < 2^128` ([`split`], the lattice basis of Gallant, Lambert and Vanstone as
//! libsecp256k1 uses it), so `u·P = k₁·(±P) + k₂·(±φ(P))`: two points over 128-bit scalars,
//! which share their 128 doublings ([`super::joint`] multiplies both of a recovery's
//! scalars this way).
//!
//! In-circuit ([`bind`]) the split is the prover's witness, and three things bind it:
//! - each `kᵢ` is two 64-bit limbs, split into bits by the multiplication itself;
//! - each sign is a bit, which picks `±R` and `±φ(R)` (`−(x, y) = (x, −y)`);
//! - `±k₁ ± k₂·λ − u ≡ 0 (mod n)`, checked on CRT integers built from the same limbs.
//!
//! As every point has order n (the curve's group has prime order), the result is `u·P`
//! whatever split the prover chose, provided it passes the check.

use circuits::Fr;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::WithSmallOrderMulGroup;
use halo2_base::halo2_proofs::halo2curves::secp256k1::Fq;
use halo2_base::utils::modulus;
use halo2_base::QuantumCell::Constant;
use halo2_base::{AssignedValue, Context};
use halo2_ecc::bigint::{CRTInteger, OverflowInteger, ProperCrtUint};
use halo2_ecc::fields::FieldChip;
use num_bigint::{BigInt, BigUint, Sign};

use super::recover::{Chips, LIMB_BITS, NUM_LIMBS};

/// Bits of each half of the split.
pub const HALF_BITS: usize = 128;
/// Bits of each limb the multiplication takes a half in.
pub const SCALAR_LIMB_BITS: usize = 64;

/// `u ≡ (−1)^k1_neg·k1 + (−1)^k2_neg·k2·λ (mod n)`, with `k1, k2 < 2^128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// |k₁|.
    pub k1: u128,
    /// Whether k₁ is negative.
    pub k1_neg: bool,
    /// |k₂|.
    pub k2: u128,
    /// Whether k₂ is negative.
    pub k2_neg: bool,
}

/// A hex integer.
fn int(hex: &str) -> BigInt {
    BigInt::parse_bytes(hex.as_bytes(), 16).expect("a hex constant")
}

/// `round(a / b)` for `a ≥ 0` and `b > 0`.
fn round_div(a: &BigInt, b: &BigInt) -> BigInt {
    (a * 2 + b) / (b * 2)
}

/// The signed integer as a sign and a magnitude below 2^128.
fn half(k: &BigInt) -> (u128, bool) {
    let (sign, magnitude) = k.clone().into_parts();
    let digits = magnitude.to_u64_digits();
    assert!(digits.len() <= 2, "a GLV half below 2^128");
    let low = u128::from(digits.first().copied().unwrap_or(0));
    let high = u128::from(digits.get(1).copied().unwrap_or(0));
    (low | (high << 64), sign == Sign::Minus)
}

/// The split of `u` (below n) along the short basis `(a₁, b₁), (a₂, b₂)` of the lattice
/// `{(a, b) : a + b·λ ≡ 0 (mod n)}`: both halves are at most `(|a₁| + |a₂|)/2 ≈ 0.64·2^128`.
pub fn split(u: &BigUint) -> Split {
    let n = BigInt::from(modulus::<Fq>());
    let u = BigInt::from(u.clone());
    let a1 = int("3086d221a7d46bcde86c90e49284eb15");
    let b1 = -int("e4437ed6010e88286f547fa90abfe4c3");
    let a2 = int("114ca50f7a8e2f3f657c1108d9d44cfd8");
    let b2 = a1.clone();
    let c1 = round_div(&(&b2 * &u), &n);
    let c2 = round_div(&(-&b1 * &u), &n);
    let k1 = &u - &c1 * &a1 - &c2 * &a2;
    let k2 = -&c1 * &b1 - &c2 * &b2;
    let (k1, k1_neg) = half(&k1);
    let (k2, k2_neg) = half(&k2);
    Split { k1, k1_neg, k2, k2_neg }
}

/// The cells of a split (for the tamper tests).
#[derive(Debug, Clone)]
pub struct SplitCells {
    /// k₁'s limbs (64 bits each, low first).
    pub k1: [AssignedValue<Fr>; 2],
    /// k₂'s limbs.
    pub k2: [AssignedValue<Fr>; 2],
    /// k₁'s sign bit.
    pub k1_neg: AssignedValue<Fr>,
    /// k₂'s sign bit.
    pub k2_neg: AssignedValue<Fr>,
}

/// One half in-circuit: its two 64-bit limbs, its sign bit, and the signed CRT integer
/// `(−1)^neg · (low + high·2^64)` in the scalar chip's limbs.
fn load_half(
    ctx: &mut Context<Fr>,
    chips: &Chips<'_>,
    magnitude: u128,
    negative: bool,
) -> ([AssignedValue<Fr>; 2], AssignedValue<Fr>, CRTInteger<Fr>) {
    let range = chips.range;
    let gate = range.gate();
    let high_value = (magnitude >> 64) as u64;
    let low = ctx.load_witness(Fr::from(magnitude as u64));
    let high = ctx.load_witness(Fr::from(high_value));
    let neg = ctx.load_witness(Fr::from(u64::from(negative)));
    gate.assert_bit(ctx, neg);
    // The CRT limbs (88, 40 and 0 bits) from the 64-bit ones: high = h₀ + h₁·2^24. The
    // multiplication bounds low and high to 64 bits, the range checks h₀ and h₁.
    let split_bits = LIMB_BITS - SCALAR_LIMB_BITS;
    let h0 = ctx.load_witness(Fr::from(high_value & ((1 << split_bits) - 1)));
    let h1 = ctx.load_witness(Fr::from(high_value >> split_bits));
    range.range_check(ctx, h0, split_bits);
    range.range_check(ctx, h1, HALF_BITS - LIMB_BITS);
    let high_again = gate.mul_add(ctx, h1, Constant(Fr::from(1u64 << split_bits)), h0);
    ctx.constrain_equal(&high_again, &high);
    let limb0 = gate.mul_add(ctx, h0, Constant(Fr::from(1u64 << 32) * Fr::from(1u64 << 32)), low);
    let zero = ctx.load_zero();
    // sign = 1 − 2·neg, applied to each limb and to the native value.
    let sign = gate.mul_add(ctx, neg, Constant(-Fr::from(2)), Constant(Fr::one()));
    let limbs: Vec<AssignedValue<Fr>> =
        [limb0, h1, zero].into_iter().map(|limb| gate.mul(ctx, limb, sign)).collect();
    debug_assert_eq!(limbs.len(), NUM_LIMBS);
    let native =
        OverflowInteger::evaluate_native(ctx, gate, limbs.iter().copied(), &chips.fq.limb_bases);
    let value = BigInt::from(magnitude) * if negative { -1 } else { 1 };
    let integer = CRTInteger::new(OverflowInteger::new(limbs, LIMB_BITS), native, value);
    ([low, high], neg, integer)
}

/// Loads the prover's `split` of `u` (below n) and binds it to `u`:
/// `±k₁ ± k₂·λ − u ≡ 0 (mod n)`. The limbs are bounded to 64 bits where the
/// multiplication ([`super::joint`]) takes them apart into bits.
pub fn bind(
    ctx: &mut Context<Fr>,
    chips: &Chips<'_>,
    u: ProperCrtUint<Fr>,
    split: Split,
) -> SplitCells {
    let fq = &chips.fq;
    let (k1, k1_neg, k1_signed) = load_half(ctx, chips, split.k1, split.k1_neg);
    let (k2, k2_neg, k2_signed) = load_half(ctx, chips, split.k2, split.k2_neg);
    let lambda = fq.load_constant(ctx, Fq::ZETA);
    let k2_lambda = fq.mul_no_carry(ctx, k2_signed, lambda);
    let sum = fq.add_no_carry(ctx, k1_signed, k2_lambda);
    let difference = fq.sub_no_carry(ctx, sum, u);
    fq.check_carry_mod_to_zero(ctx, difference);
    SplitCells { k1, k2, k1_neg, k2_neg }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField};
    use halo2_base::halo2_proofs::halo2curves::group::Curve;
    use halo2_base::halo2_proofs::halo2curves::secp256k1::{Fp, Secp256k1};
    use halo2_base::halo2_proofs::halo2curves::CurveAffine;
    use halo2_base::utils::{biguint_to_fe, fe_to_biguint};
    use rand::SeedableRng;

    fn signed(magnitude: u128, negative: bool) -> Fq {
        let k = Fq::from_u128(magnitude);
        if negative {
            -k
        } else {
            k
        }
    }

    fn recombine(s: &Split) -> Fq {
        signed(s.k1, s.k1_neg) + signed(s.k2, s.k2_neg) * Fq::ZETA
    }

    #[test]
    fn lambda_and_beta_are_one_endomorphism() {
        let g = Secp256k1::generator().to_affine();
        let coordinates = g.coordinates().unwrap();
        let image = (Secp256k1::generator() * Fq::ZETA).to_affine();
        let image = image.coordinates().unwrap();
        assert_eq!(*image.x(), *coordinates.x() * Fp::ZETA);
        assert_eq!(*image.y(), *coordinates.y());
    }

    #[test]
    fn every_split_recombines_and_fits_128_bits() {
        let n = modulus::<Fq>();
        let mut edges = vec![
            BigUint::from(0u8),
            BigUint::from(1u8),
            &n - 1u8,
            &n >> 1,
            (&n >> 1) + 1u8,
            fe_to_biguint(&Fq::ZETA),
            fe_to_biguint(&(Fq::ZETA * Fq::ZETA)),
            BigUint::from(1u8) << 128,
        ];
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        edges.extend((0..20_000).map(|_| fe_to_biguint(&Fq::random(&mut rng))));
        for u in edges {
            let s = split(&u);
            assert_eq!(recombine(&s), biguint_to_fe::<Fq>(&(&u % &n)), "split of {u:x}");
            // At most (|a₁| + |a₂|)/2 ≈ 0.636·2^128 (below 0.75·2^128).
            let bound = (1u128 << 127) + (1u128 << 126);
            assert!(s.k1 < bound && s.k2 < bound, "split of {u:x}: {s:?}");
        }
    }
}
