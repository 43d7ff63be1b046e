//! In-circuit paging: the page leaves and the Merkle update from `mem_root_start` to
//! `mem_root_end`.
//!
//! Two *hash lanes* run beside the CPU rows, each a column set of the Poseidon round gate
//! (`poseidon::chip`). Both are cut into *slots* of [`SLOT_ROWS`] rows, one permutation
//! each; lane 0 works on the memory as it was when the segment started (the *old* tree),
//! lane 1 on the memory it leaves behind (the *new* tree). A slot's bookkeeping cells sit
//! on its first row and are shared by the two lanes, so both trees have the same shape:
//!
//! - A **leaf step** absorbs two packed elements of a page into the page's sponge: step
//!   `j` of page `p` takes elements `2j, 2j + 1` (the last step, `j = 18`, takes element
//!   36 and a zero). A first step starts from `[LEAF_DOMAIN, 0, 0]`, the others continue
//!   the previous slot's output, which must be step `j − 1` of the same page. The last
//!   step's output word 1 is the page's leaf.
//! - A **node** hashes `[NODE_DOMAIN, left, right]` for position `(level, index)`. A child
//!   the segment touched is received from the slot that computed it; an untouched child is
//!   a free witness, but the *same* value in both lanes, so the new tree keeps every
//!   subtree the segment did not touch.
//!
//! Slots talk over the LogUp bus with `TAG_HASH` messages `(direction, level, index,
//! value)`: page rows send their packed elements at level −1 (element `e` of page `p` at
//! index `64p + e`), a last leaf step sends its leaf at level 0, a node sends its hash at
//! its level, and the root at level 19 is received by the first row against the public
//! input (`mem_root_start` for direction 0, `mem_root_end` for direction 1). A node
//! receives a touched child from level `level − 1` at index `2·index` (left) or
//! `2·index + 1` (right). Since every message is sent once and received once, every page
//! of the page rows enters both trees exactly once, at the position its index says, and
//! the chain of levels from a leaf to the root is forced to be its path.
//!
//! The slots after paging's hold the chain steps (`chain.rs`), which share the lanes.
//!
//! Page words are range-checked (three byte cells and a top byte as an expression, on the
//! byte-pair table), so their packing into elements is unique.

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, VirtualCells},
    poly::Rotation,
};

use super::expr::{boolean, k};
use super::layout::RowExpr;
use super::tables::{TAG_HASH, TAG_PAIR};
use crate::logup::Fraction;
use crate::paging::{ELEMENTS_PER_PAGE, LEAF_DOMAIN, NODE_DOMAIN};
use crate::poseidon::chip::{
    row_constraints, RowCells, AUX_CELLS, ROWS_PER_PERMUTATION, ROW_CONSTANTS,
};
use crate::poseidon::WIDTH;
use crate::Fr;

/// Rows of one slot (one permutation: its round rows and the output row).
pub(crate) const SLOT_ROWS: usize = ROWS_PER_PERMUTATION;
/// Sponge steps per page leaf (two elements per step).
pub(crate) const LEAF_STEPS: usize = ELEMENTS_PER_PAGE.div_ceil(2);
/// Element `e` of page `p` travels at index `ELEMENT_STRIDE · p + e`.
pub(crate) const ELEMENT_STRIDE: u64 = 64;
/// The level of the root.
pub(crate) const ROOT_LEVEL: u64 = abi::memory::PAGE_TREE_DEPTH as u64;

const _: () = assert!(2 * LEAF_STEPS <= ELEMENT_STRIDE as usize);
// The executor budgets segments by these (`vm::hash_slots`).
const _: () = assert!(vm::HASH_SLOT_ROWS as usize == SLOT_ROWS);
const _: () = assert!(vm::PAGE_LEAF_SLOTS as usize == LEAF_STEPS);

/// One hash lane: the Poseidon state and the round rows' auxiliary cells (S-box squares and
/// partial-round outputs), and the two values a slot takes in (absorbed elements, or a
/// node's children).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lane {
    pub(crate) state: [Column<Advice>; WIDTH],
    pub(crate) aux: [Column<Advice>; AUX_CELLS],
    pub(crate) va: Column<Advice>,
    pub(crate) vb: Column<Advice>,
}

