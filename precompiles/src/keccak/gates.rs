//! The constraints of the slots, as expressions over one group's cells. Every gate is
//! switched on at a slot's first row and reads the slot's own cells and a few `V` cells
//! a fixed number of rows away (see [`super::layout`]).

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    plonk::{Advice, Column, Expression, Fixed, VirtualCells},
    poly::Rotation,
};

use super::layout::{cell_position, PermLayout, SlotKind, GROUP_COLUMNS};
use super::spec::{BASE, LANE_BITS, ROUNDS};
use circuits::Fr;
use halo2_base::halo2_proofs::halo2curves::ff::PrimeField;
use std::sync::OnceLock;

/// A named constraint.
pub(crate) type Named = (&'static str, Expression<Fr>);

/// `x` as a constant expression.
pub(crate) fn constant(x: Fr) -> Expression<Fr> {
    Expression::Constant(x)
}

/// `BASE^e` in the field (`e` up to 64).
pub(crate) fn sparse_weight(e: usize) -> Fr {
    static POWERS: OnceLock<Vec<Fr>> = OnceLock::new();
    let powers = POWERS.get_or_init(|| {
        std::iter::successors(Some(Fr::ONE), |p| Some(*p * Fr::from(BASE)))
            .take(LANE_BITS + 1)
            .collect()
    });
    powers.get(e).copied().unwrap_or_else(|| Fr::from(BASE).pow_vartime([e as u64]))
}

/// The sparse value of a digit vector: each half in integers (`7^32 < 2^90`), then one
/// field multiplication.
pub(crate) fn sparse_digits(d: &[u8; LANE_BITS]) -> Fr {
    let half = |digits: &[u8]| {
        Fr::from_u128(
            digits.iter().rev().fold(0u128, |acc, &v| acc * u128::from(BASE) + u128::from(v)),
        )
    };
    half(&d[..LANE_BITS / 2]) + half(&d[LANE_BITS / 2..]) * sparse_weight(LANE_BITS / 2)
}

/// The sparse form of `value`'s bits.
pub(crate) fn sparse(value: u64) -> Fr {
    sparse_digits(&super::spec::digits(value))
}

/// `Σ_z BASE^z`: every digit one.
pub(crate) fn ones() -> Fr {
    (0..LANE_BITS).map(sparse_weight).sum()
}

/// One group's advice columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupColumns {
    /// The parts' lookup inputs.
    pub(crate) input: [Column<Advice>; GROUP_COLUMNS],
    /// The parts' lookup outputs.
    pub(crate) output: [Column<Advice>; GROUP_COLUMNS],
    /// The slots' values.
    pub(crate) value: Column<Advice>,
}

/// The fixed columns every group shares: each cell's tag and weights, ι's constants and
/// the neighbour switches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SharedFixed {
    /// Each cell's tag (table and width; 0 for an empty cell).
    pub(crate) tag: [Column<Fixed>; GROUP_COLUMNS],
    /// Each part's weight in the slot's input.
    pub(crate) w_in: [Column<Fixed>; GROUP_COLUMNS],
    /// Each part's weight in the slot's output (rotated for ρ).
    pub(crate) w_out: [Column<Fixed>; GROUP_COLUMNS],
    /// A slot's constants, one per row of the slot: at its first row, the round constant
    /// its input adds (θ's column 0 and ρ's lane 0 from round 1 on, ι); at its second and
    /// third, which neighbour a θ or χ slot reads where `x ± 1` or `x + 2` wraps around
    /// the row of five lanes (wrap switches 0 and 1). One column, not three: each fixed
    /// column is a polynomial to commit and to verify in the aggregation tree.
    pub(crate) slot_constants: Column<Fixed>,
}

/// The row of a slot that holds its round constant.
pub(crate) const RC_ROW: usize = 0;
/// The row of a slot that holds wrap switch 0 (switch 1 is on the next row).
pub(crate) const WRAP_ROW: usize = 1;

/// Queries of one group's cells, relative to a slot's first row.
pub(crate) struct SlotCells<'a, 'b> {
    pub(crate) vc: &'a mut VirtualCells<'b, Fr>,
    pub(crate) group: GroupColumns,
    pub(crate) fixed: SharedFixed,
    pub(crate) layout: &'a PermLayout,
}

impl SlotCells<'_, '_> {
    fn cells(&self) -> usize {
        self.layout.slot_rows * GROUP_COLUMNS
    }

    /// The input cell `c` of the slot.
    pub(crate) fn input(&mut self, c: usize) -> Expression<Fr> {
        let (row, column) = cell_position(c);
        self.vc.query_advice(self.group.input[column], Rotation(row as i32))
    }

    /// The output cell `c` of the slot.
    pub(crate) fn output(&mut self, c: usize) -> Expression<Fr> {
        let (row, column) = cell_position(c);
        self.vc.query_advice(self.group.output[column], Rotation(row as i32))
    }

    /// The `V` cell `at` rows from the slot's first row.
    pub(crate) fn value(&mut self, at: i32) -> Expression<Fr> {
        self.vc.query_advice(self.group.value, Rotation(at))
    }

    fn fixed(&mut self, column: Column<Fixed>, at: i32) -> Expression<Fr> {
        self.vc.query_fixed(column, Rotation(at))
    }

    /// `Σ cell · weight` over the slot's cells for `cells` (`input` or `output`).
    fn weighted(&mut self, output: bool, keep: impl Fn(usize) -> bool) -> Expression<Fr> {
        let mut sum = constant(Fr::ZERO);
        for c in (0..self.cells()).filter(|&c| keep(c)) {
            let (row, column) = cell_position(c);
            let weights = if output { self.fixed.w_out } else { self.fixed.w_in };
            let w = self.fixed(weights[column], row as i32);
            let cell = if output { self.output(c) } else { self.input(c) };
            sum = sum + cell * w;
        }
        sum
    }

