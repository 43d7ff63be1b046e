//! Second-phase witness of the LogUp bus, and the table multiplicities, computed by
//! evaluating the very fraction expressions the circuit constrains.

use std::collections::HashMap;

use rayon::prelude::*;

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    halo2curves::ff::{BatchInvert, PrimeField},
    plonk::{Column, Expression, Fixed},
};

use super::circuit::SegmentConfig;
use super::layout::{column_positions, Row};
use super::tables::{decode_entries, AND_ROWS, TAG_AND, TAG_DECODE, TAG_PAIR, TAG_POW2};
use super::witness::to_field_columns;
use crate::logup::Fraction;
use crate::Fr;

/// Column values by circuit column index, for evaluating expressions at a row.
struct Values<'a> {
    advice: Vec<Option<&'a [Fr]>>,
    fixed: Vec<Option<&'a [Fr]>>,
    instance: &'a [Fr],
    challenges: [Fr; 2],
}

impl Values<'_> {
    /// The value of `e` at `row` (rotations wrap around the column, as in halo2).
    fn eval(&self, e: &Expression<Fr>, row: usize) -> Fr {
        let at = |column: Option<&[Fr]>, rotation: i32| {
            column.map_or(Fr::ZERO, |v| {
                let n = v.len() as i64;
                v[(row as i64 + i64::from(rotation)).rem_euclid(n) as usize]
            })
        };
        e.evaluate(
            &|c| c,
            &|_| Fr::ZERO,
            &|q| at(self.fixed.get(q.column_index()).copied().flatten(), q.rotation().0),
            &|q| at(self.advice.get(q.column_index()).copied().flatten(), q.rotation().0),
            &|q| {
                let index = row as i64 + i64::from(q.rotation().0);
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.instance.get(i))
                    .copied()
                    .unwrap_or(Fr::ZERO)
            },
            &|c| self.challenges[c.index()],
            &|a| -a,
            &|a, b| a + b,
            &|a, b| a * b,
            &|a, s| a * s,
        )
    }
}

fn small(value: Fr) -> Option<u64> {
    let repr = value.to_repr();
    let bytes = repr.as_ref();
    if bytes[8..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(low))
}

fn constant_tag(fraction: &Fraction) -> Option<u64> {
    match fraction.tuple.first() {
        Some(Expression::Constant(tag)) => small(*tag),
        _ => None,
    }
}

fn values<'a>(
    config: &SegmentConfig,
    columns: &'a [Vec<Fr>],
    fixed: &'a [(Column<Fixed>, Vec<Fr>)],
    instance: &'a [Fr],
    challenges: [Fr; 2],
) -> Values<'a> {
    let all = config.advice();
    let mut advice = vec![None; all.iter().map(|c| c.index() + 1).max().unwrap_or(0)];
    for (c, v) in all.iter().zip(columns) {
        advice[c.index()] = Some(v.as_slice());
    }
    let mut by_index = vec![None; fixed.iter().map(|(c, _)| c.index() + 1).max().unwrap_or(0)];
    for (c, v) in fixed {
        by_index[c.index()] = Some(v.as_slice());
    }
    Values { advice, fixed: by_index, instance, challenges }
}

/// The first-phase columns (`rows`', then `paging`), with the table multiplicity columns
/// filled in.
pub(crate) fn with_multiplicities(
    config: &SegmentConfig,
    rows: &[Row],
    paging: &[Vec<Fr>],
    fixed: &[(Column<Fixed>, Vec<Fr>)],
    n: usize,
) -> Vec<Vec<Fr>> {
    let mut columns = to_field_columns(rows, n);
    columns.extend(paging.iter().cloned());
    let decode_rows: HashMap<[u64; 7], usize> =
        decode_entries().iter().enumerate().map(|(i, e)| (e.fields(), AND_ROWS + 32 + i)).collect();
    let mut m_table = vec![0u64; n];
    let mut m_pair = vec![0u64; n];
    {
        let v = values(config, &columns, fixed, &[], [Fr::ZERO; 2]);
        let lookups: Vec<(&Fraction, u64)> = config
            .logup
            .groups
            .iter()
            .flatten()
            .filter_map(|f| constant_tag(f).map(|t| (f, t)))
            .filter(|(_, t)| matches!(*t, TAG_AND | TAG_PAIR | TAG_POW2 | TAG_DECODE))
            .collect();
        for row in 0..rows.len() {
            for (fraction, tag) in &lookups {
                let Some(m) = small(v.eval(&fraction.multiplicity, row)) else { continue };
                if m == 0 {
                    continue;
                }
                let fields: Vec<u64> = fraction.tuple[1..]
                    .iter()
                    .map(|e| small(v.eval(e, row)).unwrap_or(u64::MAX))
                    .collect();
                let index = match *tag {
                    TAG_AND | TAG_PAIR if fields[0] < 256 && fields[1] < 256 => {
                        Some((fields[0] * 256 + fields[1]) as usize)
                    }
                    TAG_POW2 if fields[0] < 32 => Some(AND_ROWS + fields[0] as usize),
                    TAG_DECODE => {
                        let mut key = [0u64; 7];
                        key.copy_from_slice(&fields);
                        decode_rows.get(&key).copied()
                    }
                    _ => None,
                };
                // A tuple outside its table gets no multiplicity: the bus then cannot
                // balance and the proof fails, which is the point.
                if let Some(index) = index {
                    if *tag == TAG_PAIR {
                        m_pair[index] += m;
                    } else {
                        m_table[index] += m;
                    }
                }
            }
        }
    }
    let pos = column_positions();
    columns[pos.m_table] = m_table.into_iter().map(Fr::from).collect();
    columns[pos.m_pair] = m_pair.into_iter().map(Fr::from).collect();
    columns
}

/// The helper columns and the running sum over the first `usable` rows.
pub(crate) fn helpers(
    config: &SegmentConfig,
    columns: &[Vec<Fr>],
    fixed: &[(Column<Fixed>, Vec<Fr>)],
    instance: &[Fr],
    usable: usize,
    (alpha, beta): (Fr, Fr),
) -> (Vec<Vec<Fr>>, Vec<Fr>) {
    let v = values(config, columns, fixed, instance, [alpha, beta]);
    // Groups are independent: one per task, each with a single batched inversion.
    let helpers: Vec<Vec<Fr>> = config
        .logup
        .groups
        .par_iter()
        .map(|group| {
            let mut numerators = Vec::with_capacity(usable * group.len());
            let mut denominators = Vec::with_capacity(usable * group.len());
            for row in 0..usable {
                for fraction in group {
                    numerators.push(v.eval(&fraction.multiplicity, row));
                    let compressed = fraction
                        .tuple
                        .iter()
                        .rev()
                        .fold(Fr::ZERO, |acc, e| acc * alpha + v.eval(e, row));
                    denominators.push(beta - compressed);
                }
            }
            // A zero denominator stays zero (and the running sum then fails to close).
            denominators.iter_mut().batch_invert();
            numerators
                .chunks(group.len())
                .zip(denominators.chunks(group.len()))
                .map(|(m, d)| m.iter().zip(d).fold(Fr::ZERO, |acc, (m, d)| acc + *m * d))
                .collect()
        })
        .collect();
    let mut acc = Vec::with_capacity(usable);
    let mut running = Fr::ZERO;
    for row in 0..usable {
        acc.push(running);
        running += helpers.iter().fold(Fr::ZERO, |s, h| s + h[row]);
    }
    (helpers, acc)
}
