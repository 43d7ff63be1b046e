//! The memory argument and the range checks, as fractions on the LogUp bus, and the
//! page-row constraints.
//!
//! Memory is offline memory checking over one bus: every access in slot `s` of a row
//! *receives* `(space, address, previous value, previous timestamp)` and *sends*
//! `(space, address, value, timestamp)`, with `previous timestamp < timestamp` proven by a
//! 3-byte decomposition of the gap. Page rows send every word of a touched page at
//! timestamp 0 (page-in) and receive its final value at its last timestamp (page-out).
//! The sends and receives cancel exactly when every read returns the last write. Space 0
//! holds the registers (the machine page), space 1 the guest's RAM; the machine page's pc
//! word is not on the bus but bound to `pc_start`/`pc_end`.

use halo2_base::halo2_proofs::plonk::Expression;

use super::cpu::Named;
use super::expr::{k, Derived};
use super::layout::RowExpr;
use super::tables::{TAG_AND, TAG_DECODE, TAG_MEMORY, TAG_PAIR, TAG_POW2};
use crate::logup::Fraction;
use crate::Fr;

/// Number of LogUp fraction groups [`fractions`] returns.
pub(crate) const GROUPS: usize = 16;

/// Fixed cells the fractions read.
pub(crate) struct FixedRow {
    pub(crate) ts_base: Expression<Fr>,
    pub(crate) pg_word: Expression<Fr>,
    pub(crate) q_machine: Expression<Fr>,
    pub(crate) q_pc_word: Expression<Fr>,
    pub(crate) q_pair: Expression<Fr>,
    pub(crate) tag: Expression<Fr>,
    pub(crate) t: [Expression<Fr>; 7],
}

fn pair(x: Expression<Fr>, y: Expression<Fr>) -> Fraction {
    Fraction::new(k(1), vec![k(TAG_PAIR), x, y])
}

fn sign_check(byte: &Expression<Fr>, sign: &Expression<Fr>) -> Expression<Fr> {
    (byte.clone() - sign.clone() * k(128)) * k(2)
}

/// A memory access: receive the previous state, send the new one.
fn access(
    uses: &Expression<Fr>,
    space: &Expression<Fr>,
    addr: &Expression<Fr>,
    (prev, prev_ts): (Expression<Fr>, Expression<Fr>),
    (value, ts): (Expression<Fr>, Expression<Fr>),
) -> Vec<Fraction> {
    let tuple = |v, t| vec![k(TAG_MEMORY), space.clone(), addr.clone(), v, t];
    vec![
        Fraction::new(uses.clone(), tuple(value, ts)),
        Fraction::new(-uses.clone(), tuple(prev, prev_ts)),
    ]
}

/// Fractions of other modules that ride in this module's groups with room (each group's
/// degree allows one more fraction of degree-1 multiplicity and tuple).
pub(crate) struct Riders {
    /// Joins the tables' group (the page-tree root at the start).
    pub(crate) table: Fraction,
    /// Joins the page rows' group (the page-tree root at the end).
    pub(crate) page: Fraction,
    /// Joins the instruction fetch's group.
    pub(crate) fetch: Fraction,
    /// Joins the rs1 slot's group.
    pub(crate) rs1: Fraction,
}

