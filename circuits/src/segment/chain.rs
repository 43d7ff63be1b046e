//! The chains in the circuit: COMMIT words and precompile calls folded into running
//! hashes whose start and end values are public inputs (see [`crate::chains`] for the
//! definition).
//!
//! **Rows.** Every syscall data row, and the `ecall` row of SECP256K1_RECOVER (its
//! success flag), carries one 64-bit chain value (`ch_value`), bound to the row's memory
//! words by its syscall kind. A one-hot position (`ch_p0..2`) cycles through each call's
//! value rows from 0, so elements are three rows, never across calls; `chain_pack` folds a
//! row's value with the rest of its element, and the element's first row sends it as
//! `(ELEMENT, chain, position, element)`. The position counts down: `ch_left_*` is the
//! number of the chain's elements that start at this row or later. Words a syscall writes
//! are tied to range-checked bytes, so the packing is injective.
//!
//! **Slots.** A chain step takes a hash slot: lane 0 computes
//! `permute([CHAIN_DOMAIN + c, h, e_q])` from the chain value `h` at position `q` (the
//! number of elements still to absorb) and element `q`; with `pair` set, lane 1 continues
//! from lane 0's output with element `q − 1`. The slot receives `(VALUE, c, q, h)` and the
//! elements, and sends the new value at `q − 1` (or `q − 2`). The first row sends each
//! chain's start value at its element count and receives its end value at position 0,
//! both against the public inputs. Every element is sent once and received once, so the
//! steps cover each chain's elements exactly once; a step's value at `q` can only come from
//! the step that ends at `q`, so they fold in order.

use halo2_base::halo2_proofs::{
    plonk::{Expression, VirtualCells},
    poly::Rotation,
};

use super::cpu::Named;
use super::expr::{boolean, k, two32, Derived};
use super::layout::RowExpr;
use super::merkle::{HashColumns, HashFixed, SLOT_ROWS};
use super::tables::TAG_CHAIN;
use crate::chains::{Chain, CHAIN_DOMAIN, VALUES_PER_ELEMENT};
use crate::logup::Fraction;
use crate::Fr;

/// Message kind of a chain value.
const VALUE: u64 = 0;
/// Message kind of a chain element.
const ELEMENT: u64 = 1;

const _: () = assert!(VALUES_PER_ELEMENT == 3, "the position is one-hot over three rows");

fn message(
    kind: u64,
    chain: Expression<Fr>,
    position: Expression<Fr>,
    value: Expression<Fr>,
) -> Vec<Expression<Fr>> {
    vec![k(TAG_CHAIN), k(kind), chain, position, value]
}

/// The chain cells of a row: its syscall kind's flag and its remaining-element count, in
/// [`Chain::ALL`] order.
fn per_chain(r: &RowExpr) -> [(Chain, &Expression<Fr>, &Expression<Fr>); 3] {
    [
        (Chain::Output, &r.s_commit, &r.ch_left_output),
        (Chain::Keccak, &r.s_keccak, &r.ch_left_keccak),
        (Chain::Secp, &r.s_secp, &r.ch_left_secp),
    ]
}

/// Cells of the next row that the chain transitions read.
pub(crate) struct ChainNext {
    pub(crate) f_data: Expression<Fr>,
    pub(crate) p: [Expression<Fr>; 3],
    pub(crate) left: [Expression<Fr>; 3],
    pub(crate) pack: Expression<Fr>,
}

impl ChainNext {
    pub(crate) fn query(
        vc: &mut VirtualCells<'_, Fr>,
        cols: &super::layout::Columns,
        hash: &HashColumns,
    ) -> Self {
        let mut next = |c| vc.query_advice(c, Rotation::next());
        Self {
            f_data: next(cols.f_data),
            p: [cols.ch_p0, cols.ch_p1, cols.ch_p2].map(&mut next),
            left: [cols.ch_left_output, cols.ch_left_keccak, cols.ch_left_secp].map(&mut next),
            pack: next(hash.chain_pack),
        }
    }
}

