//! The witness of the hash slots: the slot schedule (every page's leaf steps, the touched
//! nodes level by level, then the chain steps), the lanes' permutation traces, the page
//! rows' packed elements, and the fixed columns of paging.

use std::collections::BTreeMap;

use abi::memory::{PAGE_TREE_DEPTH, PAGE_WORDS};
use halo2_base::halo2_proofs::arithmetic::Field;
use vm::trace::SegmentRecord;

use super::chain_witness::ChainStep;
use super::merkle::{slot_count, ELEMENT_STRIDE, LEAF_STEPS, SLOT_ROWS};
use super::SegmentError;
use crate::chains::CHAIN_DOMAIN;
use crate::paging::{pack_page, PageTree, LEAF_DOMAIN, NODE_DOMAIN, WORDS_PER_ELEMENT};
use crate::poseidon::chip::{
    is_full_row, row_constants, PermutationTrace, AUX_CELLS, ROUND_ROWS, ROW_CONSTANTS,
};
use crate::poseidon::WIDTH;
use crate::Fr;

/// Columns per lane (state, auxiliary cells, va, vb).
const LANE_WIDTH: usize = WIDTH + AUX_CELLS + 2;

/// Names of the paging columns, in `HashColumns::all` order.
pub(crate) const COLUMN_NAMES: [&str; 2 * LANE_WIDTH + 14] = [
    "old.s0",
    "old.s1",
    "old.s2",
    "old.q0",
    "old.q1",
    "old.q2",
    "old.q3",
    "old.q4",
    "old.q5",
    "old.va",
    "old.vb",
    "new.s0",
    "new.s1",
    "new.s2",
    "new.q0",
    "new.q1",
    "new.q2",
    "new.q3",
    "new.q4",
    "new.q5",
    "new.va",
    "new.vb",
    "leaf",
    "node",
    "first",
    "last",
    "touched_left",
    "touched_right",
    "index",
    "level",
    "recv_index",
    "pack_in",
    "pack_out",
    "chain",
    "pair",
    "chain_pack",
];

/// Position of a paging column in [`COLUMN_NAMES`].
pub(crate) fn column(name: &str) -> Option<usize> {
    COLUMN_NAMES.iter().position(|n| *n == name)
}

const LEAF: usize = 2 * LANE_WIDTH;
const NODE: usize = LEAF + 1;
const FIRST: usize = LEAF + 2;
const LAST: usize = LEAF + 3;
const TOUCHED_LEFT: usize = LEAF + 4;
const TOUCHED_RIGHT: usize = LEAF + 5;
const INDEX: usize = LEAF + 6;
const LEVEL: usize = LEAF + 7;
const RECV_INDEX: usize = LEAF + 8;
const PACK: usize = LEAF + 9;
const CHAIN: usize = LEAF + 11;
const PAIR: usize = LEAF + 12;
/// Position of the `chain_pack` column.
pub(crate) const CHAIN_PACK: usize = LEAF + 13;

/// The paging witness: columns (field elements, `n` rows each) and the two roots.
pub(crate) struct PagingWitness {
    pub(crate) columns: Vec<Vec<Fr>>,
    pub(crate) root_start: Fr,
    pub(crate) root_end: Fr,
}

fn flag(v: bool) -> Fr {
    if v {
        Fr::ONE
    } else {
        Fr::ZERO
    }
}

