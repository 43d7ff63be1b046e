//! Expressions derived from a row's cells that several constraint families share: the
//! operand words, the decoded fields and immediates, and which memory slots a row uses.

use halo2_base::halo2_proofs::{arithmetic::Field, plonk::Expression};

use super::layout::RowExpr;
use super::tables::family;
use crate::Fr;

/// A constant.
pub(crate) fn k(value: u64) -> Expression<Fr> {
    Expression::Constant(Fr::from(value))
}

/// `2^32`.
pub(crate) fn two32() -> Expression<Fr> {
    k(1 << 32)
}

/// The little-endian word of four byte expressions.
pub(crate) fn word(bytes: [&Expression<Fr>; 4]) -> Expression<Fr> {
    bytes[0].clone()
        + bytes[1].clone() * k(1 << 8)
        + bytes[2].clone() * k(1 << 16)
        + bytes[3].clone() * k(1 << 24)
}

/// `x · (1 − x)`: zero exactly for booleans.
pub(crate) fn boolean(x: &Expression<Fr>) -> Expression<Fr> {
    x.clone() * (k(1) - x.clone())
}

/// The sum of expressions.
pub(crate) fn sum<'a>(terms: impl IntoIterator<Item = &'a Expression<Fr>>) -> Expression<Fr> {
    terms.into_iter().fold(Expression::Constant(Fr::ZERO), |acc, t| acc + t.clone())
}

/// Shared derived expressions of one row.
pub(crate) struct Derived {
    pub(crate) a: Expression<Fr>,
    pub(crate) b: Expression<Fr>,
    pub(crate) c: Expression<Fr>,
    pub(crate) xl: Expression<Fr>,
    pub(crate) xh: Expression<Fr>,
    pub(crate) rd: Expression<Fr>,
    pub(crate) rs2: Expression<Fr>,
    pub(crate) funct3: Expression<Fr>,
    pub(crate) funct7: Expression<Fr>,
    pub(crate) instruction_word: Expression<Fr>,
    pub(crate) imm_i: Expression<Fr>,
    pub(crate) imm_s: Expression<Fr>,
    pub(crate) imm_b: Expression<Fr>,
    pub(crate) imm_u: Expression<Fr>,
    pub(crate) imm_j: Expression<Fr>,
    /// Instruction rows (active rows that are not syscall data rows).
    pub(crate) instr: Expression<Fr>,
    /// The family number the flags select.
    pub(crate) family_code: Expression<Fr>,
    pub(crate) all_flags: Vec<Expression<Fr>>,
    /// Whether each of the five memory slots is used (fetch, rs1, rs2, mem, rd).
    pub(crate) uses: [Expression<Fr>; 5],
}

