//! A recovery's `Q = u₁·R + u₂·G` as one multiplication of four points over 128-bit
//! scalars: both scalars split through the endomorphism ([`super::glv`]), so
//! `Q = k₁·(±R) + k₂·(±φ(R)) + k₃·(±G) + k₄·(±φ(G))`, with every point sharing the same 128
//! doublings (Straus, 4-bit windows).
//!
//! Each window doubles the accumulator three times, then doubles and adds `R`'s entry in
//! one step (`ec_double_and_add_unequal`, one slope fewer than a doubling and an addition),
//! then adds the other three entries. `R`'s tables are built in-circuit; `G`'s and `φ(G)`'s
//! are constants, negated by the scalar's sign.
//!
//! **Offsets.** No table holds the point at infinity, and the accumulator never meets one
//! of its entries, because every entry and the accumulator carry offsets:
//! - a random point `A` that the prover draws for each proof (halo2-ecc's
//!   `multi_scalar_multiply` does the same): `R`'s tables start at `(1 − 2^4)·A` and
//!   `(1 − 2^4)·2A`, so a window adds `−45·A` and the accumulator's `3·A` stays `3·A`
//!   through `16·acc + …`;
//! - two fixed points `O₁`, `O₂` (nothing-up-my-sleeve: [`offset_point`]) under the constant
//!   tables, `O + j·P`: a window adds `s₃·O₁ + s₄·O₂` (the signs of k₃, k₄), so the
//!   accumulator carries `K = −(s₃·O₁ + s₄·O₂)/15`, which `16·K + s₃·O₁ + s₄·O₂ = K` keeps.
//!
//! The accumulator starts at `3·A + K` and ends at `3·A + K + Q`; `ec_sub_strict` takes
//! the start off, giving `(0, 0)` for `Q = ∞`. A user who knows the constants cannot steer
//! the accumulator onto an entry, as it carries the prover's fresh `A`; a prover who
//! chooses `A` badly gets no proof rather than a wrong one, as every addition is strict
//! (it refuses equal x).

use circuits::Fr;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::ff::{Field, WithSmallOrderMulGroup};
use halo2_base::halo2_proofs::halo2curves::group::Curve;
use halo2_base::halo2_proofs::halo2curves::secp256k1::{Fp, Fq, Secp256k1, Secp256k1Affine};
use halo2_base::halo2_proofs::halo2curves::CurveAffine;
use halo2_base::utils::biguint_to_fe;
use halo2_base::{AssignedValue, Context};
use halo2_ecc::bigint::ProperCrtUint;
use halo2_ecc::ecc::{
    ec_add_unequal, ec_double, ec_double_and_add_unequal, ec_select, ec_sub_strict, ec_sub_unequal,
    into_strict_point, load_random_point, strict_ec_select_from_bits, EcPoint, StrictEcPoint,
};
use halo2_ecc::fields::{fp::FpChip, FieldChip, Selectable};
use num_bigint::BigUint;

use super::call::is_odd;
use super::glv::{SplitCells, HALF_BITS, SCALAR_LIMB_BITS};
use super::recover::{Chips, WINDOW_BITS};

type Point = EcPoint<Fr, ProperCrtUint<Fr>>;
type Strict<'a> = StrictEcPoint<Fr, FpChip<'a, Fr, Fp>>;

/// Entries of a window's table.
const TABLE: usize = 1 << WINDOW_BITS;
/// Windows of a 128-bit half.
const WINDOWS: usize = HALF_BITS / WINDOW_BITS;
/// Points whose tables are built in-circuit (`±R`, `±φ(R)`).
const VARIABLE_POINTS: usize = 2;
/// The labels of the constant tables' offsets (`O₁` under `G`, `O₂` under `φ(G)`). They
/// differ in their first byte, so the searches from them ([`offset_point`]) start far apart.
const OFFSET_LABELS: [&[u8]; 2] =
    [b"O1 of zk-rollup-prover secp256k1", b"O2 of zk-rollup-prover secp256k1"];

/// The first curve point whose x is at least the big-endian integer of `label`, with an
/// even y. Nobody knows its discrete logarithm to any other point.
pub fn offset_point(label: &[u8]) -> Secp256k1Affine {
    let mut x: Fp = biguint_to_fe(&BigUint::from_bytes_be(label));
    loop {
        let t = x.square() * x + Fp::from(7);
        if let Some(y) = Option::<Fp>::from(t.sqrt()) {
            let y = if is_odd(&y) { -y } else { y };
            return Secp256k1Affine::from_xy(x, y).expect("y² = x³ + 7");
        }
        x += Fp::ONE;
    }
}

