//! The segment circuit's columns, and the plain witness row that fills them.
//!
//! Every advice column of the first phase has a field of the same name in [`Row`], so the
//! witness is built as plain integers and the circuit only converts them. The column
//! groups are documented with the constraints that use them (see `cpu.rs` and
//! `memory.rs`).

use halo2_base::halo2_proofs::{
    plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, VirtualCells},
    poly::Rotation,
};

use crate::Fr;

macro_rules! witness_columns {
    ($($name:ident),* $(,)?) => {
        /// The first-phase advice columns.
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct Columns {
            $(pub(crate) $name: Column<Advice>,)*
        }

        /// One row of first-phase witness values, one field per column.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub(crate) struct Row {
            $(pub(crate) $name: u64,)*
        }

        /// The columns of [`Columns`] queried at one rotation.
        #[derive(Debug, Clone)]
        pub(crate) struct RowExpr {
            $(pub(crate) $name: Expression<Fr>,)*
        }

        impl Columns {
            /// Allocates the columns.
            pub(crate) fn new(meta: &mut ConstraintSystem<Fr>) -> Self {
                Self { $($name: meta.advice_column(),)* }
            }

            /// Queries every column at `rotation`.
            pub(crate) fn query(&self, vc: &mut VirtualCells<'_, Fr>, rotation: Rotation) -> RowExpr {
                RowExpr { $($name: vc.query_advice(self.$name, rotation),)* }
            }

            /// The columns in declaration order.
            pub(crate) fn all(&self) -> Vec<Column<Advice>> {
                vec![$(self.$name,)*]
            }
        }

        /// Each column's position in [`Columns::all`].
        #[derive(Debug, Clone, Copy)]
        #[allow(dead_code)] // One field per column; the witness code reads a few.
        pub(crate) struct Positions {
            $(pub(crate) $name: usize,)*
        }

        /// The position of every column in [`Columns::all`].
        pub(crate) fn column_positions() -> Positions {
            let mut next = 0usize;
            let mut take = || {
                next += 1;
                next - 1
            };
            Positions { $($name: take(),)* }
        }

        /// Sets the cell named `name` of `row`.
        pub(crate) fn set_by_name(row: &mut Row, name: &str, value: u64) -> Option<()> {
            match name {
                $(stringify!($name) => row.$name = value,)*
                _ => return None,
            }
            Some(())
        }

        /// The cell named `name` of `row`.
        pub(crate) fn get_by_name(row: &Row, name: &str) -> Option<u64> {
            match name {
                $(stringify!($name) => Some(row.$name),)*
                _ => None,
            }
        }

        impl Row {
            /// The values in the order of [`Columns::all`].
            pub(crate) fn values(&self) -> Vec<u64> {
                vec![$(self.$name,)*]
            }
        }
    };
}

witness_columns! {
    // Row kind and control flow.
    active, pc, next_pc, pc_carry,
    // Decode: the instruction word's fields and what the decode table says about them.
    opcode, rd_b0, rd_hi, f3_0, f3_1, f3_2, rs1, rs2_b0, rs2_hi, f7_lo, b31, u3, u7, imm,
    // One-hot instruction family (or a syscall data row).
    f_add, f_sub, f_slt, f_bit, f_sll, f_srl, f_lui, f_auipc, f_jal, f_jalr, f_branch,
    f_lb, f_lh, f_lw, f_sb, f_sh, f_sw, f_mul, f_div, f_ecall, f_fence, f_data,
    // Operand words A (rs1), B (rs2 or immediate), C (result) and the auxiliary
    // double word X, as bytes; AND holds A & B byte-wise.
    a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3,
    x0, x1, x2, x3, x4, x5, x6, x7, and0, and1, and2, and3,
    // Sign bits of a3, b3, c3, x3, and their effective (signed-operation) versions.
    sa, sb, sc, sx, sae, sbe, sce, sxe,
    // Comparison and arithmetic helpers.
    lt, eq, diff_inv, taken, carry, shamt, pow, shift_hi, ovf, b_zero, b_inv, rem, rem_sign, rabs,
    // Loads and stores: byte offset bits, word address, selected bytes and their sign.
    off0, off1, maddr, sel_lo, sel_hi, top, top_sign,
    // The rs2 slot's address; values before/after the memory slot access and before the
    // rd write; the inverse of rd (x0 check).
    raddr, mval, mprev, rd_val, rd_prev, rd_inv,
    // Syscalls.
    s_halt, s_read, s_commit, s_log, s_keccak, s_secp, secp_out, data_left, out_ptr,
    // Chains: the position of the row's chain value in its element (one-hot), the value,
    // and how many elements of each chain start at this row or later.
    ch_p0, ch_p1, ch_p2, ch_value, ch_left_output, ch_left_keccak, ch_left_secp,
    // Timestamps of the previous access of each slot, and the bytes of
    // (timestamp - previous timestamp - 1) for the five slots.
    pts_fetch, pts_rs1, pts_rs2, pts_mem, pts_rd,
    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14,
    // Boundary values carried down every row.
    pc_end, halted, exit_code,
    // Table multiplicities.
    m_table, m_pair,
    // Paging: one row per word of a touched page, with the low three bytes of its page-in
    // and page-out words (the top bytes are implied).
    pg_active, pg_page, pg_in, pg_out, pg_ts, pgd0, pgd1, pgd2,
    pgi0, pgi1, pgi2, pgo0, pgo1, pgo2,
}

/// Fixed columns: row selectors and the lookup tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FixedColumns {
    /// 1 on every usable row.
    pub(crate) q_usable: Column<Fixed>,
    /// 1 on the first row.
    pub(crate) q_first: Column<Fixed>,
    /// 1 on every usable row but the last (transitions to the next row are checked).
    pub(crate) q_step: Column<Fixed>,
    /// 1 on the last usable row.
    pub(crate) q_last: Column<Fixed>,
    /// `5 · row`: the timestamp base of the row.
    pub(crate) ts_base: Column<Fixed>,
    /// Word index within a page block (`row mod 256`).
    pub(crate) pg_word: Column<Fixed>,
    /// 1 on the first row of every page block.
    pub(crate) pg_block_start: Column<Fixed>,
    /// 1 on the rows of the first page block (the machine page).
    pub(crate) q_machine: Column<Fixed>,
    /// 1 on the machine page's program-counter word.
    pub(crate) q_pc_word: Column<Fixed>,
    /// Table tag of the row (0: no entry).
    pub(crate) tag: Column<Fixed>,
    /// Table entry fields.
    pub(crate) t: [Column<Fixed>; 7],
    /// 1 on the AND table's rows (which also serve as the byte-pair table).
    pub(crate) q_pair: Column<Fixed>,
}

impl FixedColumns {
    pub(crate) fn new(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self {
            q_usable: meta.fixed_column(),
            q_first: meta.fixed_column(),
            q_step: meta.fixed_column(),
            q_last: meta.fixed_column(),
            ts_base: meta.fixed_column(),
            pg_word: meta.fixed_column(),
            pg_block_start: meta.fixed_column(),
            q_machine: meta.fixed_column(),
            q_pc_word: meta.fixed_column(),
            tag: meta.fixed_column(),
            t: [(); 7].map(|()| meta.fixed_column()),
            q_pair: meta.fixed_column(),
        }
    }
}
