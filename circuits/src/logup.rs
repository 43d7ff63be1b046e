//! A LogUp bus: every lookup and the memory argument of the segment circuit, and the lookups of the precompile circuits.
//!
//! Each row contributes fractions `m / (β − v)`, where `v = Σ αⁱ·tupleᵢ` compresses a
//! tagged tuple with the challenge `α` and `m` is a signed multiplicity: +1 for a looked-up
//! value or a memory send, −1 for a memory receive, minus the multiplicity column for a
//! table entry. The fractions of a row are grouped; each group gets a second-phase helper
//! column `h` with `h · Π(β − vᵢ) = Σ mᵢ · Π_{j≠i}(β − vⱼ)`, and a running sum `acc` adds
//! the helpers row by row and must end at zero. By the LogUp lemma, over a field this
//! large, the sum vanishes only if every looked-up tuple is a table entry (with the
//! declared multiplicities) and every memory receive is matched by a send.

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    plonk::{
        Advice, Challenge, Column, ConstraintSystem, Expression, FirstPhase, SecondPhase,
        VirtualCells,
    },
    poly::Rotation,
};

use crate::Fr;

/// One fraction `multiplicity / (β − compress(tuple))`.
#[derive(Debug, Clone)]
pub struct Fraction {
    /// The signed multiplicity (numerator).
    pub multiplicity: Expression<Fr>,
    /// The tagged tuple the denominator compresses; its first element is the tag.
    pub tuple: Vec<Expression<Fr>>,
}

impl Fraction {
    /// A fraction with multiplicity `multiplicity` for `tuple` (whose first element is the
    /// tag).
    pub fn new(multiplicity: Expression<Fr>, tuple: Vec<Expression<Fr>>) -> Self {
        Self { multiplicity, tuple }
    }

    /// `Σ αⁱ·tupleᵢ` as an expression.
    pub fn compressed(&self, alpha: &Expression<Fr>) -> Expression<Fr> {
        self.tuple
            .iter()
            .rev()
            .fold(Expression::Constant(Fr::ZERO), |acc, x| acc * alpha.clone() + x.clone())
    }
}

/// The bus: its challenges, helper columns and running sum.
#[derive(Debug, Clone)]
pub struct LogUpConfig {
    /// The challenge that compresses tuples.
    pub alpha: Challenge,
    /// The challenge the fractions' denominators are shifted by.
    pub beta: Challenge,
    /// One second-phase helper column per fraction group.
    pub helpers: Vec<Column<Advice>>,
    /// The running sum of the helpers.
    pub acc: Column<Advice>,
    /// The fraction groups, one per helper column, as configured (for witness generation).
    pub groups: Vec<Vec<Fraction>>,
}

/// Fixed row selectors the bus needs, as expressions at the current row.
pub struct BusSelectors {
    /// 1 on every row whose helpers are constrained.
    pub usable: Expression<Fr>,
    /// 1 on the first row (the running sum starts at zero).
    pub first: Expression<Fr>,
    /// 1 on the rows whose successor continues the running sum.
    pub step: Expression<Fr>,
    /// 1 on the last row (the running sum plus its helpers ends at zero).
    pub last: Expression<Fr>,
}

impl LogUpConfig {
    /// Creates the challenges (drawn after the first phase).
    pub fn challenges(meta: &mut ConstraintSystem<Fr>) -> (Challenge, Challenge) {
        let alpha = meta.challenge_usable_after(FirstPhase);
        let beta = meta.challenge_usable_after(FirstPhase);
        (alpha, beta)
    }

    /// Configures the bus for the `group_count` fraction groups `build` returns. `build`
    /// runs inside the gate's query context and also returns the bus selectors.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        (alpha, beta): (Challenge, Challenge),
        group_count: usize,
        build: impl FnOnce(&mut VirtualCells<'_, Fr>) -> (Vec<Vec<Fraction>>, BusSelectors),
    ) -> Self {
        let acc = meta.advice_column_in(SecondPhase);
        let helpers: Vec<Column<Advice>> =
            (0..group_count).map(|_| meta.advice_column_in(SecondPhase)).collect();
        let mut groups = Vec::new();
        meta.create_gate("logup", |vc| {
            let (built, sel) = build(vc);
            assert_eq!(built.len(), group_count, "LogUp group count");
            groups = built;
            let alpha = vc.query_challenge(alpha);
            let beta = vc.query_challenge(beta);
            let acc_cur = vc.query_advice(acc, Rotation::cur());
            let acc_next = vc.query_advice(acc, Rotation::next());
            let mut constraints = Vec::new();
            let mut helper_sum = Expression::Constant(Fr::ZERO);
            for (group, &column) in groups.iter().zip(&helpers) {
                let h = vc.query_advice(column, Rotation::cur());
                helper_sum = helper_sum + h.clone();
                let denominators: Vec<Expression<Fr>> =
                    group.iter().map(|f| beta.clone() - f.compressed(&alpha)).collect();
                let lhs = denominators.iter().fold(h, |acc, d| acc * d.clone());
                let mut rhs = Expression::Constant(Fr::ZERO);
                for (i, fraction) in group.iter().enumerate() {
                    let term = denominators
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .fold(fraction.multiplicity.clone(), |acc, (_, d)| acc * d.clone());
                    rhs = rhs + term;
                }
                constraints.push(sel.usable.clone() * (lhs - rhs));
            }
            constraints.push(sel.first * acc_cur.clone());
            constraints.push(sel.step * (acc_next - acc_cur.clone() - helper_sum.clone()));
            constraints.push(sel.last * (acc_cur + helper_sum));
            constraints
        });
        Self { alpha, beta, helpers, acc, groups }
    }
}

/// The native value of [`Fraction::compressed`]: `Σ αⁱ·tupleᵢ`.
pub fn compress(tuple: &[Fr], alpha: Fr) -> Fr {
    tuple.iter().rev().fold(Fr::ZERO, |acc, x| acc * alpha + x)
}
