//! Where every cell of the keccak circuit lives.
//!
//! The circuit is **row-local**: every gate reads a few cells a fixed number of rows
//! away, so halo2 evaluates small expressions, and whatever a fixed rotation cannot reach
//! (π's shuffle, `D[x]` handed to five lanes, the output state, the chain elements) is a
//! copy constraint.
//!
//! **Slots.** One *slot* normalizes one lane: its parts, [`GROUP_COLUMNS`] per row over
//! [`PermLayout::slot_rows`] rows, each part a lookup `(tag, input, output)`, and a value
//! column `V` with one cell per slot row. A permutation is 1,371 slots, always in this
//! order:
//!
//! | slots | input (the parts' digits) | `V` |
//! |---|---|---|
//! | `BinIn(i)`, 25 | lane `i` of the input, as bits | sparse lane, low word, high word |
//! | per round: `Theta(x)`, 5 | `Σ_y A[x,y]` (+ ι of the previous round on `x = 0`) | `C[x]`, `rot1(C[x])`, `D[x]` |
//! | `Rho(k)`, 25 | `A[i] + D[x]` for `i = π⁻¹(k)` (+ ι on lane 0) | `B[k] = rot(C)`, copy of `A[i]`, copy of `D[x]` |
//! | `Chi(j)`, 25 | `3 − 2·B[x,y] + B[x+1,y] − B[x+2,y]` | χ's output: the next round's `A[j]` |
//! | `Iota`, 1 | lane 0 after round 23 plus the last round constant | the output's lane 0 |
//! | `BinOut(j)`, 25 | lane `j` of the output, as bits | copy of the output lane, `(in, out)` low words, high words |
//!
//! Lanes are sparse: bit `z` is base-7 digit `z`, so the inputs above are plain sums of
//! `V` cells. A slot's parts are its lane cut at the places its output needs (bit 63 for
//! θ's `rot1`, `64 − r` for ρ's rotation by `r`, bit 32 for the binary words) and in
//! pieces of `part_width` digits; fixed columns give each cell its tag (table and width)
//! and its input and output weights, so one gate composes every slot's output, rotated
//! or not.
//!
//! **Groups.** `groups` sets of these columns run side by side, on the same fixed
//! schedule: permutation `p` is in group `p mod groups`. A **chain** region (the `ch`
//! column and the Poseidon columns) hashes the permutations into the keccak chain, one
//! [`CHAIN_ROWS`]-row block each, from the rows after the two public rows.

use super::spec::{pi, LANES, LANE_BITS, RHO_OFFSETS, ROUNDS};
use super::tables::Table;
use circuits::poseidon::chip::ROWS_PER_PERMUTATION;

/// Rows before the first permutation: the chain's start (row 0) and end (row 1).
pub const PUBLIC_ROWS: usize = 2;
/// Lookup columns (part cells) per row of a group.
pub const GROUP_COLUMNS: usize = 4;
/// Chain elements of one permutation (50 values, three to an element).
pub const ELEMENTS: usize = 17;
/// Values one chain element packs.
pub const VALUES_PER_ELEMENT: usize = 3;
/// Row of a chain block of the first Poseidon input (row 0 holds the chain's value at
/// the block's start). The element's values are copied to the three rows after it.
pub const POSEIDON_BASE: usize = 1;
/// Row of a chain block that holds the chain's value after the permutation.
pub const CHAIN_OUT_ROW: usize = POSEIDON_BASE + ELEMENTS * ROWS_PER_PERMUTATION;
/// Row of a chain block that holds the permutation's `active` flag.
pub const ACTIVE_ROW: usize = CHAIN_OUT_ROW + 1;
/// Rows of one permutation's chain block.
pub const CHAIN_ROWS: usize = ACTIVE_ROW + 1;

/// The shape of a keccak circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeccakParams {
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// Permutations per proof (a multiple of `groups`).
    pub capacity: usize,
    /// Digits per part (4..=6): wider parts mean fewer lookups and larger tables.
    pub part_width: usize,
    /// Column groups side by side: more columns, fewer rows per permutation.
    pub groups: usize,
}

impl Default for KeccakParams {
    /// The production shape: 2^18 rows, 6-digit parts, 4 groups.
    fn default() -> Self {
        Self::fitting(18, 6, 4)
    }
}

