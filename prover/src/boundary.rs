//! A stretch of execution as the tree sees it: where it starts, where it ends, and how.
//!
//! Every node of the aggregation tree exposes one [`Boundary`] after its accumulator: the
//! program counter, memory root and chains at its start and at its end, and whether its
//! last segment halted, with which exit code. A segment proof exposes the same facts in
//! the segment circuit's own order ([`SegmentPublicInputs::to_instances`]); both orders
//! are read here, natively and in-circuit ([`crate::gadgets::link`]).

use circuits::chains::{Chain, Chains};
use circuits::segment::{SegmentPublicInputs, SegmentStart};
use circuits::Fr;
use vm::{Program, SegmentRecord};

/// Field elements of a boundary in a node's public inputs.
pub const BOUNDARY_FIELDS: usize = 4 + 2 * CHAINS + 2;
/// Number of chains (output, keccak, secp256k1).
pub const CHAINS: usize = Chain::ALL.len();

/// Where a boundary's fields sit in an instance vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundaryLayout {
    /// Index of the start pc.
    pub pc_start: usize,
    /// Index of the end pc.
    pub pc_end: usize,
    /// Index of the start memory root.
    pub mem_root_start: usize,
    /// Index of the end memory root.
    pub mem_root_end: usize,
    /// Index of chain `c`'s start value is `chains_start[c]`.
    pub chains_start: [usize; CHAINS],
    /// Index of chain `c`'s end value is `chains_end[c]`.
    pub chains_end: [usize; CHAINS],
    /// Index of the halted flag.
    pub halted: usize,
    /// Index of the exit code.
    pub exit_code: usize,
}

impl BoundaryLayout {
    /// The segment circuit's instance order: `pc_start, pc_end, mem_root_start,
    /// mem_root_end, halted, exit_code`, then each chain's start and end.
    pub const SEGMENT: Self = Self {
        pc_start: 0,
        pc_end: 1,
        mem_root_start: 2,
        mem_root_end: 3,
        halted: 4,
        exit_code: 5,
        chains_start: [6, 8, 10],
        chains_end: [7, 9, 11],
    };

    /// A node's order after its accumulator limbs: the start (`pc, mem_root`, chains),
    /// the end (the same), then `halted, exit_code`.
    pub const fn node(offset: usize) -> Self {
        Self {
            pc_start: offset,
            mem_root_start: offset + 1,
            chains_start: [offset + 2, offset + 3, offset + 4],
            pc_end: offset + 5,
            mem_root_end: offset + 6,
            chains_end: [offset + 7, offset + 8, offset + 9],
            halted: offset + 10,
            exit_code: offset + 11,
        }
    }

    /// The number of fields the layout reads from.
    pub fn len(&self) -> usize {
        [
            self.pc_start,
            self.pc_end,
            self.mem_root_start,
            self.mem_root_end,
            self.halted,
            self.exit_code,
        ]
        .into_iter()
        .chain(self.chains_start)
        .chain(self.chains_end)
        .max()
        .map_or(0, |m| m + 1)
    }

    /// Whether the layout reads no field (never: kept for clippy's `len` convention).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The facts a proof states about the stretch of execution it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    /// Program counter at the start.
    pub pc_start: u32,
    /// Memory root at the start.
    pub mem_root_start: Fr,
    /// Chains at the start.
    pub chains_start: Chains,
    /// Program counter at the end.
    pub pc_end: u32,
    /// Memory root at the end.
    pub mem_root_end: Fr,
    /// Chains at the end.
    pub chains_end: Chains,
    /// Whether the last segment halted.
    pub halted: bool,
    /// Its exit code (0 if it did not halt).
    pub exit_code: u32,
}

/// Why a sequence of boundaries does not form one execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No boundaries at all.
    #[error("nothing to link")]
    Empty,
    /// Part `index + 1` does not start where part `index` ended.
    #[error("part {} does not start where part {index} ended", index + 1)]
    Gap {
        /// The earlier part.
        index: usize,
    },
    /// Part `index` halted although another part follows it.
    #[error("part {index} halted, but the execution goes on after it")]
    HaltedEarly {
        /// The part.
        index: usize,
    },
}

impl Boundary {
    /// The boundary a segment proof states.
    pub fn from_segment(public: &SegmentPublicInputs) -> Self {
        Self {
            pc_start: public.pc_start,
            mem_root_start: public.mem_root_start,
            chains_start: public.chains_start,
            pc_end: public.pc_end,
            mem_root_end: public.mem_root_end,
            chains_end: public.chains_end,
            halted: public.halted,
            exit_code: public.exit_code,
        }
    }

    /// The boundaries of a run's segments, computed natively from the records (what
    /// their proofs would state), starting from `program`'s initial memory and chains.
    pub fn of_records(program: &Program, records: &[SegmentRecord]) -> Vec<Self> {
        let mut start = SegmentStart::initial(program);
        records
            .iter()
            .map(|record| {
                let (mem_root_start, chains_start) = (start.memory.root(), start.chains);
                start.apply_segment(record);
                Self {
                    pc_start: record.start.pc,
                    mem_root_start,
                    chains_start,
                    pc_end: record.end.pc,
                    mem_root_end: start.memory.root(),
                    chains_end: start.chains,
                    halted: record.exit_code.is_some(),
                    exit_code: record.exit_code.unwrap_or(0),
                }
            })
            .collect()
    }