/// Row constraints: the position cycle's booleans and each kind's chain value.
pub(crate) fn row(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let p_sum = r.ch_p0.clone() + r.ch_p1.clone() + r.ch_p2.clone();
    let secp_flag_row = r.f_ecall.clone() * r.s_secp.clone();
    let data = |flag: &Expression<Fr>| r.f_data.clone() * flag.clone();
    let v = &r.ch_value;
    vec![
        ("chain position 0 boolean", boolean(&r.ch_p0)),
        ("chain position 1 boolean", boolean(&r.ch_p1)),
        ("chain position 2 boolean", boolean(&r.ch_p2)),
        (
            "chain values on data rows and the secp flag",
            p_sum - r.f_data.clone() - secp_flag_row.clone(),
        ),
        ("secp flag opens its element", secp_flag_row.clone() * (k(1) - r.ch_p0.clone())),
        ("commit value", data(&r.s_commit) * (v.clone() - d.b.clone())),
        ("keccak value", data(&r.s_keccak) * (v.clone() - d.b.clone() - two32() * r.mval.clone())),
        ("secp flag value", secp_flag_row * (v.clone() - d.xl.clone())),
        (
            "secp input value",
            data(&r.s_secp) * (k(1) - r.secp_out.clone()) * (v.clone() - d.b.clone()),
        ),
        ("secp output value", data(&r.s_secp) * r.secp_out.clone() * (v.clone() - r.mval.clone())),
        (
            "syscall writes are words",
            r.f_data.clone()
                * (r.s_read.clone() + r.s_keccak.clone() + r.s_secp.clone() * r.secp_out.clone())
                * (r.mval.clone() - d.xl.clone()),
        ),
    ]
}

/// Transitions: the position cycle, the countdowns and the element packing.
pub(crate) fn step(r: &RowExpr, pack: &Expression<Fr>, n: &ChainNext) -> Vec<Named> {
    let [p0, p1, p2] = [&r.ch_p0, &r.ch_p1, &r.ch_p2];
    let opens_next = r.f_ecall.clone() * (k(1) - r.s_secp.clone());
    let mut out: Vec<Named> = vec![
        ("chain position advances to 1", n.f_data.clone() * (n.p[1].clone() - p0.clone())),
        ("chain position advances to 2", n.f_data.clone() * (n.p[2].clone() - p1.clone())),
        (
            "chain position wraps or opens a call",
            n.f_data.clone() * (n.p[0].clone() - p2.clone() - opens_next),
        ),
    ];
    for ((_, flag, left), next_left) in per_chain(r).into_iter().zip(&n.left) {
        out.push((
            "chain elements counted down",
            left.clone() - next_left.clone() - p0.clone() * flag.clone(),
        ));
    }
    let shift = two32() * two32();
    let continues = (k(1) - p2.clone()) * n.f_data.clone() * n.pack.clone();
    out.push((
        "chain element packing",
        (p0.clone() + p1.clone() + p2.clone())
            * (pack.clone() - r.ch_value.clone() - shift * continues),
    ));
    out
}

/// On the last usable row, every countdown ends.
pub(crate) fn last(r: &RowExpr) -> Vec<Named> {
    per_chain(r)
        .into_iter()
        .map(|(_, flag, left)| {
            ("chain countdown ends", left.clone() - r.ch_p0.clone() * flag.clone())
        })
        .collect()
}

/// One lane of a chain step: the permutation input, `va`, `vb` and output word 1.
struct LaneCells {
    input: [Expression<Fr>; 3],
    va: Expression<Fr>,
    vb: Expression<Fr>,
    output: Expression<Fr>,
}

/// A chain step's cells: flags, chain id (`level`), position (`index`) and its lanes.
struct StepCells {
    chain: Expression<Fr>,
    pair: Expression<Fr>,
    id: Expression<Fr>,
    position: Expression<Fr>,
    lanes: [LaneCells; 2],
}

impl StepCells {
    fn query(vc: &mut VirtualCells<'_, Fr>, h: &HashColumns) -> Self {
        let output = Rotation(SLOT_ROWS as i32 - 1);
        let lanes = h.lanes.map(|lane| LaneCells {
            input: lane.state.map(|c| vc.query_advice(c, Rotation::cur())),
            va: vc.query_advice(lane.va, Rotation::cur()),
            vb: vc.query_advice(lane.vb, Rotation::cur()),
            output: vc.query_advice(lane.state[1], output),
        });
        Self {
            chain: vc.query_advice(h.chain, Rotation::cur()),
            pair: vc.query_advice(h.pair, Rotation::cur()),
            id: vc.query_advice(h.level, Rotation::cur()),
            position: vc.query_advice(h.index, Rotation::cur()),
            lanes,
        }
    }
}

