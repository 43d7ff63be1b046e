//! The link between a node's children, in-circuit.
//!
//! A node reads each child's boundary from the child's (now private, assigned) public
//! inputs and constrains, for every pair of neighbours, that the right one starts where
//! the left one ended (`pc`, memory root, every chain) and that the left one did not halt.
//! Its own boundary is the first child's start and the last child's end, `halted` and
//! `exit_code`. The children's order is the execution's order, so swapping, dropping or
//! splicing in a segment breaks at least one of these equalities.

use circuits::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::{AssignedValue, Context};

use crate::boundary::{Boundary, BoundaryLayout, CHAINS};

/// A boundary whose fields are cells of the circuit.
#[derive(Debug, Clone)]
pub struct AssignedBoundary {
    /// Program counter at the start.
    pub pc_start: AssignedValue<Fr>,
    /// Memory root at the start.
    pub mem_root_start: AssignedValue<Fr>,
    /// Chains at the start, in `Chain::ALL` order.
    pub chains_start: [AssignedValue<Fr>; CHAINS],
    /// Program counter at the end.
    pub pc_end: AssignedValue<Fr>,
    /// Memory root at the end.
    pub mem_root_end: AssignedValue<Fr>,
    /// Chains at the end.
    pub chains_end: [AssignedValue<Fr>; CHAINS],
    /// Whether the last segment halted.
    pub halted: AssignedValue<Fr>,
    /// Its exit code.
    pub exit_code: AssignedValue<Fr>,
}

impl AssignedBoundary {
    /// Reads the boundary out of a child's assigned instances. `None` if the child has
    /// fewer instances than the layout reads.
    pub fn read(instances: &[AssignedValue<Fr>], layout: &BoundaryLayout) -> Option<Self> {
        let get = |i: usize| instances.get(i).copied();
        let chains = |idx: [usize; CHAINS]| -> Option<[AssignedValue<Fr>; CHAINS]> {
            Some([get(idx[0])?, get(idx[1])?, get(idx[2])?])
        };
        Some(Self {
            pc_start: get(layout.pc_start)?,
            mem_root_start: get(layout.mem_root_start)?,
            chains_start: chains(layout.chains_start)?,
            pc_end: get(layout.pc_end)?,
            mem_root_end: get(layout.mem_root_end)?,
            chains_end: chains(layout.chains_end)?,
            halted: get(layout.halted)?,
            exit_code: get(layout.exit_code)?,
        })
    }

    /// Loads a native boundary as fresh witnesses (for tests of the gadgets).
    pub fn witness(ctx: &mut Context<Fr>, boundary: &Boundary) -> Self {
        let cells: Vec<AssignedValue<Fr>> =
            boundary.to_fields().into_iter().map(|f| ctx.load_witness(f)).collect();
        Self::read(&cells, &BoundaryLayout::node(0)).expect("a boundary has every field")
    }

    /// The fields in a node's public-input order (`BoundaryLayout::node(0)`).
    pub fn to_instances(&self) -> Vec<AssignedValue<Fr>> {
        let mut out = vec![self.pc_start, self.mem_root_start];
        out.extend(self.chains_start);
        out.extend([self.pc_end, self.mem_root_end]);
        out.extend(self.chains_end);
        out.extend([self.halted, self.exit_code]);
        out
    }
}

/// Links `children` in order and returns the boundary of the whole; `children` must not be
/// empty (a node always has a child).
pub fn link(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    children: &[AssignedBoundary],
) -> AssignedBoundary {
    assert!(!children.is_empty(), "a node links at least one child");
    for pair in children.windows(2) {
        let (left, right) = (&pair[0], &pair[1]);
        // Only the last segment of an execution halts.
        gate.assert_is_const(ctx, &left.halted, &Fr::zero());
        ctx.constrain_equal(&left.pc_end, &right.pc_start);
        ctx.constrain_equal(&left.mem_root_end, &right.mem_root_start);
        for (end, start) in left.chains_end.iter().zip(&right.chains_start) {
            ctx.constrain_equal(end, start);
        }
    }
    let (first, last) = (&children[0], &children[children.len() - 1]);
    AssignedBoundary {
        pc_start: first.pc_start,
        mem_root_start: first.mem_root_start,
        chains_start: first.chains_start,
        pc_end: last.pc_end,
        mem_root_end: last.mem_root_end,
        chains_end: last.chains_end,
        halted: last.halted,
        exit_code: last.exit_code,
    }
}