/// Every fraction group of a row.
pub(crate) fn fractions(
    r: &RowExpr,
    d: &Derived,
    f: &FixedRow,
    riders: Riders,
) -> Vec<Vec<Fraction>> {
    let d_bytes = [
        &r.d0, &r.d1, &r.d2, &r.d3, &r.d4, &r.d5, &r.d6, &r.d7, &r.d8, &r.d9, &r.d10, &r.d11,
        &r.d12, &r.d13, &r.d14,
    ];
    let mut ranges = vec![
        Fraction::new(k(1), vec![k(TAG_AND), r.a0.clone(), r.b0.clone(), r.and0.clone()]),
        Fraction::new(k(1), vec![k(TAG_AND), r.a1.clone(), r.b1.clone(), r.and1.clone()]),
        Fraction::new(k(1), vec![k(TAG_AND), r.a2.clone(), r.b2.clone(), r.and2.clone()]),
        Fraction::new(k(1), vec![k(TAG_AND), r.a3.clone(), r.b3.clone(), r.and3.clone()]),
        pair(r.c0.clone(), r.c1.clone()),
        pair(r.c2.clone(), r.c3.clone()),
        pair(r.x0.clone(), r.x1.clone()),
        pair(r.x2.clone(), r.x3.clone()),
        pair(r.x4.clone(), r.x5.clone()),
        pair(r.x6.clone(), r.x7.clone()),
    ];
    for chunk in d_bytes[..14].chunks(2) {
        ranges.push(pair(chunk[0].clone(), chunk[1].clone()));
    }
    ranges.push(pair(r.d14.clone(), r.shift_hi.clone() * k(32)));
    ranges.push(pair(sign_check(&r.a3, &r.sa), sign_check(&r.b3, &r.sb)));
    ranges.push(pair(sign_check(&r.c3, &r.sc), sign_check(&r.x3, &r.sx)));
    ranges.push(pair(r.rd_hi.clone() * k(16), r.rs2_hi.clone() * k(16)));
    ranges.push(pair(r.rs1.clone() * k(8), r.f7_lo.clone() * k(4)));
    ranges.push(pair(sign_check(&r.top, &r.top_sign), r.pgd0.clone()));
    ranges.push(pair(r.pgd1.clone(), r.pgd2.clone()));
    assert_eq!(ranges.len(), 24);
    let mut groups: Vec<Vec<Fraction>> = ranges.chunks(3).map(<[Fraction]>::to_vec).collect();

    let masked_f3 = d.funct3.clone() * r.u3.clone();
    let masked_f7 = d.funct7.clone() * r.u7.clone();
    groups.push(vec![
        Fraction::new(
            d.instr.clone(),
            vec![
                k(TAG_DECODE),
                r.opcode.clone(),
                masked_f3,
                masked_f7,
                d.family_code.clone(),
                r.u3.clone(),
                r.u7.clone(),
                r.imm.clone(),
            ],
        ),
        Fraction::new(
            r.f_sll.clone() + r.f_srl.clone(),
            vec![k(TAG_POW2), r.shamt.clone(), r.pow.clone()],
        ),
    ]);
    let mut table = vec![f.tag.clone()];
    table.extend(f.t.iter().cloned());
    groups.push(vec![
        Fraction::new(-r.m_table.clone(), table),
        Fraction::new(
            -(r.m_pair.clone() * f.q_pair.clone()),
            vec![k(TAG_PAIR), f.t[0].clone(), f.t[1].clone()],
        ),
        riders.table,
    ]);

    let ts = |slot: u64| f.ts_base.clone() + k(slot + 1);
    let [fetch, rs1, rs2, mem, rd] = &d.uses;
    let mut fetch_group = access(
        fetch,
        &k(1),
        &r.pc,
        (d.instruction_word.clone(), r.pts_fetch.clone()),
        (d.instruction_word.clone(), ts(0)),
    );
    fetch_group.push(riders.fetch);
    groups.push(fetch_group);
    let reg_rs1 =
        r.rs1.clone() * k(4) + r.f_ecall.clone() * k(4 * abi::syscall::REG_SYSCALL as u64);
    let mut rs1_group =
        access(rs1, &k(0), &reg_rs1, (d.a.clone(), r.pts_rs1.clone()), (d.a.clone(), ts(1)));
    rs1_group.push(riders.rs1);
    groups.push(rs1_group);
    groups.push(access(
        rs2,
        &r.f_data,
        &r.raddr,
        (d.b.clone(), r.pts_rs2.clone()),
        (d.b.clone(), ts(2)),
    ));
    groups.push(access(
        mem,
        &(k(1) - r.f_ecall.clone()),
        &r.maddr,
        (r.mprev.clone(), r.pts_mem.clone()),
        (r.mval.clone(), ts(3)),
    ));
    let reg_rd = d.rd.clone() * k(4) + r.f_ecall.clone() * k(4 * abi::syscall::REG_A0 as u64);
    groups.push(access(
        rd,
        &k(0),
        &reg_rd,
        (r.rd_prev.clone(), r.pts_rd.clone()),
        (r.rd_val.clone(), ts(4)),
    ));

    let page_uses = r.pg_active.clone() * (k(1) - f.q_pc_word.clone());
    let page_addr =
        r.pg_page.clone() * k(u64::from(abi::memory::PAGE_SIZE)) + f.pg_word.clone() * k(4);
    let mut page = access(
        &page_uses,
        &(k(1) - f.q_machine.clone()),
        &page_addr,
        (r.pg_out.clone(), r.pg_ts.clone()),
        (r.pg_in.clone(), k(0)),
    );
    page.push(riders.page);
    groups.push(page);
    assert_eq!(groups.len(), GROUPS);
    groups
}