/// Slot constraints of chain steps (`q_usable` gates them all).
pub(crate) fn slots(
    vc: &mut VirtualCells<'_, Fr>,
    h: &HashColumns,
    f: &HashFixed,
    q_usable: &Expression<Fr>,
) -> Vec<Named> {
    let q_slot = vc.query_fixed(f.q_slot, Rotation::cur());
    let leaf = vc.query_advice(h.leaf, Rotation::cur());
    let node = vc.query_advice(h.node, Rotation::cur());
    let s = StepCells::query(vc, h);
    let domain = k(CHAIN_DOMAIN) + s.id.clone();
    let [l0, l1] = &s.lanes;
    let (in0, va0, vb0, out0) = (&l0.input, &l0.va, &l0.vb, &l0.output);
    let (in1, vb1) = (&l1.input, &l1.vb);
    let on_slot: Vec<Named> = vec![
        ("chain flag", boolean(&s.chain)),
        ("pair flag", boolean(&s.pair)),
        ("pair is a chain step", s.pair.clone() * (k(1) - s.chain.clone())),
        ("chain step is not a leaf", s.chain.clone() * leaf),
        ("chain step is not a node", s.chain.clone() * node),
        (
            "chain id in range",
            s.chain.clone() * s.id.clone() * (s.id.clone() - k(1)) * (s.id.clone() - k(2)),
        ),
        ("chain step domain", s.chain.clone() * (in0[0].clone() - domain.clone())),
        ("chain step takes the value", s.chain.clone() * (in0[1].clone() - va0.clone())),
        ("chain step takes an element", s.chain.clone() * (in0[2].clone() - vb0.clone())),
        ("paired step domain", s.pair.clone() * (in1[0].clone() - domain)),
        ("paired step continues lane 0", s.pair.clone() * (in1[1].clone() - out0.clone())),
        ("paired step takes an element", s.pair.clone() * (in1[2].clone() - vb1.clone())),
    ];
    let mut out: Vec<Named> =
        on_slot.into_iter().map(|(name, e)| (name, q_slot.clone() * e)).collect();
    let off_slot = q_usable.clone() - q_slot;
    out.push(("chain flag off slot", off_slot.clone() * s.chain));
    out.push(("pair flag off slot", off_slot * s.pair));
    out
}

/// The chain fractions: the steps' receives, their sends (with the output chain's end
/// receive), the rows' element sends, and the start sends. The keccak and secp end
/// receives ride in the memory argument's groups ([`Boundary::end`]).
pub(crate) fn fractions(
    vc: &mut VirtualCells<'_, Fr>,
    h: &HashColumns,
    r: &RowExpr,
    boundary: &Boundary,
) -> Vec<Vec<Fraction>> {
    let s = StepCells::query(vc, h);
    let pack = vc.query_advice(h.chain_pack, Rotation::cur());
    let [l0, l1] = &s.lanes;
    let (va0, vb0, out0) = (&l0.va, &l0.vb, &l0.output);
    let (vb1, out1) = (&l1.vb, &l1.output);
    let id = &s.id;
    let q = &s.position;
    let receives = vec![
        Fraction::new(-s.chain.clone(), message(VALUE, id.clone(), q.clone(), va0.clone())),
        Fraction::new(-s.chain.clone(), message(ELEMENT, id.clone(), q.clone(), vb0.clone())),
        Fraction::new(-s.pair.clone(), message(ELEMENT, id.clone(), q.clone() - k(1), vb1.clone())),
    ];
    let sends = vec![
        Fraction::new(
            s.chain.clone() - s.pair.clone(),
            message(VALUE, id.clone(), q.clone() - k(1), out0.clone()),
        ),
        Fraction::new(s.pair.clone(), message(VALUE, id.clone(), q.clone() - k(2), out1.clone())),
        boundary.end(Chain::Output),
    ];
    let elements = per_chain(r)
        .into_iter()
        .map(|(chain, flag, left)| {
            Fraction::new(
                r.ch_p0.clone() * flag.clone(),
                message(ELEMENT, k(chain as u64), left.clone(), pack.clone()),
            )
        })
        .collect();
    let starts = per_chain(r)
        .into_iter()
        .map(|(chain, _, left)| {
            Fraction::new(
                boundary.q_first.clone(),
                message(
                    VALUE,
                    k(chain as u64),
                    left.clone(),
                    boundary.start[chain as usize].clone(),
                ),
            )
        })
        .collect();
    vec![receives, sends, elements, starts]
}

/// Number of groups [`fractions`] returns.
pub(crate) const GROUPS: usize = 4;

/// The first row's public chain values.
pub(crate) struct Boundary {
    pub(crate) q_first: Expression<Fr>,
    /// Start values, in [`Chain::ALL`] order.
    pub(crate) start: [Expression<Fr>; 3],
    /// End values, in [`Chain::ALL`] order.
    pub(crate) end: [Expression<Fr>; 3],
}

impl Boundary {
    /// The receive of `chain`'s end value (at position 0) on the first row.
    pub(crate) fn end(&self, chain: Chain) -> Fraction {
        Fraction::new(
            -self.q_first.clone(),
            message(VALUE, k(chain as u64), k(0), self.end[chain as usize].clone()),
        )
    }
}