/// `φ(G) = λ·G`.
fn generator_image() -> Secp256k1Affine {
    let g = Secp256k1Affine::generator();
    let c = g.coordinates().expect("the generator is a curve point");
    Secp256k1Affine::from_xy(*c.x() * Fp::ZETA, *c.y()).expect("φ maps the curve to itself")
}

/// `offset + j·base` for every entry `j`.
fn constant_table(offset: Secp256k1Affine, base: Secp256k1Affine) -> Vec<Secp256k1Affine> {
    let mut entry = Secp256k1::from(offset);
    (0..TABLE)
        .map(|_| {
            let affine = entry.to_affine();
            entry += base;
            affine
        })
        .collect()
}

/// The accumulator's constant part `K = −(s₁·O₁ + s₂·O₂)/15` for the signs
/// (`negative₁`, `negative₂`).
fn constant_offset(offsets: [Secp256k1Affine; 2], negative: [bool; 2]) -> Secp256k1Affine {
    let signed = |point: Secp256k1Affine, negative: bool| {
        let point = Secp256k1::from(point);
        if negative {
            -point
        } else {
            point
        }
    };
    let per_window = signed(offsets[0], negative[0]) + signed(offsets[1], negative[1]);
    let fifteen_inverse = Fq::from((TABLE - 1) as u64).invert().expect("15 is not 0 mod n");
    (per_window * -fifteen_inverse).to_affine()
}

fn load_constant_point(
    ctx: &mut Context<Fr>,
    fp: &FpChip<'_, Fr, Fp>,
    point: Secp256k1Affine,
) -> Point {
    let c = point.coordinates().expect("a table holds no point at infinity");
    EcPoint::new(fp.load_constant(ctx, *c.x()), fp.load_constant(ctx, *c.y()))
}

/// The 128 bits of a half, low first; taking its two limbs apart bounds them to 64 bits.
fn half_bits(
    ctx: &mut Context<Fr>,
    chips: &Chips<'_>,
    limbs: &[AssignedValue<Fr>; 2],
) -> Vec<AssignedValue<Fr>> {
    limbs
        .iter()
        .flat_map(|limb| chips.range.gate().num_to_bits(ctx, *limb, SCALAR_LIMB_BITS))
        .collect()
}

/// Window `index` of `bits` (window 0 holds the most significant bits), low bit first.
fn window(bits: &[AssignedValue<Fr>], index: usize) -> &[AssignedValue<Fr>] {
    let end = HALF_BITS - WINDOW_BITS * index;
    &bits[end - WINDOW_BITS..end]
}

/// `(−1)^negative · point`.
fn signed<'a>(
    ctx: &mut Context<Fr>,
    fp: &FpChip<'a, Fr, Fp>,
    point: Strict<'a>,
    negative: AssignedValue<Fr>,
) -> Strict<'a> {
    let minus_y = fp.negate(ctx, point.y.clone());
    let y = fp.select(ctx, minus_y, point.y, negative);
    StrictEcPoint::new(point.x, y)
}