impl Derived {
    pub(crate) fn new(r: &RowExpr) -> Self {
        let a = word([&r.a0, &r.a1, &r.a2, &r.a3]);
        let b = word([&r.b0, &r.b1, &r.b2, &r.b3]);
        let c = word([&r.c0, &r.c1, &r.c2, &r.c3]);
        let xl = word([&r.x0, &r.x1, &r.x2, &r.x3]);
        let xh = word([&r.x4, &r.x5, &r.x6, &r.x7]);
        let rd = r.rd_b0.clone() + r.rd_hi.clone() * k(2);
        let rs2 = r.rs2_b0.clone() + r.rs2_hi.clone() * k(2);
        let funct3 = r.f3_0.clone() + r.f3_1.clone() * k(2) + r.f3_2.clone() * k(4);
        let funct7 = r.f7_lo.clone() + r.b31.clone() * k(64);
        let instruction_word = r.opcode.clone()
            + rd.clone() * k(1 << 7)
            + funct3.clone() * k(1 << 12)
            + r.rs1.clone() * k(1 << 15)
            + rs2.clone() * k(1 << 20)
            + funct7.clone() * k(1 << 25);
        let sign = |bit: u64| r.b31.clone() * k((1 << 32) - (1 << bit));
        let imm_i = rs2.clone() + r.f7_lo.clone() * k(32) + sign(11);
        let imm_s = rd.clone() + r.f7_lo.clone() * k(32) + sign(11);
        let imm_b = r.rd_hi.clone() * k(2)
            + r.f7_lo.clone() * k(32)
            + r.rd_b0.clone() * k(1 << 11)
            + sign(12);
        let imm_u = (funct3.clone()
            + r.rs1.clone() * k(8)
            + rs2.clone() * k(256)
            + funct7.clone() * k(8192))
            * k(1 << 12);
        let imm_j = (funct3.clone() + r.rs1.clone() * k(8)) * k(1 << 12)
            + r.rs2_b0.clone() * k(1 << 11)
            + (r.rs2_hi.clone() + r.f7_lo.clone() * k(16)) * k(2)
            + sign(20);
        let instr = r.active.clone() - r.f_data.clone();
        let coded = [
            (&r.f_add, family::ADD),
            (&r.f_sub, family::SUB),
            (&r.f_slt, family::SLT),
            (&r.f_bit, family::BIT),
            (&r.f_sll, family::SLL),
            (&r.f_srl, family::SRL),
            (&r.f_lui, family::LUI),
            (&r.f_auipc, family::AUIPC),
            (&r.f_jal, family::JAL),
            (&r.f_jalr, family::JALR),
            (&r.f_branch, family::BRANCH),
            (&r.f_lb, family::LB),
            (&r.f_lh, family::LH),
            (&r.f_lw, family::LW),
            (&r.f_sb, family::SB),
            (&r.f_sh, family::SH),
            (&r.f_sw, family::SW),
            (&r.f_mul, family::MUL),
            (&r.f_div, family::DIV),
            (&r.f_ecall, family::ECALL),
            (&r.f_fence, family::FENCE),
        ];
        let family_code = coded.iter().fold(Expression::Constant(Fr::ZERO), |acc, (flag, code)| {
            acc + (*flag).clone() * k(*code)
        });
        let mut all_flags: Vec<Expression<Fr>> = coded.iter().map(|(f, _)| (*f).clone()).collect();
        all_flags.push(r.f_data.clone());

        let stores = r.f_sb.clone() + r.f_sh.clone() + r.f_sw.clone();
        let loads = r.f_lb.clone() + r.f_lh.clone() + r.f_lw.clone();
        let imm_capable = sum([&r.f_add, &r.f_slt, &r.f_bit, &r.f_sll, &r.f_srl]);
        let fetch = instr.clone();
        let rs1 = instr.clone()
            - r.f_lui.clone()
            - r.f_auipc.clone()
            - r.f_jal.clone()
            - r.f_fence.clone();
        let data_reads = r.s_commit.clone()
            + r.s_keccak.clone()
            + r.s_secp.clone() * (k(1) - r.secp_out.clone());
        let data_writes =
            r.s_read.clone() + r.s_keccak.clone() + r.s_secp.clone() * r.secp_out.clone();
        let rs2_slot = (k(1) - r.imm.clone()) * imm_capable
            + sum([&r.f_sub, &r.f_mul, &r.f_div, &r.f_branch, &r.f_ecall])
            + stores.clone()
            + r.f_data.clone() * data_reads;
        let mem = loads + stores.clone() + r.f_ecall.clone() + r.f_data.clone() * data_writes;
        let rd_slot =
            instr.clone() - r.f_branch.clone() - stores - r.f_fence.clone() - r.f_ecall.clone()
                + r.f_ecall.clone() * r.s_secp.clone();
        Self {
            a,
            b,
            c,
            xl,
            xh,
            rd,
            rs2,
            funct3,
            funct7,
            instruction_word,
            imm_i,
            imm_s,
            imm_b,
            imm_u,
            imm_j,
            instr,
            family_code,
            all_flags,
            uses: [fetch, rs1, rs2_slot, mem, rd_slot],
        }
    }
}
