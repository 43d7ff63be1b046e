//! The row schedule of the Poseidon gate: a row per full round and a row per
//! [`PARTIAL_ROUNDS_PER_ROW`] partial rounds.
//!
//! Between two S-boxes a partial round is linear, so inside a partial row every S-box input
//! `a_j`, and the state after the row, are affine in the row's state `s` and the S-box
//! outputs `b_0 .. b_{j−1}` before it. The linear part of those forms is the same on every
//! partial row (the MDS matrix does not change); only the constant part, which gathers the
//! round constants, differs, and it sits in the row's fixed cells. So three partial rounds
//! cost 6 advice cells (`a_j²` and `b_j` each) where a row per round cost 18.

use halo2_base::halo2_proofs::arithmetic::Field;

use super::spec::{PoseidonConstants, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};
use crate::Fr;

/// Partial rounds proven on one row.
pub const PARTIAL_ROUNDS_PER_ROW: usize = 3;
/// Advice cells beside the state on a row: a full row's three S-box squares, or a partial
/// row's squares `a_j²` (cells `0..3`) and S-box outputs `b_j = a_j⁵` (cells `3..6`).
pub const AUX_CELLS: usize = 2 * PARTIAL_ROUNDS_PER_ROW;
/// Fixed cells of a row: a full row's round constants (cells `0..3`), or a partial row's
/// constant parts of its S-box inputs (`0..3`) and of the state after it (`3..6`).
pub const ROW_CONSTANTS: usize = PARTIAL_ROUNDS_PER_ROW + WIDTH;
/// Rows holding partial rounds.
pub const PARTIAL_ROWS: usize = PARTIAL_ROUNDS / PARTIAL_ROUNDS_PER_ROW;
/// Rows holding rounds (the output state sits on the row after them).
pub const ROUND_ROWS: usize = FULL_ROUNDS + PARTIAL_ROWS;
/// Rows one permutation occupies: its round rows and the output row.
pub const ROWS_PER_PERMUTATION: usize = ROUND_ROWS + 1;

const _: () = assert!(PARTIAL_ROUNDS % PARTIAL_ROUNDS_PER_ROW == 0);
const _: () = assert!(AUX_CELLS >= WIDTH && ROW_CONSTANTS >= WIDTH);

/// Variables of a partial row's affine forms: the state, then the S-box outputs.
const VARIABLES: usize = WIDTH + PARTIAL_ROUNDS_PER_ROW;

/// Whether round row `row` holds a full round (else partial rounds).
pub fn is_full_row(row: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROWS).contains(&row)
}

/// The first round that round row `row` holds.
pub fn first_round_of_row(row: usize) -> usize {
    let half = FULL_ROUNDS / 2;
    if row < half {
        row
    } else if row < half + PARTIAL_ROWS {
        half + (row - half) * PARTIAL_ROUNDS_PER_ROW
    } else {
        row - PARTIAL_ROWS + PARTIAL_ROUNDS
    }
}

/// `Σ coefficients[v] · variable_v + constant` over a partial row's variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affine {
    /// Coefficients of `s_0, s_1, s_2, b_0, b_1, b_2`.
    pub coefficients: [Fr; VARIABLES],
    /// The constant term.
    pub constant: Fr,
}

impl Affine {
    fn variable(v: usize) -> Self {
        let mut coefficients = [Fr::ZERO; VARIABLES];
        coefficients[v] = Fr::ONE;
        Self { coefficients, constant: Fr::ZERO }
    }

    fn plus_constant(mut self, c: Fr) -> Self {
        self.constant += c;
        self
    }

    fn scaled_sum(terms: impl Iterator<Item = (Fr, Affine)>) -> Self {
        let mut out = Self { coefficients: [Fr::ZERO; VARIABLES], constant: Fr::ZERO };
        for (scale, term) in terms {
            for (o, t) in out.coefficients.iter_mut().zip(term.coefficients) {
                *o += scale * t;
            }
            out.constant += scale * term.constant;
        }
        out
    }

    /// The value at `variables`.
    pub fn eval(&self, variables: &[Fr; VARIABLES]) -> Fr {
        self.coefficients.iter().zip(variables).map(|(c, v)| *c * v).sum::<Fr>() + self.constant
    }
}

/// The affine forms of the partial row that starts at round `first_round`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialRowForms {
    /// `a_j`: the S-box input of the row's round `j` (word 0 plus its round constant).
    pub sbox_inputs: [Affine; PARTIAL_ROUNDS_PER_ROW],
    /// The state after the row's last round.
    pub next: [Affine; WIDTH],
}

impl PartialRowForms {
    /// The forms of the partial row starting at round `first_round`.
    pub fn starting_at(first_round: usize) -> Self {
        let constants = PoseidonConstants::get();
        let mut state = [0, 1, 2].map(Affine::variable);
        let mut sbox_inputs = [Affine::variable(0); PARTIAL_ROUNDS_PER_ROW];
        for (j, input) in sbox_inputs.iter_mut().enumerate() {
            let c = constants.round_constants[first_round + j];
            let x = [0, 1, 2].map(|i| state[i].plus_constant(c[i]));
            *input = x[0];
            let after_sbox = [Affine::variable(WIDTH + j), x[1], x[2]];
            state = [0, 1, 2].map(|i| {
                Affine::scaled_sum((0..WIDTH).map(|k| (constants.mds[i][k], after_sbox[k])))
            });
        }
        Self { sbox_inputs, next: state }
    }

    /// The linear part shared by every partial row (constants zero).
    pub fn linear() -> Self {
        let mut forms = Self::starting_at(FULL_ROUNDS / 2);
        for form in forms.sbox_inputs.iter_mut().chain(forms.next.iter_mut()) {
            form.constant = Fr::ZERO;
        }
        forms
    }
}

/// The fixed cells of round row `row`.
pub fn row_constants(row: usize) -> [Fr; ROW_CONSTANTS] {
    let first = first_round_of_row(row);
    let mut out = [Fr::ZERO; ROW_CONSTANTS];
    if is_full_row(row) {
        out[..WIDTH].copy_from_slice(&PoseidonConstants::get().round_constants[first]);
    } else {
        let forms = PartialRowForms::starting_at(first);
        for (o, form) in out.iter_mut().zip(forms.sbox_inputs.iter().chain(&forms.next)) {
            *o = form.constant;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_cover_every_round_once() {
        let mut next = 0;
        for row in 0..ROUND_ROWS {
            assert_eq!(first_round_of_row(row), next, "row {row}");
            assert_eq!(is_full_row(row), PoseidonConstants::is_full_round(next));
            next += if is_full_row(row) { 1 } else { PARTIAL_ROUNDS_PER_ROW };
        }
        assert_eq!(next, FULL_ROUNDS + PARTIAL_ROUNDS);
    }

    #[test]
    fn every_partial_row_has_the_same_linear_part() {
        let linear = PartialRowForms::linear();
        for row in (0..ROUND_ROWS).filter(|r| !is_full_row(*r)) {
            let forms = PartialRowForms::starting_at(first_round_of_row(row));
            for (a, b) in forms
                .sbox_inputs
                .iter()
                .chain(&forms.next)
                .zip(linear.sbox_inputs.iter().chain(&linear.next))
            {
                assert_eq!(a.coefficients, b.coefficients, "row {row}");
            }
        }
    }
}
