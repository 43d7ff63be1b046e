//! Where every cell of the keccak circuit lives.
//!
//! A proof has `capacity` **slots**, one permutation each, after two rows that hold the
//! chain's start and end (the public inputs). A slot is 24 round blocks of `R` rows and a
//! tail block, laid over these columns:
//!
//! | column | what it holds |
//! |---|---|
//! | `lane` | per round block: the state `A` (rows 0..25), θ's `D` (25..30), ρ∘π's `B` (30..55); in the tail: the state after round 23 |
//! | `input[j]`, `output[j]` | the parts: a lookup `(tag, input, output)` per cell pair |
//! | `tag` (fixed) | the table and part width of the row's lookups |
//! | `rc` (fixed) | at each round block's first row, the ι constant the round adds |
//! | `ch` | the chain: its value when the slot starts (row 0), the 17 elements at the Poseidon input rows, its value after the slot and the slot's `active` flag |
//! | Poseidon | the 17 chain steps, 28 rows each, from the slot's row 1 |
//!
//! A lane is cut into **parts** of `part_width` digits (fewer where the lane has to be
//! split: at bit 63 for θ's `rot1`, at `64 − r` for ρ's rotation by `r`, and at the lane's
//! end). Each part is one lookup; parts of one tag fill rows together.

use super::spec::{LANES, LANE_BITS, RHO_OFFSETS};
use super::tables::{Table, BIN_WIDTH};
use circuits::poseidon::chip::ROWS_PER_PERMUTATION;

/// Rows before the first slot: the chain's start (row 0) and end (row 1).
pub const PUBLIC_ROWS: usize = 2;
/// Chain elements of one permutation (50 values, three to an element).
pub const ELEMENTS: usize = 17;
/// Slot row of the first Poseidon input (row 0 holds the chain's value at the slot start).
pub const POSEIDON_BASE: usize = 1;
/// Slot row of the chain's value after the slot.
pub const CHAIN_OUT_ROW: usize = POSEIDON_BASE + ELEMENTS * ROWS_PER_PERMUTATION;
/// Slot row of the slot's `active` flag.
pub const ACTIVE_ROW: usize = CHAIN_OUT_ROW + 1;
/// Lane-column rows of a round block: `A`, `D` and `B`.
pub const A_ROW: usize = 0;
/// First row of θ's `D[x]` in a round block.
pub const D_ROW: usize = LANES;
/// First row of `B` in a round block, in the second lane column.
pub const B_ROW: usize = 0;
/// Lane-column rows a round block needs.
pub const ROUND_LANE_ROWS: usize = D_ROW + 5;

/// The shape of a keccak circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeccakParams {
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// Permutations per proof.
    pub capacity: usize,
    /// Digits per part (2..=6): wider parts mean fewer lookups and larger tables.
    pub part_width: usize,
    /// Lookup column pairs: more columns, fewer rows per round.
    pub lookup_columns: usize,
}

impl Default for KeccakParams {
    /// The benchmark shape: 2^18 rows, 6-digit parts, 8 lookup pairs.
    fn default() -> Self {
        Self { k: 18, capacity: 1, part_width: 6, lookup_columns: 8 }
    }
}

impl KeccakParams {
    /// The shape of `2^k` rows with as many slots as fit.
    pub fn fitting(k: u32, part_width: usize, lookup_columns: usize) -> Self {
        let one = Self { k, capacity: 1, part_width, lookup_columns };
        let usable = super::circuit::usable_rows(one);
        let slot = SlotLayout::new(one).rows;
        Self { capacity: (usable.saturating_sub(PUBLIC_ROWS) / slot).max(1), ..one }
    }
}

/// One part of a lane: `width` digits from `offset`, at a cell of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The lane digit it starts at.
    pub offset: usize,
    /// Its digits.
    pub width: usize,
    /// Its row in the block.
    pub row: usize,
    /// Its lookup column pair.
    pub column: usize,
}

/// A lane cut into parts, each looked up in `table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decomposition {
    /// The table.
    pub table: Table,
    /// The parts, least significant first.
    pub parts: Vec<Part>,
}

/// A block's lookups: its decompositions and the tag of each row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Rows the block occupies.
    pub rows: usize,
    /// Each row's tag (0: no lookups).
    pub tags: Vec<u64>,
    /// The decompositions, in the order they were requested.
    pub decompositions: Vec<Decomposition>,
}

/// Cuts `[0, 64)` at `splits` and each piece into parts of at most `width` digits, from
/// the piece's low end.
pub fn cut(splits: &[usize], width: usize) -> Vec<(usize, usize)> {
    let mut bounds = vec![0];
    bounds.extend(splits.iter().copied().filter(|&s| s > 0 && s < LANE_BITS));
    bounds.push(LANE_BITS);
    let mut parts = Vec::new();
    for pair in bounds.windows(2) {
        let mut offset = pair[0];
        while offset < pair[1] {
            let w = width.min(pair[1] - offset);
            parts.push((offset, w));
            offset += w;
        }
    }
    parts
}

