//! The Poseidon permutation as one custom gate, on the rows of [`super::rows`]: a row per
//! full round, a row per three partial rounds, and the output row.
//!
//! Layout of a permutation occupying rows `o .. o + ROWS_PER_PERMUTATION`:
//!
//! | row | `state[0..3]` | `aux[0..6]` | `constants[0..6]` (fixed) | selector |
//! |---|---|---|---|---|
//! | full round row | state before the round | `x_i²` (`x_i = state_i + c_i`), then zeros | `c_0, c_1, c_2`, zeros | `q_full` |
//! | partial row | state before its first round | `a_j²`, then `b_j = a_j⁵` | constant parts of `a_j` and of the next state | `q_partial` |
//! | `o + 27` | output state | — | — | — |
//!
//! A full round is `state' = M · y` with `y_i = x_i² · x_i² · x_i`, and `x_i²` is its own
//! constraint. A partial row constrains `a_j² = aux_j`, `b_j = aux_j² · a_j` and the next
//! state as the affine form of [`PartialRowForms`] in `(state, b)`. Keeping squares in
//! cells holds the gate at degree 4 (selector × square² × x), inside halo2-axiom's degree
//! cap of 5.

use halo2_base::halo2_proofs::{
    circuit::{Cell, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

use super::native;
pub use super::rows::{
    first_round_of_row, is_full_row, row_constants, Affine, PartialRowForms, AUX_CELLS,
    PARTIAL_ROUNDS_PER_ROW, ROUND_ROWS, ROWS_PER_PERMUTATION, ROW_CONSTANTS,
};
use super::spec::{PoseidonConstants, WIDTH};
use crate::Fr;

/// The witness of one permutation: the state at the start of each round row and after the
/// last, and each round row's auxiliary cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermutationTrace {
    /// `states[r]`: the state before round row `r`; `states[ROUND_ROWS]` is the output.
    pub states: Vec<[Fr; WIDTH]>,
    /// `aux[r]`: round row `r`'s squares (and, on a partial row, S-box outputs).
    pub aux: Vec<[Fr; AUX_CELLS]>,
}

impl PermutationTrace {
    /// Computes the witness of the permutation of `input`.
    pub fn new(input: [Fr; WIDTH]) -> Self {
        Self::from_row(0, input)
    }

    /// The witness of round rows `first_row..` applied to `state`: `states[0]` is `state`
    /// and `states.last()` the permutation output.
    pub fn from_row(first_row: usize, state: [Fr; WIDTH]) -> Self {
        let mut states = vec![state];
        let mut aux = Vec::with_capacity(ROUND_ROWS.saturating_sub(first_row));
        let mut state = state;
        for row in first_row..ROUND_ROWS {
            aux.push(row_witness(row, &mut state));
            states.push(state);
        }
        Self { states, aux }
    }

    /// The input state.
    pub fn input(&self) -> [Fr; WIDTH] {
        self.states[0]
    }

    /// The output state.
    pub fn output(&self) -> [Fr; WIDTH] {
        self.states[self.states.len() - 1]
    }
}

/// Applies round row `row` to `state` and returns the row's auxiliary cells.
fn row_witness(row: usize, state: &mut [Fr; WIDTH]) -> [Fr; AUX_CELLS] {
    let constants = PoseidonConstants::get();
    let first = first_round_of_row(row);
    let mut aux = [Fr::zero(); AUX_CELLS];
    if is_full_row(row) {
        for (i, cell) in aux.iter_mut().take(WIDTH).enumerate() {
            let x = state[i] + constants.round_constants[first][i];
            *cell = x * x;
        }
        native::round(state, first);
    } else {
        for j in 0..PARTIAL_ROUNDS_PER_ROW {
            let a = state[0] + constants.round_constants[first + j][0];
            aux[j] = a * a;
            aux[PARTIAL_ROUNDS_PER_ROW + j] = native::sbox(a);
            native::round(state, first + j);
        }
    }
    aux
}

/// The cells of an assigned permutation's input and output states.
#[derive(Debug, Clone, Copy)]
pub struct PermutationCells {
    /// The input state cells.
    pub input: [Cell; WIDTH],
    /// The output state cells.
    pub output: [Cell; WIDTH],
}

/// One round row's cells, as expressions: the state before it, its auxiliary cells, its
/// fixed constants and the state after it.
pub struct RowCells {
    /// The state before the row.
    pub state: [Expression<Fr>; WIDTH],
    /// The row's auxiliary cells.
    pub aux: [Expression<Fr>; AUX_CELLS],
    /// The row's fixed constants.
    pub constants: [Expression<Fr>; ROW_CONSTANTS],
    /// The state after the row.
    pub next: [Expression<Fr>; WIDTH],
}

/// `form` over `variables` with its constant replaced by `constant`.
fn affine(form: &Affine, variables: &[Expression<Fr>], constant: Expression<Fr>) -> Expression<Fr> {
    form.coefficients
        .iter()
        .zip(variables)
        .filter(|(c, _)| **c != Fr::zero())
        .fold(constant, |acc, (c, v)| acc + Expression::Constant(*c) * v.clone())
}

/// The constraints of one round row, switched on by `q_full` (a full round) or
/// `q_partial` (three partial rounds); degree 4 with degree-1 switches.
pub fn row_constraints(
    q_full: &Expression<Fr>,
    q_partial: &Expression<Fr>,
    row: &RowCells,
) -> Vec<Expression<Fr>> {
    let mds = PoseidonConstants::get().mds;
    let aux = &row.aux;
    let mut constraints = Vec::new();

    // Full round: every word through the S-box.
    let x: Vec<Expression<Fr>> =
        (0..WIDTH).map(|i| row.state[i].clone() + row.constants[i].clone()).collect();
    let y: Vec<Expression<Fr>> =
        (0..WIDTH).map(|i| aux[i].clone() * aux[i].clone() * x[i].clone()).collect();
    for i in 0..WIDTH {
        constraints.push(q_full.clone() * (aux[i].clone() - x[i].clone() * x[i].clone()));
        let mixed = (0..WIDTH).fold(Expression::Constant(Fr::zero()), |acc, j| {
            acc + Expression::Constant(mds[i][j]) * y[j].clone()
        });
        constraints.push(q_full.clone() * (row.next[i].clone() - mixed));
    }

    // Partial rounds: each S-box input is affine in the state and the earlier outputs.
    let forms = PartialRowForms::linear();
    let variables: Vec<Expression<Fr>> =
        row.state.iter().chain(&aux[PARTIAL_ROUNDS_PER_ROW..]).cloned().collect();
    for (j, form) in forms.sbox_inputs.iter().enumerate() {
        let a = affine(form, &variables, row.constants[j].clone());
        let square = aux[j].clone();
        let output = aux[PARTIAL_ROUNDS_PER_ROW + j].clone();
        constraints.push(q_partial.clone() * (square.clone() - a.clone() * a.clone()));
        constraints.push(q_partial.clone() * (output - square.clone() * square * a));
    }
    for (i, form) in forms.next.iter().enumerate() {
        let next = affine(form, &variables, row.constants[PARTIAL_ROUNDS_PER_ROW + i].clone());
        constraints.push(q_partial.clone() * (row.next[i].clone() - next));
    }
    constraints
}

/// Columns and gate of the Poseidon chip.
#[derive(Debug, Clone, Copy)]
pub struct PoseidonConfig {
    state: [Column<Advice>; WIDTH],
    aux: [Column<Advice>; AUX_CELLS],
    constants: [Column<Fixed>; ROW_CONSTANTS],
    q_full: Selector,
    q_partial: Selector,
}

impl PoseidonConfig {
    /// Allocates the chip's columns (3 state and 6 auxiliary advice columns, equality
    /// enabled on the state, 6 fixed columns, 2 selectors) and its gate.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        let state = [(); WIDTH].map(|_| meta.advice_column());
        let aux = [(); AUX_CELLS].map(|_| meta.advice_column());
        let constants = [(); ROW_CONSTANTS].map(|_| meta.fixed_column());
        for column in state {
            meta.enable_equality(column);
        }
        let q_full = meta.selector();
        let q_partial = meta.selector();

        meta.create_gate("poseidon round", |meta| {
            let q_full = meta.query_selector(q_full);
            let q_partial = meta.query_selector(q_partial);
            let row = RowCells {
                state: state.map(|c| meta.query_advice(c, Rotation::cur())),
                aux: aux.map(|c| meta.query_advice(c, Rotation::cur())),
                constants: constants.map(|c| meta.query_fixed(c, Rotation::cur())),
                next: state.map(|c| meta.query_advice(c, Rotation::next())),
            };
            row_constraints(&q_full, &q_partial, &row)
        });

        Self { state, aux, constants, q_full, q_partial }
    }

    /// Assigns `trace` at `offset` of `region` and returns its input and output cells.
    /// The caller ties them to the rest of the circuit with copy constraints.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: &PermutationTrace,
    ) -> Result<PermutationCells, Error> {
        let mut input = Vec::with_capacity(WIDTH);
        let mut output = Vec::with_capacity(WIDTH);
        for (r, state) in trace.states.iter().enumerate() {
            let row = offset + r;
            for (i, value) in state.iter().enumerate() {
                let cell = region.assign_advice(self.state[i], row, Value::known(*value)).cell();
                if r == 0 {
                    input.push(cell);
                } else if r == ROUND_ROWS {
                    output.push(cell);
                }
            }
            if r == ROUND_ROWS {
                break;
            }
            for (i, value) in trace.aux[r].iter().enumerate() {
                region.assign_advice(self.aux[i], row, Value::known(*value));
            }
            for (i, value) in row_constants(r).iter().enumerate() {
                region.assign_fixed(self.constants[i], row, *value);
            }
            let selector = if is_full_row(r) { self.q_full } else { self.q_partial };
            selector.enable(region, row)?;
        }
        let cells = |v: Vec<Cell>| -> Result<[Cell; WIDTH], Error> {
            v.try_into().map_err(|_| Error::Synthesis)
        };
        Ok(PermutationCells { input: cells(input)?, output: cells(output)? })
    }
}