/// The hash-slot columns, whose cells are field elements: the two lanes, the slots'
/// bookkeeping (paging's and the chain steps' flags), and the page and syscall rows'
/// element accumulators.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HashColumns {
    pub(crate) lanes: [Lane; 2],
    /// The slot is a leaf step.
    pub(crate) leaf: Column<Advice>,
    /// The slot is a node.
    pub(crate) node: Column<Advice>,
    /// First leaf step of a page.
    pub(crate) first: Column<Advice>,
    /// Last leaf step of a page.
    pub(crate) last: Column<Advice>,
    /// A node's left / right child was computed in this segment.
    pub(crate) touched_left: Column<Advice>,
    pub(crate) touched_right: Column<Advice>,
    /// Page (leaf step) or node index.
    pub(crate) index: Column<Advice>,
    /// Node level (0 for a leaf step).
    pub(crate) level: Column<Advice>,
    /// Index of the first value the slot receives (`va`); `vb` is at the next index.
    pub(crate) recv_index: Column<Advice>,
    /// Page rows: the packed element running from this word to the element's end, for the
    /// page-in (0) and page-out (1) words.
    pub(crate) pack: [Column<Advice>; 2],
    /// The slot is a chain step (`chain.rs`).
    pub(crate) chain: Column<Advice>,
    /// A chain step that uses both lanes (absorbs two elements).
    pub(crate) pair: Column<Advice>,
    /// Syscall rows: the chain element running from this row's value to the element's end.
    pub(crate) chain_pack: Column<Advice>,
}

/// Fixed columns of paging.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HashFixed {
    pub(crate) round_constants: [Column<Fixed>; ROW_CONSTANTS],
    pub(crate) q_full: Column<Fixed>,
    pub(crate) q_partial: Column<Fixed>,
    /// 1 on the first row of every slot.
    pub(crate) q_slot: Column<Fixed>,
    /// 1 on page rows whose next row continues the same element.
    pub(crate) pg_pack_next: Column<Fixed>,
    /// 1 on the first word of every element.
    pub(crate) pg_elem_start: Column<Fixed>,
    /// The element index of the word within its page.
    pub(crate) pg_elem: Column<Fixed>,
}

impl HashColumns {
    pub(crate) fn new(meta: &mut ConstraintSystem<Fr>) -> Self {
        let mut lane = || Lane {
            state: [(); WIDTH].map(|()| meta.advice_column()),
            aux: [(); AUX_CELLS].map(|()| meta.advice_column()),
            va: meta.advice_column(),
            vb: meta.advice_column(),
        };
        let lanes = [lane(), lane()];
        Self {
            lanes,
            leaf: meta.advice_column(),
            node: meta.advice_column(),
            first: meta.advice_column(),
            last: meta.advice_column(),
            touched_left: meta.advice_column(),
            touched_right: meta.advice_column(),
            index: meta.advice_column(),
            level: meta.advice_column(),
            recv_index: meta.advice_column(),
            pack: [meta.advice_column(), meta.advice_column()],
            chain: meta.advice_column(),
            pair: meta.advice_column(),
            chain_pack: meta.advice_column(),
        }
    }

    /// The columns in witness order (see `merkle_witness.rs`).
    pub(crate) fn all(&self) -> Vec<Column<Advice>> {
        let mut out = Vec::new();
        for lane in &self.lanes {
            out.extend(lane.state);
            out.extend(lane.aux);
            out.push(lane.va);
            out.push(lane.vb);
        }
        out.extend([
            self.leaf,
            self.node,
            self.first,
            self.last,
            self.touched_left,
            self.touched_right,
            self.index,
            self.level,
            self.recv_index,
        ]);
        out.extend(self.pack);
        out.extend([self.chain, self.pair, self.chain_pack]);
        out
    }
}

impl HashFixed {
    /// The columns in the order of `merkle_witness::fixed_values`.
    pub(crate) fn all(&self) -> Vec<Column<Fixed>> {
        let mut out = self.round_constants.to_vec();
        out.extend([
            self.q_full,
            self.q_partial,
            self.q_slot,
            self.pg_pack_next,
            self.pg_elem_start,
            self.pg_elem,
        ]);
        out
    }

