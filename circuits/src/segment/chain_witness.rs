//! The chains' witness: each syscall row's chain value, position and countdowns, the
//! packed elements, and the chain steps for the hash slots.

use halo2_base::halo2_proofs::arithmetic::Field;

use super::layout::Row;
use super::witness::word_of;
use crate::chains::{chain_step, Chain, Chains, VALUES_PER_ELEMENT};
use crate::Fr;

/// The chain a row's syscall kind feeds, if any.
fn chain_of(row: &Row) -> Option<Chain> {
    if row.s_commit == 1 {
        Some(Chain::Output)
    } else if row.s_keccak == 1 {
        Some(Chain::Keccak)
    } else if row.s_secp == 1 {
        Some(Chain::Secp)
    } else {
        None
    }
}

/// Whether a row carries a chain value: a data row, or the `ecall` row of a secp call.
fn is_value_row(row: &Row) -> bool {
    row.f_data == 1 || (row.f_ecall == 1 && row.s_secp == 1)
}

/// Fills the chain cells of `rows` (their syscall, memory and byte cells already set).
pub(crate) fn fill_rows(rows: &mut [Row]) {
    let mut position = 0usize;
    for i in 0..rows.len() {
        let row = &rows[i];
        if !is_value_row(row) {
            continue;
        }
        // The secp flag opens its call's values; other calls open on their first data row.
        let opens =
            row.f_ecall == 1 || (i > 0 && rows[i - 1].f_ecall == 1 && rows[i - 1].s_secp == 0);
        position = if opens { 0 } else { (position + 1) % VALUES_PER_ELEMENT };
        let row = &mut rows[i];
        [row.ch_p0, row.ch_p1, row.ch_p2] = [0, 1, 2].map(|p| u64::from(p == position));
        let b = word_of([row.b0, row.b1, row.b2, row.b3]);
        let xl = word_of([row.x0, row.x1, row.x2, row.x3]);
        row.ch_value = match chain_of(row) {
            Some(Chain::Output) => b,
            Some(Chain::Keccak) => b | row.mval << 32,
            Some(Chain::Secp) if row.f_ecall == 1 => xl,
            Some(Chain::Secp) if row.secp_out == 1 => row.mval,
            Some(Chain::Secp) => b,
            None => 0,
        };
    }
    let mut left = [0u64; 3];
    for row in rows.iter_mut().rev() {
        if row.ch_p0 == 1 {
            if let Some(chain) = chain_of(row) {
                left[chain as usize] += 1;
            }
        }
        [row.ch_left_output, row.ch_left_keccak, row.ch_left_secp] = left;
    }
}

/// The packed elements: the `chain_pack` column (`n` rows) and each chain's elements in
/// execution order.
pub(crate) struct ChainElements {
    pub(crate) pack: Vec<Fr>,
    pub(crate) elements: [Vec<Fr>; 3],
}

/// Packs the chain values of `rows` into elements.
pub(crate) fn elements(rows: &[Row], n: usize) -> ChainElements {
    let shift = Fr::from(1u64 << 32) * Fr::from(1u64 << 32);
    let mut pack = vec![Fr::ZERO; n];
    let mut tail = Fr::ZERO;
    for i in (0..rows.len()).rev() {
        let row = &rows[i];
        if !is_value_row(row) {
            continue;
        }
        let continues = row.ch_p2 == 0 && rows.get(i + 1).is_some_and(|next| next.f_data == 1);
        let carried = if continues { tail * shift } else { Fr::ZERO };
        tail = Fr::from(row.ch_value) + carried;
        pack[i] = tail;
    }
    let mut elements: [Vec<Fr>; 3] = Default::default();
    for (row, value) in rows.iter().zip(&pack) {
        if row.ch_p0 == 1 {
            if let Some(chain) = chain_of(row) {
                elements[chain as usize].push(*value);
            }
        }
    }
    ChainElements { pack, elements }
}

/// One chain step for a hash slot: lane 0 absorbs `first` into `value` at `position`;
/// `second`, if any, is absorbed by lane 1.
pub(crate) struct ChainStep {
    pub(crate) chain: Chain,
    pub(crate) position: u64,
    pub(crate) value: Fr,
    pub(crate) first: Fr,
    pub(crate) second: Option<Fr>,
    /// Lane 0's result (lane 1's starting value when paired).
    pub(crate) middle: Fr,
}

/// The steps that fold each chain's `elements` from `start`, and the end values.
pub(crate) fn steps(start: &Chains, elements: &[Vec<Fr>; 3]) -> (Vec<ChainStep>, Chains) {
    let mut out = Vec::new();
    let mut end = *start;
    for chain in Chain::ALL {
        let list = &elements[chain as usize];
        let mut value = start.get(chain);
        for (i, pair) in list.chunks(2).enumerate() {
            let middle = chain_step(chain, value, pair[0]);
            let second = pair.get(1).copied();
            out.push(ChainStep {
                chain,
                position: (list.len() - 2 * i) as u64,
                value,
                first: pair[0],
                second,
                middle,
            });
            value = second.map_or(middle, |e| chain_step(chain, middle, e));
        }
        end.set(chain, value);
    }
    (out, end)
}