impl KeccakParams {
    /// The shape of `2^k` rows with as many permutations as fit.
    pub fn fitting(k: u32, part_width: usize, groups: usize) -> Self {
        let one = Self { k, capacity: groups.max(1), part_width, groups: groups.max(1) };
        let usable = super::circuit::usable_rows(one).saturating_sub(PUBLIC_ROWS);
        let layout = PermLayout::new(one);
        let per_group = (usable / layout.rows).min(usable / (CHAIN_ROWS * one.groups));
        Self { capacity: per_group.max(1) * one.groups, ..one }
    }
}

/// One part of a lane: `width` digits from digit `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The lane digit it starts at.
    pub offset: usize,
    /// Its digits.
    pub width: usize,
}

/// Cuts `[0, 64)` at `splits` and each piece into parts of at most `width` digits, from
/// the piece's low end.
pub fn cut(splits: &[usize], width: usize) -> Vec<Part> {
    let mut bounds = vec![0];
    bounds.extend(splits.iter().copied().filter(|&s| s > 0 && s < LANE_BITS));
    bounds.push(LANE_BITS);
    let mut parts = Vec::new();
    for pair in bounds.windows(2) {
        let mut offset = pair[0];
        while offset < pair[1] {
            let w = width.min(pair[1] - offset);
            parts.push(Part { offset, width: w });
            offset += w;
        }
    }
    parts
}

/// What a slot does, with its round where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotKind {
    /// Lane `i` of the input, bits to sparse.
    BinIn(usize),
    /// θ's column `x` of round `t`.
    Theta(usize, usize),
    /// ρ and π of round `t` into output lane `k` (input lane `π⁻¹(k)`).
    Rho(usize, usize),
    /// χ of round `t` on lane `j`.
    Chi(usize, usize),
    /// ι on lane 0 of the output.
    Iota,
    /// Lane `j` of the output, bits to sparse.
    BinOut(usize),
}

/// Slots of one permutation.
pub const SLOTS: usize = 2 * LANES + ROUNDS * ROUND_SLOTS + 1;
/// Slots of one round.
pub const ROUND_SLOTS: usize = 5 + 2 * LANES;

/// The input lane whose ρ output lands in lane `k`: `π⁻¹(k)`.
pub fn pi_inverse(k: usize) -> usize {
    (0..LANES).find(|&i| pi(i) == k).unwrap_or(0)
}

impl SlotKind {
    /// The slot's index in its permutation.
    pub fn index(self) -> usize {
        let round = |t: usize| LANES + t * ROUND_SLOTS;
        match self {
            SlotKind::BinIn(i) => i,
            SlotKind::Theta(t, x) => round(t) + x,
            SlotKind::Rho(t, k) => round(t) + 5 + k,
            SlotKind::Chi(t, j) => round(t) + 5 + LANES + j,
            SlotKind::Iota => round(ROUNDS),
            SlotKind::BinOut(j) => round(ROUNDS) + 1 + j,
        }
    }

    /// Every slot of a permutation, in order.
    pub fn all() -> Vec<SlotKind> {
        let mut out: Vec<SlotKind> = (0..LANES).map(SlotKind::BinIn).collect();
        for t in 0..ROUNDS {
            out.extend((0..5).map(|x| SlotKind::Theta(t, x)));
            out.extend((0..LANES).map(|k| SlotKind::Rho(t, k)));
            out.extend((0..LANES).map(|j| SlotKind::Chi(t, j)));
        }
        out.push(SlotKind::Iota);
        out.extend((0..LANES).map(SlotKind::BinOut));
        out
    }

    /// The table the slot's parts are looked up in.
    pub fn table(self) -> Table {
        match self {
            SlotKind::BinIn(_) | SlotKind::BinOut(_) => Table::Bin,
            SlotKind::Chi(..) => Table::Chi,
            SlotKind::Theta(..) | SlotKind::Rho(..) | SlotKind::Iota => Table::Parity,
        }
    }

    /// How far the slot's output is rotated left (ρ's offset of its input lane).
    pub fn rotation(self) -> usize {
        match self {
            SlotKind::Rho(_, k) => RHO_OFFSETS[pi_inverse(k)],
            _ => 0,
        }
    }