/// Each used slot's previous timestamp is below its timestamp: the gap minus one is the
/// 3-byte number in its `d` bytes.
pub(crate) fn row_timestamps(r: &RowExpr, d: &Derived, ts_base: &Expression<Fr>) -> Vec<Named> {
    let prev = [&r.pts_fetch, &r.pts_rs1, &r.pts_rs2, &r.pts_mem, &r.pts_rd];
    let bytes = [
        [&r.d0, &r.d1, &r.d2],
        [&r.d3, &r.d4, &r.d5],
        [&r.d6, &r.d7, &r.d8],
        [&r.d9, &r.d10, &r.d11],
        [&r.d12, &r.d13, &r.d14],
    ];
    let mut out = Vec::new();
    for (slot, ((uses, prev), bytes)) in d.uses.iter().zip(prev).zip(bytes).enumerate() {
        let gap = bytes[0].clone() + bytes[1].clone() * k(256) + bytes[2].clone() * k(65536);
        let ts = ts_base.clone() + k(slot as u64 + 1);
        out.push(("previous access is earlier", uses.clone() * (ts - prev.clone() - k(1) - gap)));
    }
    out
}

/// Page rows: blocks of 256 rows, one page each, in strictly increasing page order after
/// the machine page, each page index below 2^19.
pub(crate) struct PageRows {
    pub(crate) next_block_start: Expression<Fr>,
    pub(crate) prev_block_start: Expression<Fr>,
    pub(crate) next_active: Expression<Fr>,
    pub(crate) next_page: Expression<Fr>,
    pub(crate) next_gap: Expression<Fr>,
    pub(crate) pc_first_row: Expression<Fr>,
}

/// Page constraints on one usable row (`step` adds those on consecutive rows).
pub(crate) fn row_pages(r: &RowExpr, f: &FixedRow, p: &PageRows) -> Vec<Named> {
    let gap = r.pgd0.clone() + r.pgd1.clone() * k(256) + r.pgd2.clone() * k(65536);
    vec![
        ("machine page first", f.q_machine.clone() * r.pg_page.clone()),
        ("machine page present", f.q_machine.clone() * (k(1) - r.pg_active.clone())),
        (
            "page index in range",
            p.prev_block_start.clone()
                * r.pg_active.clone()
                * (k(u64::from(abi::memory::NUM_PAGES) - 1) - r.pg_page.clone() - gap),
        ),
        ("pc paged in", f.q_pc_word.clone() * (r.pg_in.clone() - p.pc_first_row.clone())),
        ("pc paged out", f.q_pc_word.clone() * (r.pg_out.clone() - r.pc_end.clone())),
    ]
}

/// Page constraints between a row and the next.
pub(crate) fn step_pages(r: &RowExpr, p: &PageRows) -> Vec<Named> {
    let within = k(1) - p.next_block_start.clone();
    vec![
        ("page constant in block", within.clone() * (p.next_page.clone() - r.pg_page.clone())),
        ("page activity constant in block", within * (p.next_active.clone() - r.pg_active.clone())),
        ("active pages come first", p.next_active.clone() * (k(1) - r.pg_active.clone())),
        (
            "pages strictly increase",
            p.next_block_start.clone()
                * p.next_active.clone()
                * (p.next_page.clone() - r.pg_page.clone() - k(1) - p.next_gap.clone()),
        ),
    ]
}