    /// The fields in `layout` order (a node's order with `BoundaryLayout::node(0)`).
    pub fn to_fields(&self) -> Vec<Fr> {
        let layout = BoundaryLayout::node(0);
        let mut out = vec![Fr::zero(); layout.len()];
        out[layout.pc_start] = Fr::from(u64::from(self.pc_start));
        out[layout.mem_root_start] = self.mem_root_start;
        out[layout.pc_end] = Fr::from(u64::from(self.pc_end));
        out[layout.mem_root_end] = self.mem_root_end;
        for chain in Chain::ALL {
            out[layout.chains_start[chain as usize]] = self.chains_start.get(chain);
            out[layout.chains_end[chain as usize]] = self.chains_end.get(chain);
        }
        out[layout.halted] = Fr::from(u64::from(self.halted));
        out[layout.exit_code] = Fr::from(u64::from(self.exit_code));
        out
    }

    /// Reads a boundary from instances in `layout`; `None` if a field is out of range.
    pub fn from_fields(fields: &[Fr], layout: &BoundaryLayout) -> Option<Self> {
        let get = |i: usize| fields.get(i).copied();
        let small = |i: usize| -> Option<u32> {
            let repr = get(i)?.to_bytes();
            if repr[4..].iter().any(|&b| b != 0) {
                return None;
            }
            Some(u32::from_le_bytes([repr[0], repr[1], repr[2], repr[3]]))
        };
        let chains = |idx: &[usize; CHAINS]| -> Option<Chains> {
            Some(Chains::new([get(idx[0])?, get(idx[1])?, get(idx[2])?]))
        };
        let halted = match small(layout.halted)? {
            0 => false,
            1 => true,
            _ => return None,
        };
        Some(Self {
            pc_start: small(layout.pc_start)?,
            mem_root_start: get(layout.mem_root_start)?,
            chains_start: chains(&layout.chains_start)?,
            pc_end: small(layout.pc_end)?,
            mem_root_end: get(layout.mem_root_end)?,
            chains_end: chains(&layout.chains_end)?,
            halted,
            exit_code: small(layout.exit_code)?,
        })
    }

    /// Joins consecutive parts into one: each must start where the previous ended, and
    /// only the last may have halted. The same rules the tree's nodes enforce in-circuit;
    /// checked natively first so that a bad tree fails with a typed error before proving.
    pub fn link(parts: &[Boundary]) -> Result<Boundary, LinkError> {
        let (first, last) = match (parts.first(), parts.last()) {
            (Some(first), Some(last)) => (first, last),
            _ => return Err(LinkError::Empty),
        };
        for (index, pair) in parts.windows(2).enumerate() {
            let (a, b) = (&pair[0], &pair[1]);
            if a.halted {
                return Err(LinkError::HaltedEarly { index });
            }
            if a.pc_end != b.pc_start
                || a.mem_root_end != b.mem_root_start
                || a.chains_end != b.chains_start
            {
                return Err(LinkError::Gap { index });
            }
        }
        Ok(Boundary {
            pc_start: first.pc_start,
            mem_root_start: first.mem_root_start,
            chains_start: first.chains_start,
            pc_end: last.pc_end,
            mem_root_end: last.mem_root_end,
            chains_end: last.chains_end,
            halted: last.halted,
            exit_code: last.exit_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(start: u64, end: u64) -> Boundary {
        Boundary {
            pc_start: start as u32,
            mem_root_start: Fr::from(start),
            chains_start: Chains::new([Fr::from(start); 3]),
            pc_end: end as u32,
            mem_root_end: Fr::from(end),
            chains_end: Chains::new([Fr::from(end); 3]),
            halted: false,
            exit_code: 0,
        }
    }

    #[test]
    fn fields_round_trip_in_both_layouts() {
        let b = Boundary { halted: true, exit_code: 7, ..part(1, 2) };
        assert_eq!(Boundary::from_fields(&b.to_fields(), &BoundaryLayout::node(0)), Some(b));
        assert_eq!(BoundaryLayout::node(0).len(), BOUNDARY_FIELDS);
        assert_eq!(BoundaryLayout::SEGMENT.len(), circuits::segment::NUM_PUBLIC_INPUTS);
        let mut shifted = vec![Fr::zero(); 3];
        shifted.extend(b.to_fields());
        assert_eq!(Boundary::from_fields(&shifted, &BoundaryLayout::node(3)), Some(b));
        let mut bad = b.to_fields();
        bad[BoundaryLayout::node(0).halted] = Fr::from(2);
        assert_eq!(Boundary::from_fields(&bad, &BoundaryLayout::node(0)), None);
    }

    #[test]
    fn native_link_rules() {
        let joined = Boundary::link(&[part(1, 2), part(2, 3)]).unwrap();
        assert_eq!((joined.pc_start, joined.pc_end), (1, 3));
        assert_eq!(Boundary::link(&[part(1, 2), part(3, 4)]), Err(LinkError::Gap { index: 0 }));
        let halted = Boundary { halted: true, ..part(1, 2) };
        assert_eq!(Boundary::link(&[halted, part(2, 3)]), Err(LinkError::HaltedEarly { index: 0 }));
        assert_eq!(Boundary::link(&[]), Err(LinkError::Empty));
    }
}