    /// The slot's parts for parts of `part_width` digits.
    pub fn parts(self, part_width: usize) -> Vec<Part> {
        match self {
            SlotKind::BinIn(_) | SlotKind::BinOut(_) => cut(&[32], part_width),
            SlotKind::Theta(..) => cut(&[LANE_BITS - 1], part_width),
            SlotKind::Rho(..) => cut(&[(LANE_BITS - self.rotation()) % LANE_BITS], part_width),
            SlotKind::Chi(..) | SlotKind::Iota => cut(&[], part_width),
        }
    }
}

/// The layout of one permutation in a group, the same for every permutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermLayout {
    /// The circuit shape it is for.
    pub params: KeccakParams,
    /// Rows of a slot.
    pub slot_rows: usize,
    /// Rows of a permutation.
    pub rows: usize,
}

/// Where a cell of a slot lives: its row in the slot and its lookup column.
pub const fn cell_position(cell: usize) -> (usize, usize) {
    (cell / GROUP_COLUMNS, cell % GROUP_COLUMNS)
}

impl PermLayout {
    /// The layout for `params`.
    pub fn new(params: KeccakParams) -> Self {
        let most = SlotKind::all()
            .into_iter()
            .map(|s| s.parts(params.part_width).len())
            .max()
            .unwrap_or(1);
        // A slot also needs three `V` cells.
        let slot_rows = most.div_ceil(GROUP_COLUMNS).max(3);
        Self { params, slot_rows, rows: SLOTS * slot_rows }
    }

    /// The first row of `slot` within its permutation.
    pub fn slot_row(&self, slot: SlotKind) -> usize {
        slot.index() * self.slot_rows
    }

    /// The first row of permutation `p` (in group [`Self::group`]).
    pub fn perm_row(&self, p: usize) -> usize {
        PUBLIC_ROWS + (p / self.params.groups) * self.rows
    }

    /// The group of permutation `p`.
    pub fn group(&self, p: usize) -> usize {
        p % self.params.groups
    }

    /// The first row of permutation `p`'s chain block.
    pub fn chain_row(&self, p: usize) -> usize {
        PUBLIC_ROWS + p * CHAIN_ROWS
    }

    /// Rows the circuit needs besides halo2's blinding rows.
    pub fn rows_needed(&self) -> usize {
        let per_group = self.params.capacity.div_ceil(self.params.groups);
        PUBLIC_ROWS + (per_group * self.rows).max(self.params.capacity * CHAIN_ROWS)
    }

    /// Rows from `from`'s first row to `to`'s (negative when `to` comes first).
    pub fn distance(&self, from: SlotKind, to: SlotKind) -> i32 {
        (to.index() as i32 - from.index() as i32) * self.slot_rows as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_cover_the_lane_and_honour_the_splits() {
        assert_eq!(cut(&[63], 6).last(), Some(&Part { offset: 63, width: 1 }));
        let parts = cut(&[36], 5);
        assert!(parts.contains(&Part { offset: 35, width: 1 }));
        assert!(parts.contains(&Part { offset: 36, width: 5 }));
        for splits in [vec![], vec![1], vec![63], vec![28]] {
            let total: usize = cut(&splits, 6).iter().map(|p| p.width).sum();
            assert_eq!(total, LANE_BITS);
        }
    }

    #[test]
    fn slots_are_listed_in_index_order() {
        let all = SlotKind::all();
        assert_eq!(all.len(), SLOTS);
        for (i, slot) in all.iter().enumerate() {
            assert_eq!(slot.index(), i);
        }
    }

    #[test]
    fn a_slot_holds_its_parts() {
        for width in 4..=6 {
            let layout =
                PermLayout::new(KeccakParams { k: 18, capacity: 4, part_width: width, groups: 4 });
            for slot in SlotKind::all() {
                assert!(slot.parts(width).len() <= layout.slot_rows * GROUP_COLUMNS);
            }
        }
        // 6-digit parts: every slot fits three rows of four cells.
        assert_eq!(PermLayout::new(KeccakParams::fitting(18, 6, 4)).slot_rows, 3);
    }

    #[test]
    fn rho_parts_do_not_straddle_the_rotation() {
        for k in 0..LANES {
            let slot = SlotKind::Rho(0, k);
            let boundary = LANE_BITS - slot.rotation();
            for part in slot.parts(6) {
                assert!(part.offset >= boundary || part.offset + part.width <= boundary);
            }
        }
    }
}