/// `u₁·R + u₂·G` for the bound splits of `u₁` (`variable`) and `u₂` (`fixed`), or `(0, 0)`
/// where it is the point at infinity. `r_point` must be a curve point.
pub fn multiply(
    ctx: &mut Context<Fr>,
    chips: &Chips<'_>,
    r_point: Point,
    variable: &SplitCells,
    fixed: &SplitCells,
) -> Point {
    let fp = &chips.fp;

    // ±R and ±φ(R) = (β·x, ±y).
    let beta = fp.load_constant(ctx, Fp::ZETA);
    let x_beta = fp.mul(ctx, r_point.x.clone(), beta);
    let minus_y = fp.negate(ctx, r_point.y.clone());
    let y1 = fp.select(ctx, minus_y.clone(), r_point.y.clone(), variable.k1_neg);
    let y2 = fp.select(ctx, minus_y, r_point.y.clone(), variable.k2_neg);
    let variable_points = [EcPoint::new(r_point.x, y1), EcPoint::new(x_beta, y2)];

    // A, 2A, …, 2^(2 + 4 − 1)·A.
    let a = load_random_point::<Fr, FpChip<'_, Fr, Fp>, Secp256k1Affine>(fp, ctx);
    let mut multiples = vec![a];
    for i in 1..VARIABLE_POINTS + WINDOW_BITS {
        let doubled = ec_double(fp, ctx, &multiples[i - 1]);
        multiples.push(doubled);
    }
    // Table i: (1 − 2^4)·2^i·A + j·Pᵢ.
    let variable_tables: Vec<Vec<Strict<'_>>> = variable_points
        .into_iter()
        .enumerate()
        .map(|(i, point)| {
            let first = ec_sub_unequal(fp, ctx, &multiples[i], &multiples[i + WINDOW_BITS], true);
            let point = into_strict_point(fp, ctx, point);
            let mut table = vec![into_strict_point(fp, ctx, first)];
            for _ in 1..TABLE {
                let previous = table.last().expect("the first entry").clone();
                let next = ec_add_unequal(fp, ctx, previous, &point, true);
                table.push(into_strict_point(fp, ctx, next));
            }
            table
        })
        .collect();

    let offsets = OFFSET_LABELS.map(offset_point);
    let constant_tables: Vec<Vec<Strict<'_>>> = [Secp256k1Affine::generator(), generator_image()]
        .into_iter()
        .zip(offsets)
        .map(|(base, offset)| {
            constant_table(offset, base)
                .into_iter()
                .map(|entry| {
                    let point = load_constant_point(ctx, fp, entry);
                    into_strict_point(fp, ctx, point)
                })
                .collect()
        })
        .collect();

    // The start, 3·A + K, with K picked by the signs of k₃ and k₄.
    let three_a = ec_sub_unequal(fp, ctx, &multiples[VARIABLE_POINTS], &multiples[0], true);
    let k_for = |ctx: &mut Context<Fr>, negative_1: bool| {
        let [positive, negative] = [false, true].map(|negative_2| {
            load_constant_point(ctx, fp, constant_offset(offsets, [negative_1, negative_2]))
        });
        ec_select(fp, ctx, negative, positive, fixed.k2_neg)
    };
    let k_if_positive = k_for(ctx, false);
    let k_if_negative = k_for(ctx, true);
    let correction = ec_select(fp, ctx, k_if_negative, k_if_positive, fixed.k1_neg);
    let start = ec_add_unequal(fp, ctx, &three_a, correction, true);

    let bits = [&variable.k1, &variable.k2, &fixed.k1, &fixed.k2]
        .map(|limbs| half_bits(ctx, chips, limbs));
    let constant_signs = [fixed.k1_neg, fixed.k2_neg];
    let mut acc = start.clone();
    for index in 0..WINDOWS {
        for _ in 1..WINDOW_BITS {
            acc = ec_double(fp, ctx, acc);
        }
        let entry =
            strict_ec_select_from_bits(fp, ctx, &variable_tables[0], window(&bits[0], index));
        acc = ec_double_and_add_unequal(fp, ctx, acc, entry, true);
        let entry =
            strict_ec_select_from_bits(fp, ctx, &variable_tables[1], window(&bits[1], index));
        acc = ec_add_unequal(fp, ctx, acc, entry, true);
        for (table, (bits, negative)) in
            constant_tables.iter().zip(bits[2..].iter().zip(constant_signs))
        {
            let entry = strict_ec_select_from_bits(fp, ctx, table, window(bits, index));
            let entry = signed(ctx, fp, entry, negative);
            acc = ec_add_unequal(fp, ctx, acc, entry, true);
        }
    }
    ec_sub_strict(fp, ctx, acc, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constant_offset_is_kept_by_a_window() {
        let offsets = OFFSET_LABELS.map(offset_point);
        assert_ne!(offsets[0], offsets[1]);
        for negative in [[false, false], [false, true], [true, false], [true, true]] {
            let k = Secp256k1::from(constant_offset(offsets, negative));
            let sign = |n: bool| if n { -Fq::ONE } else { Fq::ONE };
            let added = Secp256k1::from(offsets[0]) * sign(negative[0])
                + Secp256k1::from(offsets[1]) * sign(negative[1]);
            assert_eq!((k * Fq::from(TABLE as u64) + added).to_affine(), k.to_affine());
        }
    }

    #[test]
    fn no_constant_table_holds_the_point_at_infinity() {
        let offsets = OFFSET_LABELS.map(offset_point);
        for (offset, base) in
            offsets.into_iter().zip([Secp256k1Affine::generator(), generator_image()])
        {
            let table = constant_table(offset, base);
            assert_eq!(table.len(), TABLE);
            assert!(table
                .iter()
                .all(|p| bool::from(p.is_on_curve()) && p.coordinates().is_some().into()));
            assert_eq!(
                Secp256k1::from(table[3]),
                Secp256k1::from(offset) + Secp256k1::from(base) * Fq::from(3)
            );
        }
        assert_eq!(Secp256k1::from(generator_image()), Secp256k1::generator() * Fq::ZETA);
    }
}
