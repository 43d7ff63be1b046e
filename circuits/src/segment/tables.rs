//! The fixed lookup tables, all in one set of tagged columns.
//!
//! | tag | entries | fields |
//! |---|---|---|
//! | [`TAG_AND`] | every byte pair | `a, b, a & b` |
//! | [`TAG_POW2`] | `s < 32` | `s, 2^s` |
//! | [`TAG_DECODE`] | every RV32IM instruction class | opcode, funct3, funct7, family, uses_funct3, uses_funct7, I-immediate |
//!
//! The AND rows double as the byte-pair range table ([`TAG_PAIR`]): a pair `(x, y)` is in
//! it exactly when both are bytes. Memory-bus tuples carry [`TAG_MEMORY`]. Every tuple is
//! compressed with a random challenge, tag first, so tables and buses cannot alias.

/// Byte-wise AND table.
pub(crate) const TAG_AND: u64 = 1;
/// Shift amount to power of two.
pub(crate) const TAG_POW2: u64 = 2;
/// Instruction decode table.
pub(crate) const TAG_DECODE: u64 = 3;
/// Byte pairs (a view of the AND rows).
pub(crate) const TAG_PAIR: u64 = 4;
/// Memory-bus tuples `(space, address, value, timestamp)`.
pub(crate) const TAG_MEMORY: u64 = 5;
/// Tag of page-tree messages: `(direction, level, index, value)` (see `merkle.rs`).
pub(crate) const TAG_HASH: u64 = 6;
/// Tag of chain messages: `(kind, chain, position, value)` (see `chain.rs`).
pub(crate) const TAG_CHAIN: u64 = 7;

/// Instruction families, as numbered in the decode table (one flag column each).
pub(crate) mod family {
    pub(crate) const ADD: u64 = 1;
    pub(crate) const SUB: u64 = 2;
    pub(crate) const SLT: u64 = 3;
    pub(crate) const BIT: u64 = 4;
    pub(crate) const SLL: u64 = 5;
    pub(crate) const SRL: u64 = 6;
    pub(crate) const LUI: u64 = 7;
    pub(crate) const AUIPC: u64 = 8;
    pub(crate) const JAL: u64 = 9;
    pub(crate) const JALR: u64 = 10;
    pub(crate) const BRANCH: u64 = 11;
    pub(crate) const LB: u64 = 12;
    pub(crate) const LH: u64 = 13;
    pub(crate) const LW: u64 = 14;
    pub(crate) const SB: u64 = 15;
    pub(crate) const SH: u64 = 16;
    pub(crate) const SW: u64 = 17;
    pub(crate) const MUL: u64 = 18;
    pub(crate) const DIV: u64 = 19;
    pub(crate) const ECALL: u64 = 20;
    pub(crate) const FENCE: u64 = 21;
}

/// One decode-table entry: an instruction class and what decoding it yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodeEntry {
    pub(crate) opcode: u64,
    /// funct3 if `uses_funct3`, else 0.
    pub(crate) funct3: u64,
    /// funct7 if `uses_funct7`, else 0.
    pub(crate) funct7: u64,
    pub(crate) family: u64,
    pub(crate) uses_funct3: u64,
    pub(crate) uses_funct7: u64,
    /// Operand B is the I-type immediate.
    pub(crate) imm: u64,
}

impl DecodeEntry {
    /// The entry's fields in table-column order.
    pub(crate) fn fields(&self) -> [u64; 7] {
        [
            self.opcode,
            self.funct3,
            self.funct7,
            self.family,
            self.uses_funct3,
            self.uses_funct7,
            self.imm,
        ]
    }
}