/// Builds the hash-slot witness of `record` against `tree`, the memory at the segment's
/// start, with the chain steps `chain_steps` after paging.
pub(crate) fn build(
    record: &SegmentRecord,
    tree: &PageTree,
    chain_steps: &[ChainStep],
    usable: usize,
    n: usize,
) -> Result<PagingWitness, SegmentError> {
    let slots = slot_count(usable);
    let mut columns = vec![vec![Fr::ZERO; n]; COLUMN_NAMES.len()];
    let mut next_slot = 0;
    // Writes the next slot: per lane (input, va, vb), and its bookkeeping cells; returns
    // each lane's output.
    let mut place = |lanes: [([Fr; WIDTH], Fr, Fr); 2], cells: &[(usize, Fr)]| {
        if next_slot == slots {
            return Err(SegmentError::HashSlotsExhausted(slots));
        }
        let base = next_slot * SLOT_ROWS;
        next_slot += 1;
        let outputs = lanes.map(|lane_values| {
            let trace = PermutationTrace::new(lane_values.0);
            (trace, lane_values)
        });
        for (lane, (trace, (_, va, vb))) in outputs.iter().enumerate() {
            write_trace(&mut columns, lane, base, trace);
            columns[lane * LANE_WIDTH + WIDTH + AUX_CELLS][base] = *va;
            columns[lane * LANE_WIDTH + WIDTH + AUX_CELLS + 1][base] = *vb;
        }
        for &(c, value) in cells {
            columns[c][base] = value;
        }
        Ok(outputs.map(|(trace, _)| trace.output()))
    };

    // Level 0: the leaves each lane computed, by page.
    let mut computed: [BTreeMap<u32, Fr>; 2] = [BTreeMap::new(), BTreeMap::new()];
    for (page_in, page_out) in record.pages_in.iter().zip(&record.pages_out) {
        let p = page_in.index;
        let elements = [pack_page(&page_in.words), pack_page(&page_out.words)];
        let mut outputs = [[Fr::ZERO; WIDTH]; 2];
        for j in 0..LEAF_STEPS {
            let lanes = [0, 1].map(|lane| {
                let va = elements[lane][2 * j];
                let vb = elements[lane].get(2 * j + 1).copied().unwrap_or(Fr::ZERO);
                let input = if j == 0 {
                    [Fr::from(LEAF_DOMAIN), va, vb]
                } else {
                    let o = outputs[lane];
                    [o[0], o[1] + va, o[2] + vb]
                };
                (input, va, vb)
            });
            let cells = [
                (LEAF, Fr::ONE),
                (FIRST, flag(j == 0)),
                (LAST, flag(j + 1 == LEAF_STEPS)),
                (INDEX, Fr::from(u64::from(p))),
                (RECV_INDEX, Fr::from(ELEMENT_STRIDE * u64::from(p) + 2 * j as u64)),
            ];
            outputs = place(lanes, &cells)?;
        }
        for lane in 0..2 {
            computed[lane].insert(p, outputs[lane][1]);
        }
    }
    // Levels 1..=19: every ancestor of a touched page, from its children.
    for level in 1..=PAGE_TREE_DEPTH as usize {
        let mut next: [BTreeMap<u32, Fr>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let mut positions: Vec<u32> = computed[0].keys().map(|i| i >> 1).collect();
        positions.dedup();
        for i in positions {
            let children = [2 * i, 2 * i + 1];
            let touched = children.map(|c| computed[0].contains_key(&c));
            let lanes = [0, 1].map(|lane| {
                let [left, right] = children.map(|c| {
                    computed[lane].get(&c).copied().unwrap_or_else(|| tree.node(level - 1, c))
                });
                ([Fr::from(NODE_DOMAIN), left, right], left, right)
            });
            let cells = [
                (NODE, Fr::ONE),
                (TOUCHED_LEFT, flag(touched[0])),
                (TOUCHED_RIGHT, flag(touched[1])),
                (INDEX, Fr::from(u64::from(i))),
                (LEVEL, Fr::from(level as u64)),
                (RECV_INDEX, Fr::from(2 * u64::from(i))),
            ];
            let outputs = place(lanes, &cells)?;
            for lane in 0..2 {
                next[lane].insert(i, outputs[lane][1]);
            }
        }
        computed = next;
    }
    let root =
        |lane: usize| computed[lane].get(&0).copied().ok_or(SegmentError::Malformed("no pages"));
    let (root_start, root_end) = (root(0)?, root(1)?);
    if root_start != tree.root() {
        return Err(SegmentError::Malformed("the pages do not match the memory tree"));
    }

    // Chain steps.
    for step in chain_steps {
        let domain = Fr::from(CHAIN_DOMAIN + step.chain as u64);
        let lane0 = ([domain, step.value, step.first], step.value, step.first);
        let lane1 = match step.second {
            Some(e) => ([domain, step.middle, e], step.middle, e),
            None => ([Fr::ZERO; WIDTH], Fr::ZERO, Fr::ZERO),
        };
        let cells = [
            (CHAIN, Fr::ONE),
            (PAIR, flag(step.second.is_some())),
            (LEVEL, Fr::from(step.chain as u64)),
            (INDEX, Fr::from(step.position)),
        ];
        place([lane0, lane1], &cells)?;
    }

    // Idle slots permute zeros (the round gate holds on every slot).
    let idle = PermutationTrace::new([Fr::ZERO; WIDTH]);
    for slot in next_slot..slots {
        for lane in 0..2 {
            write_trace(&mut columns, lane, slot * SLOT_ROWS, &idle);
        }
    }

    // Page rows: each word's packed element tail.
    let shift = Fr::from(1u64 << 32);
    for (block, (page_in, page_out)) in record.pages_in.iter().zip(&record.pages_out).enumerate() {
        for (d, words) in [&page_in.words, &page_out.words].into_iter().enumerate() {
            let mut tail = Fr::ZERO;
            for w in (0..PAGE_WORDS).rev() {
                let carried = if ends_element(w) { Fr::ZERO } else { tail * shift };
                tail = Fr::from(u64::from(words[w])) + carried;
                columns[PACK + d][block * PAGE_WORDS + w] = tail;
            }
        }
    }
    Ok(PagingWitness { columns, root_start, root_end })
}

/// Writes a permutation's states and auxiliary cells into `lane`'s columns from row
/// `base`.
fn write_trace(columns: &mut [Vec<Fr>], lane: usize, base: usize, trace: &PermutationTrace) {
    let offset = lane * LANE_WIDTH;
    for (r, state) in trace.states.iter().enumerate() {
        for (i, value) in state.iter().enumerate() {
            columns[offset + i][base + r] = *value;
        }
    }
    for (r, aux) in trace.aux.iter().enumerate() {
        for (i, value) in aux.iter().enumerate() {
            columns[offset + WIDTH + i][base + r] = *value;
        }
    }
}

/// Whether word `w` of a page is the last of its packed element.
fn ends_element(w: usize) -> bool {
    w % WORDS_PER_ELEMENT == WORDS_PER_ELEMENT - 1 || w + 1 == PAGE_WORDS
}

/// Values of the paging fixed columns, in `HashFixed::all` order.
#[allow(clippy::needless_range_loop)] // Rows index several columns at once.
pub(crate) fn fixed_values(usable: usize, n: usize) -> Vec<Vec<Fr>> {
    const C: usize = ROW_CONSTANTS;
    let rows: Vec<[Fr; C]> = (0..ROUND_ROWS).map(row_constants).collect();
    let mut out = vec![vec![Fr::ZERO; n]; C + 6];
    for slot in 0..slot_count(usable) {
        let base = slot * SLOT_ROWS;
        for (r, constants) in rows.iter().enumerate() {
            for (i, value) in constants.iter().enumerate() {
                out[i][base + r] = *value;
            }
            out[C][base + r] = flag(is_full_row(r));
            out[C + 1][base + r] = flag(!is_full_row(r));
        }
        out[C + 2][base] = Fr::ONE;
    }
    for i in 0..usable {
        let w = i % PAGE_WORDS;
        out[C + 3][i] = flag(!ends_element(w) && i + 1 < usable);
        out[C + 4][i] = flag(w % WORDS_PER_ELEMENT == 0);
        out[C + 5][i] = Fr::from((w / WORDS_PER_ELEMENT) as u64);
    }
    out
}
