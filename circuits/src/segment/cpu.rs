//! The CPU constraints: decode, ALU, control flow, loads and stores, syscalls.
//!
//! Each function returns named polynomial constraints over one row (`row_*`, enforced on
//! every usable row) or over a row and the next (`step_*`, enforced between consecutive
//! usable rows). Lookups and the memory argument are fractions on the LogUp bus, listed in
//! `memory.rs`.

use halo2_base::halo2_proofs::plonk::Expression;

use super::expr::{boolean, k, sum, two32, Derived};
use super::layout::RowExpr;
use crate::Fr;
use abi::syscall::{COMMIT, HALT, KECCAK_PERMUTE, LOG, READ, SECP256K1_RECOVER};

/// Data rows of a KECCAK_PERMUTE call: each state word is read and overwritten.
const KECCAK_DATA_ROWS: u64 = 2 * abi::syscall::KECCAK_STATE_LANES as u64;
/// Data rows of the output phase of SECP256K1_RECOVER (one per key word).
const SECP_OUTPUT_ROWS: u64 = abi::syscall::SECP256K1_RECOVER_OUTPUT_BYTES as u64 / 4;
/// Data rows of SECP256K1_RECOVER: input words, then output words.
const SECP_DATA_ROWS: u64 =
    abi::syscall::SECP256K1_RECOVER_INPUT_BYTES as u64 / 4 + SECP_OUTPUT_ROWS;