/// Every valid RV32IM instruction class the executor accepts (EBREAK is not one: it
/// always ends execution with an error).
pub(crate) fn decode_entries() -> Vec<DecodeEntry> {
    use family::*;
    let e = |opcode, funct3, funct7, family, uses_funct3, uses_funct7, imm| DecodeEntry {
        opcode,
        funct3,
        funct7,
        family,
        uses_funct3,
        uses_funct7,
        imm,
    };
    let mut entries = vec![
        e(0x37, 0, 0, LUI, 0, 0, 0),
        e(0x17, 0, 0, AUIPC, 0, 0, 0),
        e(0x6f, 0, 0, JAL, 0, 0, 0),
        e(0x67, 0, 0, JALR, 1, 0, 1),
        e(0x0f, 0, 0, FENCE, 1, 0, 0),
        e(0x73, 0, 0, ECALL, 1, 1, 0),
        // OP-IMM
        e(0x13, 0, 0, ADD, 1, 0, 1),
        e(0x13, 2, 0, SLT, 1, 0, 1),
        e(0x13, 3, 0, SLT, 1, 0, 1),
        e(0x13, 4, 0, BIT, 1, 0, 1),
        e(0x13, 6, 0, BIT, 1, 0, 1),
        e(0x13, 7, 0, BIT, 1, 0, 1),
        e(0x13, 1, 0, SLL, 1, 1, 1),
        e(0x13, 5, 0, SRL, 1, 1, 1),
        e(0x13, 5, 0x20, SRL, 1, 1, 1),
        // OP
        e(0x33, 0, 0, ADD, 1, 1, 0),
        e(0x33, 0, 0x20, SUB, 1, 1, 0),
        e(0x33, 1, 0, SLL, 1, 1, 0),
        e(0x33, 2, 0, SLT, 1, 1, 0),
        e(0x33, 3, 0, SLT, 1, 1, 0),
        e(0x33, 4, 0, BIT, 1, 1, 0),
        e(0x33, 5, 0, SRL, 1, 1, 0),
        e(0x33, 5, 0x20, SRL, 1, 1, 0),
        e(0x33, 6, 0, BIT, 1, 1, 0),
        e(0x33, 7, 0, BIT, 1, 1, 0),
    ];
    for funct3 in 0..4 {
        entries.push(e(0x33, funct3, 1, MUL, 1, 1, 0));
    }
    for funct3 in 4..8 {
        entries.push(e(0x33, funct3, 1, DIV, 1, 1, 0));
    }
    for funct3 in [0, 1, 4, 5, 6, 7] {
        entries.push(e(0x63, funct3, 0, BRANCH, 1, 0, 0));
    }
    for (funct3, family) in [(0, LB), (1, LH), (2, LW), (4, LB), (5, LH)] {
        entries.push(e(0x03, funct3, 0, family, 1, 0, 1));
    }
    for (funct3, family) in [(0, SB), (1, SH), (2, SW)] {
        entries.push(e(0x23, funct3, 0, family, 1, 0, 0));
    }
    entries
}

/// The decode entry matching an instruction word, if the word is a valid instruction.
pub(crate) fn decode_entry(word: u32) -> Option<DecodeEntry> {
    let opcode = u64::from(word & 0x7f);
    let funct3 = u64::from((word >> 12) & 7);
    let funct7 = u64::from(word >> 25);
    decode_entries().into_iter().find(|entry| {
        entry.opcode == opcode
            && entry.funct3 == funct3 * entry.uses_funct3
            && entry.funct7 == funct7 * entry.uses_funct7
    })
}

/// All table rows as `(tag, fields)`, in row order. The AND rows come first.
pub(crate) fn table_rows() -> Vec<(u64, [u64; 7])> {
    let mut rows = Vec::with_capacity(1 << 16);
    for a in 0..256u64 {
        for b in 0..256u64 {
            rows.push((TAG_AND, [a, b, a & b, 0, 0, 0, 0]));
        }
    }
    for s in 0..32u64 {
        rows.push((TAG_POW2, [s, 1 << s, 0, 0, 0, 0, 0]));
    }
    for entry in decode_entries() {
        rows.push((TAG_DECODE, entry.fields()));
    }
    rows
}

/// Number of AND (and byte-pair) rows at the top of the table.
pub(crate) const AND_ROWS: usize = 1 << 16;