    pub(crate) fn new(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self {
            round_constants: [(); ROW_CONSTANTS].map(|()| meta.fixed_column()),
            q_full: meta.fixed_column(),
            q_partial: meta.fixed_column(),
            q_slot: meta.fixed_column(),
            pg_pack_next: meta.fixed_column(),
            pg_elem_start: meta.fixed_column(),
            pg_elem: meta.fixed_column(),
        }
    }
}

/// A slot's bookkeeping cells at one rotation.
struct Slot {
    leaf: Expression<Fr>,
    node: Expression<Fr>,
    first: Expression<Fr>,
    last: Expression<Fr>,
    tl: Expression<Fr>,
    tr: Expression<Fr>,
    index: Expression<Fr>,
    level: Expression<Fr>,
    recv_index: Expression<Fr>,
}

impl Slot {
    fn query(vc: &mut VirtualCells<'_, Fr>, h: &HashColumns, rotation: Rotation) -> Self {
        let mut q = |c| vc.query_advice(c, rotation);
        Self {
            leaf: q(h.leaf),
            node: q(h.node),
            first: q(h.first),
            last: q(h.last),
            tl: q(h.touched_left),
            tr: q(h.touched_right),
            index: q(h.index),
            level: q(h.level),
            recv_index: q(h.recv_index),
        }
    }
}