impl Block {
    /// Places the parts of `lanes` (a table and its cut each) in rows of `columns` cells,
    /// one tag per row, at least `min_rows` rows.
    pub fn allocate(
        lanes: &[(Table, Vec<(usize, usize)>)],
        columns: usize,
        min_rows: usize,
    ) -> Self {
        let mut order: Vec<(u64, usize, usize)> = Vec::new();
        for (d, (table, cut)) in lanes.iter().enumerate() {
            for (p, &(_, width)) in cut.iter().enumerate() {
                order.push((table.tag(width), d, p));
            }
        }
        order.sort();
        let mut decompositions: Vec<Decomposition> = lanes
            .iter()
            .map(|(table, cut)| Decomposition {
                table: *table,
                parts: cut
                    .iter()
                    .map(|&(offset, width)| Part { offset, width, row: 0, column: 0 })
                    .collect(),
            })
            .collect();
        let mut tags: Vec<u64> = Vec::new();
        let mut column = columns;
        for (tag, d, p) in order {
            if column == columns || tags.last() != Some(&tag) {
                tags.push(tag);
                column = 0;
            }
            let part = &mut decompositions[d].parts[p];
            part.row = tags.len() - 1;
            part.column = column;
            column += 1;
        }
        let rows = tags.len().max(min_rows);
        tags.resize(rows, 0);
        Self { rows, tags, decompositions }
    }
}

/// The layout of one slot, the same for every slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLayout {
    /// The circuit shape it is for.
    pub params: KeccakParams,
    /// A round block: θ's five column sums, then ρ's 25 lanes, then χ's 25.
    pub round: Block,
    /// The tail block: the 25 input lanes (binary to sparse), ι on lane 0 of the output,
    /// then the 25 output lanes (binary to sparse).
    pub tail: Block,
    /// Rows of a slot.
    pub rows: usize,
}

/// Index of θ's column `x` among a round block's decompositions.
pub const fn theta_index(x: usize) -> usize {
    x
}
/// Index of ρ's lane `i`.
pub const fn rho_index(i: usize) -> usize {
    5 + i
}
/// Index of χ's lane `i`.
pub const fn chi_index(i: usize) -> usize {
    5 + LANES + i
}
/// Index of input lane `i` among the tail's decompositions.
pub const fn input_index(i: usize) -> usize {
    i
}
/// Index of ι's decomposition of output lane 0.
pub const IOTA_INDEX: usize = LANES;
/// Index of output lane `i`.
pub const fn output_index(i: usize) -> usize {
    LANES + 1 + i
}

impl SlotLayout {
    /// The layout for `params`.
    pub fn new(params: KeccakParams) -> Self {
        let p = params.part_width;
        let mut round_lanes = Vec::new();
        for _ in 0..5 {
            round_lanes.push((Table::Parity, cut(&[LANE_BITS - 1], p)));
        }
        for offset in RHO_OFFSETS {
            round_lanes.push((Table::Parity, cut(&[(LANE_BITS - offset) % LANE_BITS], p)));
        }
        for _ in 0..LANES {
            round_lanes.push((Table::Chi, cut(&[], p)));
        }
        let round = Block::allocate(&round_lanes, params.lookup_columns, ROUND_LANE_ROWS);
        let bin = (Table::Bin, cut(&[], BIN_WIDTH));
        let mut tail_lanes = vec![bin.clone(); LANES];
        tail_lanes.push((Table::Parity, cut(&[], p)));
        tail_lanes.extend(std::iter::repeat_n(bin, LANES));
        let tail = Block::allocate(&tail_lanes, params.lookup_columns, LANES);
        let rows = (super::spec::ROUNDS * round.rows + tail.rows).max(ACTIVE_ROW + 1);
        Self { params, round, tail, rows }
    }

    /// The first row of round `t`'s block in a slot.
    pub fn round_row(&self, t: usize) -> usize {
        t * self.round.rows
    }

    /// The first row of the tail block in a slot.
    pub fn tail_row(&self) -> usize {
        super::spec::ROUNDS * self.round.rows
    }

    /// The first row of slot `s`.
    pub fn slot_row(&self, s: usize) -> usize {
        PUBLIC_ROWS + s * self.rows
    }

    /// Rows the circuit needs besides halo2's blinding rows: the slots' rows.
    pub fn rows_needed(&self) -> usize {
        PUBLIC_ROWS + self.params.capacity * self.rows
    }

    /// The largest block: the rotations a lookup column is queried at.
    pub fn max_block_rows(&self) -> usize {
        self.round.rows.max(self.tail.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_cover_the_lane_and_honour_the_splits() {
        assert_eq!(cut(&[63], 6).last(), Some(&(63, 1)));
        let parts = cut(&[36], 5);
        assert!(parts.contains(&(35, 1)) && parts.contains(&(36, 5)));
        for splits in [vec![], vec![1], vec![63], vec![28]] {
            let parts = cut(&splits, 6);
            let total: usize = parts.iter().map(|p| p.1).sum();
            assert_eq!(total, LANE_BITS);
        }
    }

    #[test]
    fn every_part_has_its_own_cell_and_rows_have_one_tag() {
        let layout =
            SlotLayout::new(KeccakParams { k: 18, capacity: 1, part_width: 6, lookup_columns: 8 });
        for block in [&layout.round, &layout.tail] {
            let mut seen = std::collections::HashSet::new();
            for d in &block.decompositions {
                for part in &d.parts {
                    assert!(seen.insert((part.row, part.column)));
                    assert_eq!(block.tags[part.row], d.table.tag(part.width));
                }
            }
        }
        assert!(layout.rows > ACTIVE_ROW);
    }
}