    /// The slot's input as its parts compose it.
    pub(crate) fn composed_input(&mut self) -> Expression<Fr> {
        self.weighted(false, |_| true)
    }

    /// The slot's output as its parts compose it (rotated for ρ).
    pub(crate) fn composed_output(&mut self) -> Expression<Fr> {
        self.weighted(true, |_| true)
    }

    /// The slot's round constant.
    pub(crate) fn rc(&mut self) -> Expression<Fr> {
        let column = self.fixed.slot_constants;
        self.fixed(column, RC_ROW as i32)
    }

    /// The slot's wrap switch `i`.
    pub(crate) fn wrap(&mut self, i: usize) -> Expression<Fr> {
        let column = self.fixed.slot_constants;
        self.fixed(column, (WRAP_ROW + i) as i32)
    }

    /// `(1 − s)·V[near] + s·V[far]` for wrap switch `i`.
    fn neighbour(&mut self, i: usize, near: i32, far: i32) -> Expression<Fr> {
        let s = self.wrap(i);
        let near = self.value(near);
        let far = self.value(far);
        (constant(Fr::ONE) - s.clone()) * near + s * far
    }
}

/// Every slot composes its output: `V = Σ output · w_out`.
pub(crate) fn lane_output(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let composed = cells.composed_output();
    vec![("lane output", cells.value(0) - composed)]
}

/// θ's slot for column `x`: its input is the column's sum (with ι of the previous round
/// in column 0), `V[1]` is `rot1(C[x])` from the part that holds bit 63, and `V[2]` is
/// `D[x] = C[x−1] + rot1(C[x+1])` from the neighbouring θ slots.
pub(crate) fn theta(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let layout = cells.layout;
    let r = layout.slot_rows as i32;
    let mut sum = cells.rc();
    for y in 0..5 {
        let at = layout.distance(SlotKind::Theta(1, 0), SlotKind::Chi(0, 5 * y));
        sum = sum + cells.value(at);
    }
    let input = cells.composed_input();
    let top = SlotKind::Theta(0, 0).parts(layout.params.part_width).len() - 1;
    let wrap = constant(sparse_weight(LANE_BITS) - Fr::ONE);
    let rotated = cells.value(0) * constant(Fr::from(BASE)) - cells.output(top) * wrap;
    let left = cells.neighbour(0, -r, 4 * r);
    let right = cells.neighbour(1, r + 1, -4 * r + 1);
    vec![
        ("theta input", input - sum),
        ("theta rotated", cells.value(1) - rotated),
        ("theta D", cells.value(2) - left - right),
    ]
}

/// ρ's slot: its input is the copied `A[i]` and `D[x]` (and ι on lane 0); its output,
/// composed rotated, is `B[π(i)]`.
pub(crate) fn rho(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let input = cells.composed_input();
    let expected = cells.value(1) + cells.value(2) + cells.rc();
    vec![("rho input", input - expected)]
}

/// χ's slot for lane `(x, y)`: its input is `3 − 2·B[x,y] + B[x+1,y] − B[x+2,y]`, read from
/// the ρ slots of the same round.
pub(crate) fn chi(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let layout = cells.layout;
    let d = |j: usize, k: usize| layout.distance(SlotKind::Chi(0, j), SlotKind::Rho(0, k));
    let a = cells.value(d(0, 0));
    let b = cells.neighbour(0, d(0, 1), d(4, 0));
    let c = cells.neighbour(1, d(0, 2), d(3, 0));
    let input = cells.composed_input();
    let digits = constant(ones() * Fr::from(3)) - a * constant(Fr::from(2)) + b - c;
    vec![("chi input", input - digits)]
}

/// ι's slot: its input is lane 0 after the last round plus the last round constant.
pub(crate) fn iota(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let at = cells.layout.distance(SlotKind::Iota, SlotKind::Chi(ROUNDS - 1, 0));
    let input = cells.composed_input();
    let expected = cells.value(at) + cells.rc();
    vec![("iota input", input - expected)]
}

/// The binary words of a binding slot: `(low, high)` from its input parts.
fn words(cells: &mut SlotCells<'_, '_>) -> (Expression<Fr>, Expression<Fr>) {
    let parts = SlotKind::BinIn(0).parts(cells.layout.params.part_width);
    let low: Vec<bool> = parts.iter().map(|p| p.offset < 32).collect();
    let lo = cells.weighted(false, |c| low.get(c).copied().unwrap_or(false));
    let hi = cells.weighted(false, |c| c < low.len() && !low[c]);
    (lo, hi)
}

/// An input lane's slot: `V[1]` and `V[2]` are its low and high 32-bit words.
pub(crate) fn input_binding(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let (lo, hi) = words(cells);
    vec![("input binding", cells.value(1) - lo), ("input binding", cells.value(2) - hi)]
}

/// An output lane's slot: `V[1]` and `V[2]` are the chain's values `in | out << 32` of
/// its low and high words, the input words read from the input lane's slot.
pub(crate) fn output_binding(cells: &mut SlotCells<'_, '_>) -> Vec<Named> {
    let back = cells.layout.distance(SlotKind::BinOut(0), SlotKind::BinIn(0));
    let (lo, hi) = words(cells);
    let two32 = constant(Fr::from(1u64 << 32));
    let lo_value = cells.value(back + 1) + lo * two32.clone();
    let hi_value = cells.value(back + 2) + hi * two32;
    vec![
        ("output binding", cells.value(1) - lo_value),
        ("output binding", cells.value(2) - hi_value),
    ]
}