type Named = (&'static str, Expression<Fr>);

fn state(vc: &mut VirtualCells<'_, Fr>, lane: &Lane, rotation: Rotation) -> [Expression<Fr>; 3] {
    lane.state.map(|c| vc.query_advice(c, rotation))
}

/// The constraints of paging, queried at the current row. `q_usable` and `q_first` are
/// the circuit's row selectors; `r` the first-phase row (for the page words).
pub(crate) fn constraints(
    vc: &mut VirtualCells<'_, Fr>,
    h: &HashColumns,
    f: &HashFixed,
    r: &RowExpr,
    (q_usable, q_first): (Expression<Fr>, Expression<Fr>),
) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let q_full = vc.query_fixed(f.q_full, Rotation::cur());
    let q_partial = vc.query_fixed(f.q_partial, Rotation::cur());
    let constants = f.round_constants.map(|c| vc.query_fixed(c, Rotation::cur()));
    for lane in &h.lanes {
        let row = RowCells {
            state: state(vc, lane, Rotation::cur()),
            aux: lane.aux.map(|c| vc.query_advice(c, Rotation::cur())),
            constants: constants.clone(),
            next: state(vc, lane, Rotation::next()),
        };
        out.extend(
            row_constraints(&q_full, &q_partial, &row).into_iter().map(|e| ("poseidon round", e)),
        );
    }

    let q_slot = vc.query_fixed(f.q_slot, Rotation::cur());
    let s = Slot::query(vc, h, Rotation::cur());
    let prev = Slot::query(vc, h, Rotation(-(SLOT_ROWS as i32)));
    let cont = s.leaf.clone() - s.first.clone();
    let mut slot: Vec<Named> = vec![
        ("leaf flag", boolean(&s.leaf)),
        ("node flag", boolean(&s.node)),
        ("first flag", boolean(&s.first)),
        ("last flag", boolean(&s.last)),
        ("left touched flag", boolean(&s.tl)),
        ("right touched flag", boolean(&s.tr)),
        ("leaf or node", s.leaf.clone() * s.node.clone()),
        ("first step is a leaf step", s.first.clone() * (k(1) - s.leaf.clone())),
        ("last step is a leaf step", s.last.clone() * (k(1) - s.leaf.clone())),
        ("touched left child of a node", s.tl.clone() * (k(1) - s.node.clone())),
        ("touched right child of a node", s.tr.clone() * (k(1) - s.node.clone())),
        ("leaf at level 0", s.leaf.clone() * s.level.clone()),
        ("node children indices", s.node.clone() * (s.recv_index.clone() - s.index.clone() * k(2))),
        (
            "first step takes elements 0, 1",
            s.first.clone() * (s.recv_index.clone() - s.index.clone() * k(ELEMENT_STRIDE)),
        ),
        (
            "last step takes element 36",
            s.last.clone()
                * (s.recv_index.clone()
                    - s.index.clone() * k(ELEMENT_STRIDE)
                    - k(2 * (LEAF_STEPS as u64 - 1))),
        ),
        // A continuing step follows step j − 1 of the same page (not on the first slot).
        ("first slot does not continue", q_first * cont.clone()),
        ("continues a leaf", cont.clone() * (k(1) - prev.leaf.clone())),
        ("continues an unfinished leaf", cont.clone() * prev.last.clone()),
        ("continues the same page", cont.clone() * (s.index.clone() - prev.index.clone())),
        (
            "continues with the next elements",
            cont.clone() * (s.recv_index.clone() - prev.recv_index - k(2)),
        ),
    ];
    let leaf_domain = Expression::Constant(Fr::from(LEAF_DOMAIN));
    let node_domain = Expression::Constant(Fr::from(NODE_DOMAIN));
    let starts = s.first.clone() + s.node.clone();
    let lanes: Vec<_> = h
        .lanes
        .iter()
        .map(|lane| {
            (
                state(vc, lane, Rotation::cur()),
                state(vc, lane, Rotation::prev()),
                vc.query_advice(lane.va, Rotation::cur()),
                vc.query_advice(lane.vb, Rotation::cur()),
            )
        })
        .collect();
    for (input, before, va, vb) in &lanes {
        slot.extend([
            (
                "slot domain",
                starts.clone()
                    * (input[0].clone()
                        - s.first.clone() * leaf_domain.clone()
                        - s.node.clone() * node_domain.clone()),
            ),
            ("slot takes va", starts.clone() * (input[1].clone() - va.clone())),
            ("slot takes vb", starts.clone() * (input[2].clone() - vb.clone())),
            ("sponge capacity carried", cont.clone() * (input[0].clone() - before[0].clone())),
            (
                "sponge absorbs va",
                cont.clone() * (input[1].clone() - before[1].clone() - va.clone()),
            ),
            (
                "sponge absorbs vb",
                cont.clone() * (input[2].clone() - before[2].clone() - vb.clone()),
            ),
            ("last step pads with zero", s.last.clone() * vb.clone()),
        ]);
    }
    let (va_old, vb_old) = (&lanes[0].2, &lanes[0].3);
    let (va_new, vb_new) = (&lanes[1].2, &lanes[1].3);
    slot.extend([
        (
            "untouched left child kept",
            s.node.clone() * (k(1) - s.tl.clone()) * (va_old.clone() - va_new.clone()),
        ),
        (
            "untouched right child kept",
            s.node.clone() * (k(1) - s.tr.clone()) * (vb_old.clone() - vb_new.clone()),
        ),
    ]);
    out.extend(slot.into_iter().map(|(name, e)| (name, q_slot.clone() * e)));

    // Bus flags only on slot rows.
    let off_slot = q_usable.clone() - q_slot;
    for (name, flag) in [
        ("leaf flag off slot", &s.leaf),
        ("node flag off slot", &s.node),
        ("last flag off slot", &s.last),
        ("left flag off slot", &s.tl),
        ("right flag off slot", &s.tr),
    ] {
        out.push((name, off_slot.clone() * flag.clone()));
    }

    // Page rows: pack seven words per element.
    let pack_next = vc.query_fixed(f.pg_pack_next, Rotation::cur());
    for (name, pack, word) in [
        ("page-in element packing", h.pack[0], &r.pg_in),
        ("page-out element packing", h.pack[1], &r.pg_out),
    ] {
        let cur = vc.query_advice(pack, Rotation::cur());
        let next = vc.query_advice(pack, Rotation::next());
        out.push((
            name,
            q_usable.clone() * (cur - word.clone() - pack_next.clone() * k(1 << 32) * next),
        ));
    }
    out
}

/// Cells the paging fractions read.
pub(crate) struct HashBus {
    pub(crate) pg_elem_start: Expression<Fr>,
    pub(crate) pg_elem: Expression<Fr>,
    /// Per lane: `va`, `vb` and the slot's output word 1.
    pub(crate) lanes: [(Expression<Fr>, Expression<Fr>, Expression<Fr>); 2],
    pub(crate) leaf: Expression<Fr>,
    pub(crate) node: Expression<Fr>,
    pub(crate) last: Expression<Fr>,
    pub(crate) tl: Expression<Fr>,
    pub(crate) tr: Expression<Fr>,
    pub(crate) index: Expression<Fr>,
    pub(crate) level: Expression<Fr>,
    pub(crate) recv_index: Expression<Fr>,
    pub(crate) pack: [Expression<Fr>; 2],
}

