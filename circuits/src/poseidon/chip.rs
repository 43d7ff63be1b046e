//! The Poseidon permutation as one custom gate: one row per round.
//!
//! Layout of a permutation occupying rows `o .. o + ROWS_PER_PERMUTATION`:
//!
//! | row | `state[0..3]` | `squares[0..3]` | `round_constants[0..3]` (fixed) | selector |
//! |---|---|---|---|---|
//! | `o + r`, r < 65 | state before round r | `(state_i + c_i)²` (S-box inputs) | round r's constants | `q_full` or `q_partial` |
//! | `o + 65` | output state | — | — | — |
//!
//! With `x_i = state_i + c_i`, a round is `state' = M · y` where `y_i = squares_i² · x_i`
//! (= x_i⁵) for S-boxed words and `y_i = x_i` otherwise; `squares_i = x_i²` is a separate
//! constraint. Keeping the square in its own cell holds the gate at degree 4 (selector ×
//! square² × x), inside halo2-axiom's degree cap of 5. A partial round constrains only
//! `squares_0`; its other square cells are zero.

use halo2_base::halo2_proofs::{
    circuit::{Cell, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

use super::native;
use super::spec::{PoseidonConstants, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};
use crate::Fr;

/// Rounds per permutation.
pub const ROUNDS: usize = FULL_ROUNDS + PARTIAL_ROUNDS;
/// Rows one permutation occupies (a row per round plus the output row).
pub const ROWS_PER_PERMUTATION: usize = ROUNDS + 1;

/// The witness of one permutation: the state at the start of each round and after the
/// last, and the S-box squares of each round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermutationTrace {
    /// `states[r]`: the state before round `r`; `states[ROUNDS]` is the output.
    pub states: Vec<[Fr; WIDTH]>,
    /// `squares[r]`: `(state_i + c_i)²` for the S-boxed words of round `r`, zero elsewhere.
    pub squares: Vec<[Fr; WIDTH]>,
}

impl PermutationTrace {
    /// Computes the witness of the permutation of `input`.
    pub fn new(input: [Fr; WIDTH]) -> Self {
        Self::from_round(0, input)
    }

    /// The witness of rounds `first_round..` applied to `state`: `states[0]` is `state`
    /// and `states.last()` the permutation output.
    pub fn from_round(first_round: usize, state: [Fr; WIDTH]) -> Self {
        let constants = PoseidonConstants::get();
        let mut states = vec![state];
        let mut squares = Vec::with_capacity(ROUNDS.saturating_sub(first_round));
        let mut state = state;
        for r in first_round..ROUNDS {
            let full = PoseidonConstants::is_full_round(r);
            let mut sq = [Fr::zero(); WIDTH];
            for i in 0..WIDTH {
                if full || i == 0 {
                    let x = state[i] + constants.round_constants[r][i];
                    sq[i] = x * x;
                }
            }
            squares.push(sq);
            native::round(&mut state, r);
            states.push(state);
        }
        Self { states, squares }
    }

    /// The input state.
    pub fn input(&self) -> [Fr; WIDTH] {
        self.states[0]
    }

    /// The output state.
    pub fn output(&self) -> [Fr; WIDTH] {
        self.states[ROUNDS]
    }
}

/// The cells of an assigned permutation's input and output states.
#[derive(Debug, Clone, Copy)]
pub struct PermutationCells {
    /// The input state cells.
    pub input: [Cell; WIDTH],
    /// The output state cells.
    pub output: [Cell; WIDTH],
}

/// One round's cells, as expressions: the state before it, the S-box squares, the round
/// constants and the state after it.
pub(crate) struct RoundCells {
    pub(crate) state: [Expression<Fr>; WIDTH],
    pub(crate) squares: [Expression<Fr>; WIDTH],
    pub(crate) constants: [Expression<Fr>; WIDTH],
    pub(crate) next: [Expression<Fr>; WIDTH],
}

/// The constraints of one round, switched on by `q_full` (a full round) or `q_partial` (a
/// partial round); degree 4 with degree-1 switches.
pub(crate) fn round_constraints(
    q_full: &Expression<Fr>,
    q_partial: &Expression<Fr>,
    round: &RoundCells,
) -> Vec<Expression<Fr>> {
    let mds = PoseidonConstants::get().mds;
    let x: Vec<Expression<Fr>> =
        (0..WIDTH).map(|i| round.state[i].clone() + round.constants[i].clone()).collect();
    let sq = &round.squares;
    let next = &round.next;
    let pow5 = |i: usize| sq[i].clone() * sq[i].clone() * x[i].clone();
    let mix = |y: &[Expression<Fr>], i: usize| {
        (0..WIDTH).fold(Expression::Constant(Fr::zero()), |acc, j| {
            acc + Expression::Constant(mds[i][j]) * y[j].clone()
        })
    };

    let mut constraints = Vec::new();
    // Full rounds: every word through the S-box.
    let y_full: Vec<_> = (0..WIDTH).map(pow5).collect();
    for i in 0..WIDTH {
        constraints.push(q_full.clone() * (sq[i].clone() - x[i].clone() * x[i].clone()));
        constraints.push(q_full.clone() * (next[i].clone() - mix(&y_full, i)));
    }
    // Partial rounds: word 0 through the S-box, the others passed through.
    let mut y_partial = vec![pow5(0)];
    y_partial.extend(x.iter().skip(1).cloned());
    constraints.push(q_partial.clone() * (sq[0].clone() - x[0].clone() * x[0].clone()));
    for (i, next) in next.iter().enumerate() {
        constraints.push(q_partial.clone() * (next.clone() - mix(&y_partial, i)));
    }
    constraints
}

/// Columns and gate of the Poseidon chip.
#[derive(Debug, Clone, Copy)]
pub struct PoseidonConfig {
    state: [Column<Advice>; WIDTH],
    squares: [Column<Advice>; WIDTH],
    round_constants: [Column<Fixed>; WIDTH],
    q_full: Selector,
    q_partial: Selector,
}

impl PoseidonConfig {
    /// Allocates the chip's columns (3 state and 3 square advice columns, equality enabled
    /// on the state, 3 fixed columns, 2 selectors) and its gate.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        let state = [(); WIDTH].map(|_| meta.advice_column());
        let squares = [(); WIDTH].map(|_| meta.advice_column());
        let round_constants = [(); WIDTH].map(|_| meta.fixed_column());
        for column in state {
            meta.enable_equality(column);
        }
        let q_full = meta.selector();
        let q_partial = meta.selector();

        meta.create_gate("poseidon round", |meta| {
            let q_full = meta.query_selector(q_full);
            let q_partial = meta.query_selector(q_partial);
            let round = RoundCells {
                state: state.map(|c| meta.query_advice(c, Rotation::cur())),
                squares: squares.map(|c| meta.query_advice(c, Rotation::cur())),
                constants: round_constants.map(|c| meta.query_fixed(c, Rotation::cur())),
                next: state.map(|c| meta.query_advice(c, Rotation::next())),
            };
            round_constraints(&q_full, &q_partial, &round)
        });

        Self { state, squares, round_constants, q_full, q_partial }
    }

    /// Assigns `trace` at `offset` of `region` and returns its input and output cells.
    /// The caller ties them to the rest of the circuit with copy constraints.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        trace: &PermutationTrace,
    ) -> Result<PermutationCells, Error> {
        let constants = PoseidonConstants::get();
        let mut input = Vec::with_capacity(WIDTH);
        let mut output = Vec::with_capacity(WIDTH);
        for (r, state) in trace.states.iter().enumerate() {
            let row = offset + r;
            for (i, value) in state.iter().enumerate() {
                let cell = region.assign_advice(self.state[i], row, Value::known(*value)).cell();
                if r == 0 {
                    input.push(cell);
                } else if r == ROUNDS {
                    output.push(cell);
                }
            }
            if r == ROUNDS {
                break;
            }
            for i in 0..WIDTH {
                region.assign_advice(self.squares[i], row, Value::known(trace.squares[r][i]));
                region.assign_fixed(self.round_constants[i], row, constants.round_constants[r][i]);
            }
            let selector =
                if PoseidonConstants::is_full_round(r) { self.q_full } else { self.q_partial };
            selector.enable(region, row)?;
        }
        let cells = |v: Vec<Cell>| -> Result<[Cell; WIDTH], Error> {
            v.try_into().map_err(|_| Error::Synthesis)
        };
        Ok(PermutationCells { input: cells(input)?, output: cells(output)? })
    }
}
