//! The lookup tables: each entry is `(tag, input, output)`, where the tag names a table
//! and the width of the parts it takes, so that a part of width `w` can only hold `w`
//! digits (or bits).
//!
//! - **Parity** (widths 1..=p): a sparse part with digits `0..=6` to the part whose digits
//!   are their parities (θ's column parities, θ's output, ι on the output lane).
//! - **Chi** (width p, and the width of a lane's last part): a sparse part with digits
//!   `0..=4` (`3 − 2a + b − c`) to the part whose digits are `a ⊕ (¬b ∧ c)`.
//! - **Bin** (width p, and 32 mod p): a binary number to its sparse form (the state's
//!   input and output lanes, as the 32-bit words the chain hashes).
//!
//! The entry `(0, 0, 0)` serves rows without lookups; every table maps 0 to 0, so the
//! unused cells of a row with lookups are entries too.

use super::spec::{BASE, CHI_OF_DIGIT, LANE_BITS};

/// A lookup table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// Digits `0..=6` to their parity.
    Parity = 1,
    /// χ's digits `0..=4` to `a ⊕ (¬b ∧ c)`.
    Chi = 2,
    /// A binary number to its sparse form.
    Bin = 3,
}

impl Table {
    /// The tag of this table's parts of `width` digits.
    pub fn tag(self, width: usize) -> u64 {
        self as u64 * 16 + width as u64
    }

    /// The number of values one digit (or bit) of the input takes.
    fn radix(self) -> u64 {
        match self {
            Self::Parity => BASE,
            Self::Chi => CHI_OF_DIGIT.len() as u64,
            Self::Bin => 2,
        }
    }

    /// A digit's input weight base and its output digit.
    fn digit(self, digit: u64) -> u64 {
        match self {
            Self::Parity => digit & 1,
            Self::Chi => CHI_OF_DIGIT[digit as usize],
            Self::Bin => digit,
        }
    }

    /// The input and output of the entry whose digits (least significant first) are
    /// `digits`.
    pub fn entry(self, digits: &[u64]) -> (u64, u64) {
        let in_base = if self == Self::Bin { 2 } else { BASE };
        digits.iter().rev().fold((0, 0), |(i, o), &d| (i * in_base + d, o * BASE + self.digit(d)))
    }
}

/// The widths of `table`'s parts when lanes are cut into parts of `part_width` digits.
pub fn widths(table: Table, part_width: usize) -> Vec<usize> {
    match table {
        Table::Parity => (1..=part_width).collect(),
        Table::Chi => {
            let mut w = vec![part_width];
            let last = LANE_BITS % part_width;
            if last != 0 {
                w.push(last);
            }
            w
        }
        Table::Bin => {
            let mut w = vec![part_width];
            let last = 32 % part_width;
            if last != 0 {
                w.push(last);
            }
            w
        }
    }
}

/// Every entry `(tag, input, output)`, starting with `(0, 0, 0)`.
pub fn entries(part_width: usize) -> Vec<(u64, u64, u64)> {
    let mut out = vec![(0, 0, 0)];
    for table in [Table::Parity, Table::Chi, Table::Bin] {
        for width in widths(table, part_width) {
            let radix = table.radix();
            let count = radix.pow(width as u32);
            for index in 0..count {
                let digits: Vec<u64> =
                    (0..width).map(|i| (index / radix.pow(i as u32)) % radix).collect();
                let (input, output) = table.entry(&digits);
                out.push((table.tag(width), input, output));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_maps_zero_to_zero_and_entries_are_unique() {
        let all = entries(4);
        let mut seen = std::collections::HashSet::new();
        for &(tag, input, output) in &all {
            assert!(seen.insert((tag, input)), "one output per input");
            if input == 0 {
                assert_eq!(output, 0);
            }
        }
        for table in [Table::Parity, Table::Chi, Table::Bin] {
            for w in widths(table, 4) {
                assert!(seen.contains(&(table.tag(w), 0)));
            }
        }
        // 7 + 49 + 343 + 2401 parity, 625 chi, 16 bin and the zero entry.
        assert_eq!(all.len(), 1 + 2800 + 625 + 16);
    }

    #[test]
    fn entries_compute_their_functions() {
        assert_eq!(Table::Parity.entry(&[3, 0, 6]), (3 + 6 * 49, 1));
        assert_eq!(Table::Chi.entry(&[2, 4]), (2 + 4 * 7, 1));
        assert_eq!(Table::Bin.entry(&[1, 0, 1, 1]), (13, 1 + 49 + 343));
    }
}