impl HashBus {
    pub(crate) fn query(vc: &mut VirtualCells<'_, Fr>, h: &HashColumns, f: &HashFixed) -> Self {
        let s = Slot::query(vc, h, Rotation::cur());
        let output = Rotation(SLOT_ROWS as i32 - 1);
        let lanes = h.lanes.map(|lane| {
            (
                vc.query_advice(lane.va, Rotation::cur()),
                vc.query_advice(lane.vb, Rotation::cur()),
                vc.query_advice(lane.state[1], output),
            )
        });
        Self {
            pg_elem_start: vc.query_fixed(f.pg_elem_start, Rotation::cur()),
            pg_elem: vc.query_fixed(f.pg_elem, Rotation::cur()),
            lanes,
            leaf: s.leaf,
            node: s.node,
            last: s.last,
            tl: s.tl,
            tr: s.tr,
            index: s.index,
            level: s.level,
            recv_index: s.recv_index,
            pack: h.pack.map(|c| vc.query_advice(c, Rotation::cur())),
        }
    }
}

fn message(
    direction: u64,
    level: Expression<Fr>,
    index: Expression<Fr>,
    value: Expression<Fr>,
) -> Vec<Expression<Fr>> {
    vec![k(TAG_HASH), k(direction), level, index, value]
}

/// The root's receive, on the first row, against a public input.
pub(crate) fn root_receive(
    q_first: &Expression<Fr>,
    direction: u64,
    root: Expression<Fr>,
) -> Fraction {
    Fraction::new(-q_first.clone(), message(direction, k(ROOT_LEVEL), k(0), root))
}

/// The slots' and the page rows' fraction groups.
pub(crate) fn fractions(b: &HashBus, r: &RowExpr) -> Vec<Vec<Fraction>> {
    let mut groups = Vec::new();
    let receive_a = b.leaf.clone() + b.tl.clone();
    let receive_b = b.leaf.clone() - b.last.clone() + b.tr.clone();
    let sends = b.last.clone() + b.node.clone();
    let child_level = b.level.clone() - k(1);
    for (direction, (va, vb, output)) in b.lanes.iter().enumerate() {
        let direction = direction as u64;
        groups.push(vec![
            Fraction::new(
                -receive_a.clone(),
                message(direction, child_level.clone(), b.recv_index.clone(), va.clone()),
            ),
            Fraction::new(
                -receive_b.clone(),
                message(direction, child_level.clone(), b.recv_index.clone() + k(1), vb.clone()),
            ),
            Fraction::new(
                sends.clone(),
                message(direction, b.level.clone(), b.index.clone(), output.clone()),
            ),
        ]);
    }
    let top = |word: &Expression<Fr>, low: [&Expression<Fr>; 3]| {
        let inv = Fr::from(1u64 << 24).invert().unwrap_or(Fr::ZERO);
        (word.clone() - low[0].clone() - low[1].clone() * k(1 << 8) - low[2].clone() * k(1 << 16))
            * Expression::Constant(inv)
    };
    let pair = |x: Expression<Fr>, y: Expression<Fr>| Fraction::new(k(1), vec![k(TAG_PAIR), x, y]);
    let top_in = top(&r.pg_in, [&r.pgi0, &r.pgi1, &r.pgi2]);
    let top_out = top(&r.pg_out, [&r.pgo0, &r.pgo1, &r.pgo2]);
    groups.push(vec![
        pair(r.pgi0.clone(), r.pgi1.clone()),
        pair(r.pgi2.clone(), top_in),
        pair(r.pgo0.clone(), r.pgo1.clone()),
    ]);
    let element_sends = r.pg_active.clone() * b.pg_elem_start.clone();
    let element_index = r.pg_page.clone() * k(ELEMENT_STRIDE) + b.pg_elem.clone();
    let element = |direction: usize| {
        Fraction::new(
            element_sends.clone(),
            message(direction as u64, -k(1), element_index.clone(), b.pack[direction].clone()),
        )
    };
    groups.push(vec![pair(r.pgo2.clone(), top_out), element(0), element(1)]);
    groups
}

/// Number of groups [`fractions`] returns.
pub(crate) const GROUPS: usize = 4;

/// Rows that the slots of a `usable`-row circuit fill, and their number.
pub(crate) fn slot_count(usable: usize) -> usize {
    usable / SLOT_ROWS
}
