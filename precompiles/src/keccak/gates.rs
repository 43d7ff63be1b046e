//! The constraints of a round block, of the tail block and of the chain, as expressions
//! over the layout's cells.

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    plonk::{Advice, Column, Expression, VirtualCells},
    poly::Rotation,
};

use super::layout::{
    chi_index, input_index, output_index, rho_index, theta_index, Decomposition, SlotLayout, A_ROW,
    B_ROW, D_ROW, ELEMENTS, IOTA_INDEX, POSEIDON_BASE,
};
use super::spec::{lane, pi, BASE, LANES, LANE_BITS, RHO_OFFSETS, ROUNDS, ROUND_CONSTANTS};
use circuits::chains::VALUES_PER_ELEMENT;
use circuits::poseidon::chip::ROWS_PER_PERMUTATION;
use circuits::Fr;

/// A named constraint.
pub(crate) type Named = (&'static str, Expression<Fr>);

/// `x` as a constant expression.
pub(crate) fn constant(x: Fr) -> Expression<Fr> {
    Expression::Constant(x)
}

/// `BASE^e` in the field.
pub(crate) fn sparse_weight(e: usize) -> Fr {
    Fr::from(BASE).pow_vartime([e as u64])
}

/// The sparse form of `value`'s bits.
pub(crate) fn sparse(value: u64) -> Fr {
    (0..LANE_BITS).filter(|z| (value >> z) & 1 == 1).map(sparse_weight).sum()
}

/// The advice columns the block gates read.
pub(crate) struct BlockColumns {
    pub(crate) lane: Column<Advice>,
    pub(crate) lane_b: Column<Advice>,
    pub(crate) input: Vec<Column<Advice>>,
    pub(crate) output: Vec<Column<Advice>>,
}

/// Queries of a block's cells, relative to the row the gate is switched on at.
pub(crate) struct BlockCells<'a, 'b> {
    pub(crate) vc: &'a mut VirtualCells<'b, Fr>,
    pub(crate) cols: &'a BlockColumns,
}

impl BlockCells<'_, '_> {
    /// The lane-column cell `row` rows from the gate's row.
    pub(crate) fn lane(&mut self, row: isize) -> Expression<Fr> {
        self.vc.query_advice(self.cols.lane, Rotation(row as i32))
    }

    /// The second lane column's cell `row` rows from the gate's row.
    pub(crate) fn lane_b(&mut self, row: isize) -> Expression<Fr> {
        self.vc.query_advice(self.cols.lane_b, Rotation(row as i32))
    }

    /// `Σ input_part · BASE^offset` (digits in place).
    pub(crate) fn sparse_input(&mut self, d: &Decomposition) -> Expression<Fr> {
        self.compose(d, true, sparse_weight)
    }

    /// `Σ output_part · BASE^((offset + rotation) mod 64)`: the reduced lane rotated left.
    pub(crate) fn sparse_output(&mut self, d: &Decomposition, rotation: usize) -> Expression<Fr> {
        self.compose(d, false, |offset| sparse_weight((offset + rotation) % LANE_BITS))
    }

    /// `Σ input_part · 2^(offset − from)` over the parts in `[from, from + 32)`: a 32-bit
    /// word of a binary decomposition.
    pub(crate) fn binary_word(&mut self, d: &Decomposition, from: usize) -> Expression<Fr> {
        let mut sum = constant(Fr::ZERO);
        for part in d.parts.iter().filter(|p| p.offset >= from && p.offset < from + 32) {
            let cell =
                self.vc.query_advice(self.cols.input[part.column], Rotation(part.row as i32));
            sum = sum + cell * constant(Fr::from(1u64 << (part.offset - from)));
        }
        sum
    }

    fn compose(
        &mut self,
        d: &Decomposition,
        input: bool,
        weight: impl Fn(usize) -> Fr,
    ) -> Expression<Fr> {
        let mut sum = constant(Fr::ZERO);
        for part in &d.parts {
            let column =
                if input { self.cols.input[part.column] } else { self.cols.output[part.column] };
            let cell = self.vc.query_advice(column, Rotation(part.row as i32));
            sum = sum + cell * constant(weight(part.offset));
        }
        sum
    }
}

/// `Σ_z BASE^z`: every digit one.
fn ones() -> Fr {
    (0..LANE_BITS).map(sparse_weight).sum()
}

/// A round block's constraints, from its first row; `rc` is the ι constant the round adds
/// to lane 0 (a fixed cell).
pub(crate) fn round(
    cells: &mut BlockCells<'_, '_>,
    layout: &SlotLayout,
    rc: &Expression<Fr>,
) -> Vec<Named> {
    let block = &layout.round;
    let next = layout.round.rows as isize;
    let a = |c: &mut BlockCells<'_, '_>, i: usize| c.lane((A_ROW + i) as isize);
    let d = |c: &mut BlockCells<'_, '_>, x: usize| c.lane((D_ROW + x) as isize);
    let b = |c: &mut BlockCells<'_, '_>, i: usize| c.lane_b((B_ROW + i) as isize);
    let mut out: Vec<Named> = Vec::new();
    for x in 0..5 {
        let mut sum = if x == 0 { rc.clone() } else { constant(Fr::ZERO) };
        for y in 0..5 {
            sum = sum + a(cells, lane(x, y));
        }
        let parts = cells.sparse_input(&block.decompositions[theta_index(x)]);
        out.push(("theta column sum", sum - parts));
    }
    for x in 0..5 {
        let left = cells.sparse_output(&block.decompositions[theta_index((x + 4) % 5)], 0);
        let right = cells.sparse_output(&block.decompositions[theta_index((x + 1) % 5)], 1);
        out.push(("theta D", d(cells, x) - left - right));
    }
    for i in 0..LANES {
        let iota = if i == 0 { rc.clone() } else { constant(Fr::ZERO) };
        let parts = cells.sparse_input(&block.decompositions[rho_index(i)]);
        out.push(("rho input", a(cells, i) + d(cells, i % 5) + iota - parts));
    }
    for (i, &offset) in RHO_OFFSETS.iter().enumerate() {
        let rotated = cells.sparse_output(&block.decompositions[rho_index(i)], offset);
        out.push(("rho-pi output", b(cells, pi(i)) - rotated));
    }
    for i in 0..LANES {
        let (x, y) = (i % 5, i / 5);
        let digits = constant(ones() * Fr::from(3)) - b(cells, i) * constant(Fr::from(2))
            + b(cells, lane(x + 1, y))
            - b(cells, lane(x + 2, y));
        let parts = cells.sparse_input(&block.decompositions[chi_index(i)]);
        out.push(("chi input", digits - parts));
    }
    for i in 0..LANES {
        let parts = cells.sparse_output(&block.decompositions[chi_index(i)], 0);
        out.push(("chi output", cells.lane(next + (A_ROW + i) as isize) - parts));
    }
    out
}

/// The tail block's constraints, from its first row: the input state against round 0's
/// `A`, ι on the output's lane 0, the output state, and the chain elements against the
/// `ch` cells at the Poseidon input rows.
pub(crate) fn tail(
    cells: &mut BlockCells<'_, '_>,
    layout: &SlotLayout,
    ch: Column<Advice>,
) -> Vec<Named> {
    let block = &layout.tail;
    let back = -(layout.tail_row() as isize);
    let mut out: Vec<Named> = Vec::new();
    for i in 0..LANES {
        let parts = cells.sparse_output(&block.decompositions[input_index(i)], 0);
        out.push(("input binding", cells.lane(back + (A_ROW + i) as isize) - parts));
    }
    let last_rc = constant(sparse(ROUND_CONSTANTS[ROUNDS - 1]));
    let iota = &block.decompositions[IOTA_INDEX];
    let iota_parts = cells.sparse_input(iota);
    out.push(("iota output", cells.lane(A_ROW as isize) + last_rc - iota_parts));
    for i in 0..LANES {
        let value =
            if i == 0 { cells.sparse_output(iota, 0) } else { cells.lane((A_ROW + i) as isize) };
        let parts = cells.sparse_output(&block.decompositions[output_index(i)], 0);
        out.push(("output binding", value - parts));
    }
    let two32 = Fr::from(1u64 << 32);
    let two64 = two32 * two32;
    for q in 0..ELEMENTS {
        let mut element = constant(Fr::ZERO);
        let mut shift = Fr::ONE;
        for k in
            (q * VALUES_PER_ELEMENT..(q + 1) * VALUES_PER_ELEMENT).take_while(|&k| k < 2 * LANES)
        {
            let (i, half) = (k / 2, 32 * (k % 2));
            let word_in = cells.binary_word(&block.decompositions[input_index(i)], half);
            let word_out = cells.binary_word(&block.decompositions[output_index(i)], half);
            element = element + (word_in + word_out * constant(two32)) * constant(shift);
            shift *= two64;
        }
        let row = (POSEIDON_BASE + q * ROWS_PER_PERMUTATION) as isize + back;
        let cell = cells.vc.query_advice(ch, Rotation(row as i32));
        out.push(("chain element", cell - element));
    }
    out
}