/// A named constraint.
pub(crate) type Named = (&'static str, Expression<Fr>);

/// Cells of the next row that transitions read.
pub(crate) struct NextRow {
    pub(crate) active: Expression<Fr>,
    pub(crate) pc: Expression<Fr>,
    pub(crate) next_pc: Expression<Fr>,
    pub(crate) f_data: Expression<Fr>,
    pub(crate) data_left: Expression<Fr>,
    pub(crate) maddr: Expression<Fr>,
    pub(crate) out_ptr: Expression<Fr>,
    pub(crate) secp_out: Expression<Fr>,
    pub(crate) syscalls: [Expression<Fr>; 6],
    pub(crate) pc_end: Expression<Fr>,
    pub(crate) halted: Expression<Fr>,
    pub(crate) exit_code: Expression<Fr>,
}

fn syscall_flags(r: &RowExpr) -> [&Expression<Fr>; 6] {
    [&r.s_halt, &r.s_read, &r.s_commit, &r.s_log, &r.s_keccak, &r.s_secp]
}

/// Booleans, the one-hot family, the instruction word and the immediates.
pub(crate) fn row_decode(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let bools = [
        &r.active,
        &r.pc_carry,
        &r.rd_b0,
        &r.f3_0,
        &r.f3_1,
        &r.f3_2,
        &r.rs2_b0,
        &r.b31,
        &r.u3,
        &r.u7,
        &r.imm,
        &r.sa,
        &r.sb,
        &r.sc,
        &r.sx,
        &r.lt,
        &r.eq,
        &r.taken,
        &r.carry,
        &r.ovf,
        &r.b_zero,
        &r.off0,
        &r.off1,
        &r.top_sign,
        &r.secp_out,
        &r.pg_active,
        &r.halted,
    ];
    for x in bools {
        out.push(("boolean", boolean(x)));
    }
    for flag in d.all_flags.iter() {
        out.push(("family flag boolean", boolean(flag)));
    }
    for s in syscall_flags(r) {
        out.push(("syscall flag boolean", boolean(s)));
    }
    out.push(("one family per active row", sum(d.all_flags.iter()) - r.active.clone()));
    out.push((
        "one syscall kind on ecall and data rows",
        sum(syscall_flags(r)) - r.f_ecall.clone() - r.f_data.clone(),
    ));
    out.push((
        "ecall has no register fields",
        r.f_ecall.clone() * (d.rd.clone() + r.rs1.clone() + d.rs2.clone()),
    ));
    out.push(("data rows have no instruction", r.f_data.clone() * d.instruction_word.clone()));
    // Operand B is the I-immediate whenever the decode table says so.
    out.push(("B = I-immediate", r.imm.clone() * (d.b.clone() - d.imm_i.clone())));
    out
}

/// Control flow: the next pc of every family.
pub(crate) fn row_control(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let pc = r.pc.clone();
    let next_pc = r.next_pc.clone();
    let wrap = r.pc_carry.clone() * two32();
    let halt = r.f_ecall.clone() * r.s_halt.clone();
    let sequential =
        d.instr.clone() - r.f_branch.clone() - r.f_jal.clone() - r.f_jalr.clone() - halt.clone();
    // Branch condition: eq for BEQ/BNE (funct3 bit 2 clear), lt otherwise; bit 0 negates.
    let cond = (k(1) - r.f3_2.clone()) * r.eq.clone() + r.f3_2.clone() * r.lt.clone();
    let taken = cond.clone() + r.f3_0.clone() * (k(1) - cond * k(2));
    vec![
        ("sequential pc", sequential * (next_pc.clone() + wrap.clone() - pc.clone() - k(4))),
        ("halt keeps pc", halt * (next_pc.clone() - pc.clone())),
        ("branch taken", r.f_branch.clone() * (r.taken.clone() - taken)),
        (
            "branch target",
            r.f_branch.clone()
                * (next_pc.clone() + wrap.clone()
                    - pc.clone()
                    - k(4)
                    - r.taken.clone() * (d.imm_b.clone() - k(4))),
        ),
        (
            "jal target",
            r.f_jal.clone() * (next_pc.clone() + wrap.clone() - pc.clone() - d.imm_j.clone()),
        ),
        (
            "jalr target",
            r.f_jalr.clone() * (d.a.clone() + d.b.clone() - next_pc - r.off0.clone() - wrap),
        ),
        (
            "link register",
            (r.f_jal.clone() + r.f_jalr.clone())
                * (d.c.clone() + r.carry.clone() * two32() - pc.clone() - k(4)),
        ),
        ("lui", r.f_lui.clone() * (d.c.clone() - d.imm_u.clone())),
        (
            "auipc",
            r.f_auipc.clone() * (d.c.clone() + r.carry.clone() * two32() - pc - d.imm_u.clone()),
        ),
    ]
}

/// Signed views of A and B as integers, with the effective sign bits.
fn signed(word: &Expression<Fr>, sign: &Expression<Fr>) -> Expression<Fr> {
    word.clone() - sign.clone() * two32()
}

/// ALU families: add/sub, comparisons, bitwise, shifts, multiply, divide.
pub(crate) fn row_alu(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let (a, b, c, xl, xh) = (&d.a, &d.b, &d.c, &d.xl, &d.xh);
    let one = || k(1);
    // Which operands an instruction reads as signed.
    let cmp_signed =
        r.f_slt.clone() * (one() - r.f3_0.clone()) + r.f_branch.clone() * (one() - r.f3_1.clone());
    let sra = r.f_srl.clone()
        * r.f7_lo.clone()
        * Expression::Constant(Fr::from(32).invert().unwrap_or(Fr::zero()));
    let mul_a_signed = r.f3_0.clone() + r.f3_1.clone() - r.f3_0.clone() * r.f3_1.clone() * k(2);
    let mul_b_signed = r.f3_0.clone() * (one() - r.f3_1.clone());
    let div_signed = r.f_div.clone() * (one() - r.f3_0.clone());
    let signed_a = cmp_signed.clone() + sra + r.f_mul.clone() * mul_a_signed + div_signed.clone();
    let signed_b = cmp_signed + r.f_mul.clone() * mul_b_signed + div_signed.clone();
    out.push(("effective sign of A", r.sae.clone() - r.sa.clone() * signed_a));
    out.push(("effective sign of B", r.sbe.clone() - r.sb.clone() * signed_b));
    out.push(("effective sign of C", r.sce.clone() - r.sc.clone() * div_signed.clone()));
    out.push(("effective sign of X", r.sxe.clone() - r.sx.clone() * div_signed));
    let a_s = signed(a, &r.sae);
    let b_s = signed(b, &r.sbe);

    out.push((
        "add",
        r.f_add.clone() * (a.clone() + b.clone() - c.clone() - r.carry.clone() * two32()),
    ));
    out.push((
        "sub",
        r.f_sub.clone() * (a.clone() - b.clone() + r.carry.clone() * two32() - c.clone()),
    ));

    // Less-than: A_s − B_s + 2^32·lt is the non-negative 32-bit word XL.
    let compares = r.f_slt.clone() + r.f_branch.clone() * r.f3_2.clone();
    out.push((
        "less than",
        compares * (a_s.clone() - b_s.clone() + r.lt.clone() * two32() - xl.clone()),
    ));
    out.push(("slt result", r.f_slt.clone() * (c.clone() - r.lt.clone())));
    // Equality: eq = 1 − (A − B)·inv, and eq·(A − B) = 0.
    let diff = a.clone() - b.clone();
    out.push(("eq flag", r.eq.clone() - (one() - diff.clone() * r.diff_inv.clone())));
    out.push(("eq only when equal", r.eq.clone() * diff));

    // Bitwise: per byte, XOR = a + b − 2·and, OR = a + b − and, AND = and.
    let bytes = [
        (&r.a0, &r.b0, &r.c0, &r.and0),
        (&r.a1, &r.b1, &r.c1, &r.and1),
        (&r.a2, &r.b2, &r.c2, &r.and2),
        (&r.a3, &r.b3, &r.c3, &r.and3),
    ];
    for (ab, bb, cb, and) in bytes {
        let xor = ab.clone() + bb.clone() - and.clone() * k(2);
        let expected =
            xor.clone() + r.f3_1.clone() * and.clone() - r.f3_1.clone() * r.f3_0.clone() * xor;
        out.push(("bitwise byte", r.f_bit.clone() * (cb.clone() - expected)));
    }

    // Shifts: the amount is the low 5 bits of B; pow = 2^amount comes from the table.
    let shifts = r.f_sll.clone() + r.f_srl.clone();
    out.push((
        "shift amount",
        shifts * (r.b0.clone() - r.shamt.clone() - r.shift_hi.clone() * k(32)),
    ));
    out.push((
        "sll",
        r.f_sll.clone() * (a.clone() * r.pow.clone() - c.clone() - xl.clone() * two32()),
    ));
    out.push((
        "srl/sra quotient",
        r.f_srl.clone() * (a_s.clone() - signed(c, &r.sae) * r.pow.clone() - xl.clone()),
    ));
    out.push((
        "srl/sra remainder bound",
        r.f_srl.clone() * (r.pow.clone() - one() - xl.clone() - xh.clone()),
    ));

    // Multiply: A_s·B_s + 2^64·ovf = lo + 2^32·hi; MUL returns lo in C, the others hi.
    let low = (one() - r.f3_0.clone()) * (one() - r.f3_1.clone());
    let lo = low.clone() * c.clone() + (one() - low.clone()) * xl.clone();
    let hi = low.clone() * xl.clone() + (one() - low) * c.clone();
    out.push((
        "mul",
        r.f_mul.clone()
            * (a_s.clone() * b_s.clone() + r.ovf.clone() * k(1u64 << 32) * two32()
                - lo
                - hi * two32()),
    ));

    // Divide: A_s + 2^32·ovf = B_s·Q_s + R_s, |R| < |B| unless B = 0, sign(R) = sign(A)
    // unless R = 0; B = 0 gives Q = 2^32 − 1; ovf only for −2^31 / −1.
    let rem = r.f3_1.clone();
    let q = (one() - rem.clone()) * c.clone() + rem.clone() * xl.clone();
    let rr = rem.clone() * c.clone() + (one() - rem.clone()) * xl.clone();
    let sign_q = (one() - rem.clone()) * r.sce.clone() + rem.clone() * r.sxe.clone();
    let sign_r = rem.clone() * r.sce.clone() + (one() - rem) * r.sxe.clone();
    let q_s = q.clone() - sign_q * two32();
    let r_s = rr.clone() - sign_r.clone() * two32();
    out.push((
        "div identity",
        r.f_div.clone() * (a_s + r.ovf.clone() * two32() - b_s.clone() * q_s - r_s),
    ));
    out.push(("b zero flag", r.b_zero.clone() - (one() - b.clone() * r.b_inv.clone())));
    out.push(("b zero only when zero", r.b_zero.clone() * b.clone()));
    out.push((
        "div by zero quotient",
        r.f_div.clone() * r.b_zero.clone() * (q - k(u64::from(u32::MAX))),
    ));
    out.push((
        "div overflow needs A = -2^31",
        r.f_div.clone() * r.ovf.clone() * (a.clone() - k(1 << 31)),
    ));
    out.push((
        "div overflow needs B = -1",
        r.f_div.clone() * r.ovf.clone() * (b.clone() - k(u64::from(u32::MAX))),
    ));
    out.push(("remainder word", r.f_div.clone() * (r.rem.clone() - rr)));
    out.push(("remainder sign", r.f_div.clone() * (r.rem_sign.clone() - sign_r)));
    out.push((
        "remainder magnitude",
        r.f_div.clone()
            * (r.rabs.clone() - signed(&r.rem, &r.rem_sign) * (one() - r.rem_sign.clone() * k(2))),
    ));
    let b_abs = b_s * (one() - r.sbe.clone() * k(2));
    out.push((
        "remainder below divisor",
        r.f_div.clone()
            * (one() - r.b_zero.clone())
            * (b_abs - r.rabs.clone() - one() - xh.clone()),
    ));
    out.push((
        "remainder takes the dividend's sign",
        r.f_div.clone() * (r.rem_sign.clone() - r.sae.clone()) * r.rabs.clone(),
    ));
    out
}

/// Loads and stores: address, alignment, byte selection, sign extension, merging.
pub(crate) fn row_load_store(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    let one = || k(1);
    let (o0, o1) = (&r.off0, &r.off1);
    let loads = r.f_lb.clone() + r.f_lh.clone() + r.f_lw.clone();
    let stores = r.f_sb.clone() + r.f_sh.clone() + r.f_sw.clone();
    let offset = o0.clone() + o1.clone() * k(2);
    out.push((
        "load address",
        loads.clone()
            * (d.a.clone() + d.b.clone()
                - r.carry.clone() * two32()
                - r.maddr.clone()
                - offset.clone()),
    ));
    out.push((
        "store address",
        stores.clone()
            * (d.a.clone() + d.imm_s.clone()
                - r.carry.clone() * two32()
                - r.maddr.clone()
                - offset),
    ));
    out.push((
        "word access aligned",
        (r.f_lw.clone() + r.f_sw.clone()) * (o0.clone() + o1.clone()),
    ));
    out.push(("half access aligned", (r.f_lh.clone() + r.f_sh.clone()) * o0.clone()));
    let e = [
        (one() - o0.clone()) * (one() - o1.clone()),
        o0.clone() * (one() - o1.clone()),
        (one() - o0.clone()) * o1.clone(),
        o0.clone() * o1.clone(),
    ];
    let x = [&r.x0, &r.x1, &r.x2, &r.x3];
    let old = [&r.x4, &r.x5, &r.x6, &r.x7];
    let selected = e.iter().zip(x).fold(k(0), |acc, (e, x)| acc + e.clone() * x.clone());
    out.push(("lb selects the byte", r.f_lb.clone() * (r.sel_lo.clone() - selected)));
    out.push((
        "lh selects the low byte",
        r.f_lh.clone()
            * (r.sel_lo.clone() - (one() - o1.clone()) * r.x0.clone() - o1.clone() * r.x2.clone()),
    ));
    out.push((
        "lh selects the high byte",
        r.f_lh.clone()
            * (r.sel_hi.clone() - (one() - o1.clone()) * r.x1.clone() - o1.clone() * r.x3.clone()),
    ));
    out.push((
        "sign byte",
        r.f_lb.clone() * (r.top.clone() - r.sel_lo.clone())
            + r.f_lh.clone() * (r.top.clone() - r.sel_hi.clone()),
    ));
    let fill = r.top_sign.clone() * (one() - r.f3_2.clone()) * k(255);
    out.push((
        "lb/lh byte 0",
        (r.f_lb.clone() + r.f_lh.clone()) * (r.c0.clone() - r.sel_lo.clone()),
    ));
    out.push(("lb byte 1", r.f_lb.clone() * (r.c1.clone() - fill.clone())));
    out.push(("lh byte 1", r.f_lh.clone() * (r.c1.clone() - r.sel_hi.clone())));
    out.push(("lb/lh byte 2", (r.f_lb.clone() + r.f_lh.clone()) * (r.c2.clone() - fill.clone())));
    out.push(("lb/lh byte 3", (r.f_lb.clone() + r.f_lh.clone()) * (r.c3.clone() - fill)));
    out.push(("lw result", r.f_lw.clone() * (d.c.clone() - d.xl.clone())));
    // Stores: XL is the new word, XH the old one.
    out.push(("sw", r.f_sw.clone() * (d.xl.clone() - d.b.clone())));
    let src_h = [&r.b0, &r.b1, &r.b0, &r.b1];
    for j in 0..4 {
        out.push((
            "sb merge",
            r.f_sb.clone()
                * (x[j].clone() - old[j].clone() - e[j].clone() * (r.b0.clone() - old[j].clone())),
        ));
        let written = if j < 2 { one() - o1.clone() } else { o1.clone() };
        out.push((
            "sh merge",
            r.f_sh.clone()
                * (x[j].clone() - old[j].clone() - written * (src_h[j].clone() - old[j].clone())),
        ));
    }
    out.push((
        "memory value after",
        (loads.clone() + stores.clone()) * (r.mval.clone() - d.xl.clone()),
    ));
    out.push(("load reads", loads * (r.mprev.clone() - d.xl.clone())));
    out.push(("store overwrites", stores * (r.mprev.clone() - d.xh.clone())));
    out
}

/// The `ecall` row and the syscall data rows.
pub(crate) fn row_syscall(r: &RowExpr, d: &Derived) -> Vec<Named> {
    let numbers = [
        (&r.s_halt, HALT),
        (&r.s_read, READ),
        (&r.s_commit, COMMIT),
        (&r.s_log, LOG),
        (&r.s_keccak, KECCAK_PERMUTE),
        (&r.s_secp, SECP256K1_RECOVER),
    ];
    let number =
        numbers.iter().fold(k(0), |acc, (flag, n)| acc + (*flag).clone() * k(u64::from(*n)));
    vec![
        ("syscall number", r.f_ecall.clone() * (d.a.clone() - number)),
        ("a1 read", r.f_ecall.clone() * (r.mval.clone() - d.c.clone())),
        ("a1 unchanged", r.f_ecall.clone() * (r.mprev.clone() - d.c.clone())),
        ("a1 address", r.f_ecall.clone() * (r.maddr.clone() - k(4 * abi::syscall::REG_A1 as u64))),
        ("secp success flag", r.f_ecall.clone() * r.s_secp.clone() * boolean(&d.xl)),
        ("secp phase only in secp", r.secp_out.clone() * (k(1) - r.s_secp.clone())),
        ("secp phase starts clear", r.f_ecall.clone() * r.secp_out.clone()),
        (
            "keccak writes over its input",
            r.f_data.clone() * r.s_keccak.clone() * (r.mprev.clone() - d.b.clone()),
        ),
        ("exit code", r.f_ecall.clone() * r.s_halt.clone() * (r.exit_code.clone() - d.b.clone())),
        ("no exit code unless halted", (k(1) - r.halted.clone()) * r.exit_code.clone()),
        (
            "rs2 slot address",
            (k(1) - r.f_data.clone())
                * (r.raddr.clone()
                    - d.rs2.clone() * k(4)
                    - r.f_ecall.clone() * k(4 * abi::syscall::REG_A0 as u64)),
        ),
        ("data read address", r.f_data.clone() * (r.raddr.clone() - r.maddr.clone())),
        (
            "rd value written (x0 stays zero)",
            r.rd_val.clone()
                - r.f_ecall.clone() * d.xl.clone()
                - (k(1) - r.f_ecall.clone()) * d.c.clone() * d.rd.clone() * r.rd_inv.clone(),
        ),
        ("rd inverse", d.rd.clone() * (k(1) - d.rd.clone() * r.rd_inv.clone())),
    ]
}

/// Transitions between consecutive rows.
pub(crate) fn step(r: &RowExpr, d: &Derived, n: &NextRow) -> Vec<Named> {
    let one = || k(1);
    let data_syscall =
        r.s_read.clone() + r.s_commit.clone() + r.s_keccak.clone() + r.s_secp.clone();
    let last = r.active.clone() * (one() - n.active.clone());
    let mut out: Vec<Named> = vec![
        ("active rows come first", n.active.clone() * (one() - r.active.clone())),
        (
            "pc flows",
            n.active.clone() * (one() - n.f_data.clone()) * (n.pc.clone() - r.next_pc.clone()),
        ),
        ("data rows keep pc", n.f_data.clone() * (n.pc.clone() - r.pc.clone())),
        ("data rows keep next pc", n.f_data.clone() * (n.next_pc.clone() - r.next_pc.clone())),
        ("pc_end", last.clone() * (r.next_pc.clone() - r.pc_end.clone())),
        ("halted", last * (r.halted.clone() - r.f_ecall.clone() * r.s_halt.clone())),
        ("halt is last", r.f_ecall.clone() * r.s_halt.clone() * n.active.clone()),
        ("pc_end constant", n.pc_end.clone() - r.pc_end.clone()),
        ("halted constant", n.halted.clone() - r.halted.clone()),
        ("exit code constant", n.exit_code.clone() - r.exit_code.clone()),
        (
            "data rows follow a syscall",
            n.f_data.clone() * (one() - r.f_ecall.clone() - r.f_data.clone()),
        ),
        (
            "no data after halt or log",
            r.f_ecall.clone() * (r.s_halt.clone() + r.s_log.clone()) * n.f_data.clone(),
        ),
        (
            "read/commit row count",
            r.f_ecall.clone()
                * (r.s_read.clone() + r.s_commit.clone())
                * (d.c.clone() - n.f_data.clone() * (n.data_left.clone() + one()) * k(4)),
        ),
        (
            "keccak row count",
            r.f_ecall.clone()
                * r.s_keccak.clone()
                * (n.data_left.clone() - k(KECCAK_DATA_ROWS - 1)),
        ),
        ("keccak has data", r.f_ecall.clone() * r.s_keccak.clone() * (one() - n.f_data.clone())),
        (
            "secp row count",
            r.f_ecall.clone() * r.s_secp.clone() * (n.data_left.clone() - k(SECP_DATA_ROWS - 1)),
        ),
        ("secp has data", r.f_ecall.clone() * r.s_secp.clone() * (one() - n.f_data.clone())),
        (
            "first data address",
            r.f_ecall.clone() * data_syscall * n.f_data.clone() * (n.maddr.clone() - d.b.clone()),
        ),
        (
            "secp output pointer",
            r.f_ecall.clone() * r.s_secp.clone() * (n.out_ptr.clone() - d.c.clone()),
        ),
        ("secp phase starts at input", r.f_ecall.clone() * n.secp_out.clone()),
        (
            "data countdown",
            r.f_data.clone()
                * n.f_data.clone()
                * (r.data_left.clone() - one() - n.data_left.clone()),
        ),
        ("data ends at zero", r.f_data.clone() * (one() - n.f_data.clone()) * r.data_left.clone()),
        (
            "data address advances",
            r.f_data.clone()
                * n.f_data.clone()
                * (n.maddr.clone()
                    - r.maddr.clone()
                    - k(4)
                    - (n.secp_out.clone() - r.secp_out.clone())
                        * (r.out_ptr.clone() - r.maddr.clone() - k(4))),
        ),
        (
            "output pointer carried",
            r.f_data.clone() * n.f_data.clone() * (n.out_ptr.clone() - r.out_ptr.clone()),
        ),
        (
            "secp phase monotone",
            r.f_data.clone() * n.f_data.clone() * r.secp_out.clone() * (one() - n.secp_out.clone()),
        ),
        (
            "secp phase switches to output",
            n.f_data.clone()
                * (n.secp_out.clone() - r.secp_out.clone())
                * (n.data_left.clone() - k(SECP_OUTPUT_ROWS - 1)),
        ),
        (
            "secp ends in output phase",
            r.f_data.clone()
                * r.s_secp.clone()
                * (one() - n.f_data.clone())
                * (one() - r.secp_out.clone()),
        ),
    ];
    for (now, next) in syscall_flags(r).into_iter().zip(&n.syscalls) {
        out.push(("syscall kind carried", n.f_data.clone() * (next.clone() - now.clone())));
    }
    out
}
