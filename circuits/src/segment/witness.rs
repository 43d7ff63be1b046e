//! From a `vm::SegmentRecord` to the circuit's first-phase rows.
//!
//! The rows are plain integers; [`to_field_columns`] turns them into field columns (and
//! fills in the three inverse columns, which are field elements).

use abi::memory::{PAGE_WORDS, PC_ADDR};
use vm::trace::{SegmentRecord, TIMESTAMP_SLOTS};
use vm::{alu, branch_taken, decode, Opcode};

use super::chain_witness;
use super::layout::Row;
use super::tables::{decode_entry, family};
use super::SegmentError;
use crate::chains::{Chain, Chains};
use crate::Fr;
use halo2_base::halo2_proofs::arithmetic::Field;
use halo2_base::halo2_proofs::halo2curves::ff::BatchInvert;

/// Position of the first chain value in the instance column.
pub(crate) const CHAIN_INSTANCES: usize = 6;

/// The public values of one segment, in instance-column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentPublicInputs {
    /// Program counter before the segment's first instruction.
    pub pc_start: u32,
    /// Program counter after its last instruction.
    pub pc_end: u32,
    /// Page-tree root of the memory (machine page included) when the segment starts.
    pub mem_root_start: Fr,
    /// Page-tree root of the memory the segment leaves behind.
    pub mem_root_end: Fr,
    /// Whether the machine halted in this segment.
    pub halted: bool,
    /// The exit code if it halted, else 0.
    pub exit_code: u32,
    /// The chains (COMMIT output, keccak calls, secp256k1 calls) when the segment starts.
    pub chains_start: Chains,
    /// The chains when the segment ends.
    pub chains_end: Chains,
}

impl SegmentPublicInputs {
    /// The instance column: `pc_start, pc_end, mem_root_start, mem_root_end, halted,
    /// exit_code`, then each chain's start and end, in [`Chain::ALL`] order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let mut out = vec![
            Fr::from(u64::from(self.pc_start)),
            Fr::from(u64::from(self.pc_end)),
            self.mem_root_start,
            self.mem_root_end,
            Fr::from(u64::from(self.halted)),
            Fr::from(u64::from(self.exit_code)),
        ];
        for chain in Chain::ALL {
            out.push(self.chains_start.get(chain));
            out.push(self.chains_end.get(chain));
        }
        out
    }
}

fn bytes(value: u32) -> [u64; 4] {
    value.to_le_bytes().map(u64::from)
}

fn sign(value: u32) -> u64 {
    u64::from(value >> 31)
}

/// Sets the byte columns of word `which` (a, b, c, xl, xh).
macro_rules! set_word {
    ($row:expr, $b0:ident, $b1:ident, $b2:ident, $b3:ident, $value:expr) => {{
        let [w0, w1, w2, w3] = bytes($value);
        $row.$b0 = w0;
        $row.$b1 = w1;
        $row.$b2 = w2;
        $row.$b3 = w3;
    }};
}

/// The accesses of one row, by slot: (address, previous value, value, previous timestamp).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    used: bool,
    prev: u32,
    value: u32,
    prev_ts: u64,
}

/// Builds the rows of `record` for a circuit with `usable` usable rows.
pub(crate) fn build_rows(
    record: &SegmentRecord,
    usable: usize,
) -> Result<(Vec<Row>, SegmentPublicInputs), SegmentError> {
    let capacity = usable - 1;
    let rows_used = usize::try_from(record.rows).map_err(|_| SegmentError::TooManyRows)?;
    if rows_used > capacity || rows_used == 0 {
        return Err(SegmentError::TooManyRows);
    }
    let page_rows = record.pages_in.len() * PAGE_WORDS;
    if page_rows > capacity {
        return Err(SegmentError::TooManyPages(record.pages_in.len()));
    }
    let base_ts = TIMESTAMP_SLOTS * record.first_row;
    let mut rows = vec![Row::default(); usable];

    // Slots of every row, from the access log.
    let mut slots = vec![[Slot::default(); 5]; rows_used];
    let mut last_ts = std::collections::HashMap::<u32, u64>::new();
    for access in &record.accesses {
        let local = access.timestamp - base_ts;
        let row = usize::try_from((local - 1) / TIMESTAMP_SLOTS)
            .map_err(|_| SegmentError::Malformed("timestamp"))?;
        let slot = ((local - 1) % TIMESTAMP_SLOTS) as usize;
        let entry = slots.get_mut(row).ok_or(SegmentError::Malformed("access row"))?;
        entry[slot] = Slot {
            used: true,
            prev: access.prev_value,
            value: access.value,
            prev_ts: access.prev_timestamp - base_ts,
        };
        last_ts.insert(access.addr, local);
    }

    let halted = record.exit_code.is_some();
    let exit_code = record.exit_code.unwrap_or(0);
    // The memory roots and chains are filled in by the paging and chain witnesses.
    let public = SegmentPublicInputs {
        pc_start: record.start.pc,
        pc_end: record.end.pc,
        mem_root_start: Fr::ZERO,
        mem_root_end: Fr::ZERO,
        halted,
        exit_code,
        chains_start: Chains::initial(),
        chains_end: Chains::initial(),
    };

    for event in &record.events {
        let first = usize::try_from(event.row - record.first_row)
            .map_err(|_| SegmentError::Malformed("event row"))?;
        let inst = decode(event.word).map_err(|_| SegmentError::Malformed("instruction"))?;
        let entry = decode_entry(event.word).ok_or(SegmentError::Malformed("instruction"))?;
        let row = rows.get_mut(first).ok_or(SegmentError::Malformed("event row"))?;
        let s = slots.get(first).copied().ok_or(SegmentError::Malformed("event row"))?;
        fill_instruction(row, event.pc, event.next_pc, event.word, &inst.opcode, &entry, &s)?;
        fill_slots(row, &s, first);
        if inst.opcode == Opcode::Ecall {
            let count = event.rows as usize - 1;
            let number = s[1].value;
            let (in_ptr, out_ptr) = (s[2].value, s[3].value);
            for j in 0..count {
                let data_index = first + 1 + j;
                let ds =
                    slots.get(data_index).copied().ok_or(SegmentError::Malformed("data row"))?;
                let data = rows.get_mut(data_index).ok_or(SegmentError::Malformed("data row"))?;
                fill_data_row(data, event, number, (in_ptr, out_ptr), j, count, &ds);
                fill_slots(data, &ds, data_index);
                if ds[3].used {
                    // A word the syscall writes, as range-checked bytes.
                    set_word!(data, x0, x1, x2, x3, ds[3].value);
                }
            }
        }
    }

    chain_witness::fill_rows(&mut rows);
    for row in rows.iter_mut() {
        fill_derived(row);
        row.pc_end = u64::from(public.pc_end);
        row.halted = u64::from(halted);
        row.exit_code = u64::from(exit_code);
    }

    // Page rows.
    let mut previous_page: Option<u64> = None;
    for (block, (page_in, page_out)) in record.pages_in.iter().zip(&record.pages_out).enumerate() {
        let page = u64::from(page_in.index);
        for word in 0..PAGE_WORDS {
            let row = &mut rows[block * PAGE_WORDS + word];
            let addr = page_in.index * abi::memory::PAGE_SIZE + 4 * word as u32;
            row.pg_active = 1;
            row.pg_page = page;
            row.pg_in = u64::from(page_in.words[word]);
            row.pg_out = u64::from(page_out.words[word]);
            [row.pgi0, row.pgi1, row.pgi2, _] = bytes(page_in.words[word]);
            [row.pgo0, row.pgo1, row.pgo2, _] = bytes(page_out.words[word]);
            row.pg_ts = if page == 0 && addr == PC_ADDR {
                0
            } else {
                last_ts.get(&addr).copied().unwrap_or(0)
            };
            let gap = match word {
                0 => previous_page.map_or(0, |prev| page - prev - 1),
                1 => u64::from(abi::memory::NUM_PAGES) - 1 - page,
                _ => 0,
            };
            row.pgd0 = gap & 0xff;
            row.pgd1 = (gap >> 8) & 0xff;
            row.pgd2 = gap >> 16;
        }
        previous_page = Some(page);
    }
    Ok((rows, public))
}

fn fill_slots(row: &mut Row, s: &[Slot; 5], local_row: usize) {
    let ts = |slot: usize| (TIMESTAMP_SLOTS as usize * local_row + slot + 1) as u64;
    let gaps: Vec<u64> =
        (0..5).map(|i| if s[i].used { ts(i) - s[i].prev_ts - 1 } else { 0 }).collect();
    let prev_ts: Vec<u64> = (0..5).map(|i| if s[i].used { s[i].prev_ts } else { 0 }).collect();
    row.pts_fetch = prev_ts[0];
    row.pts_rs1 = prev_ts[1];
    row.pts_rs2 = prev_ts[2];
    row.pts_mem = prev_ts[3];
    row.pts_rd = prev_ts[4];
    let d = gaps.iter().flat_map(|g| [g & 0xff, (g >> 8) & 0xff, g >> 16]).collect::<Vec<_>>();
    [
        row.d0, row.d1, row.d2, row.d3, row.d4, row.d5, row.d6, row.d7, row.d8, row.d9, row.d10,
        row.d11, row.d12, row.d13, row.d14,
    ] = [
        d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
        d[14],
    ];
    if s[4].used {
        row.rd_prev = u64::from(s[4].prev);
        row.rd_val = u64::from(s[4].value);
    }
    if s[3].used {
        row.mval = u64::from(s[3].value);
        row.mprev = u64::from(s[3].prev);
    }
}

fn set_flag(row: &mut Row, code: u64) {
    match code {
        family::ADD => row.f_add = 1,
        family::SUB => row.f_sub = 1,
        family::SLT => row.f_slt = 1,
        family::BIT => row.f_bit = 1,
        family::SLL => row.f_sll = 1,
        family::SRL => row.f_srl = 1,
        family::LUI => row.f_lui = 1,
        family::AUIPC => row.f_auipc = 1,
        family::JAL => row.f_jal = 1,
        family::JALR => row.f_jalr = 1,
        family::BRANCH => row.f_branch = 1,
        family::LB => row.f_lb = 1,
        family::LH => row.f_lh = 1,
        family::LW => row.f_lw = 1,
        family::SB => row.f_sb = 1,
        family::SH => row.f_sh = 1,
        family::SW => row.f_sw = 1,
        family::MUL => row.f_mul = 1,
        family::DIV => row.f_div = 1,
        family::ECALL => row.f_ecall = 1,
        _ => row.f_fence = 1,
    }
}

fn imm_i(word: u32) -> u32 {
    ((word as i32) >> 20) as u32
}

fn imm_s(word: u32) -> u32 {
    ((((word & 0xfe00_0000) as i32) >> 20) as u32) | ((word >> 7) & 0x1f)
}

fn carry(x: u64) -> u64 {
    x >> 32
}

fn fill_instruction(
    row: &mut Row,
    pc: u32,
    next_pc: u32,
    word: u32,
    opcode: &Opcode,
    entry: &super::tables::DecodeEntry,
    s: &[Slot; 5],
) -> Result<(), SegmentError> {
    let w = u64::from(word);
    row.active = 1;
    row.pc = u64::from(pc);
    row.next_pc = u64::from(next_pc);
    row.opcode = w & 0x7f;
    row.rd_b0 = (w >> 7) & 1;
    row.rd_hi = (w >> 8) & 0xf;
    row.f3_0 = (w >> 12) & 1;
    row.f3_1 = (w >> 13) & 1;
    row.f3_2 = (w >> 14) & 1;
    row.rs1 = (w >> 15) & 0x1f;
    row.rs2_b0 = (w >> 20) & 1;
    row.rs2_hi = (w >> 21) & 0xf;
    row.f7_lo = (w >> 25) & 0x3f;
    row.b31 = w >> 31;
    row.u3 = entry.uses_funct3;
    row.u7 = entry.uses_funct7;
    row.imm = entry.imm;
    set_flag(row, entry.family);
    let funct3 = (word >> 12) & 7;

    let a = if s[1].used { s[1].value } else { 0 };
    let b = if entry.imm == 1 {
        imm_i(word)
    } else if s[2].used && entry.family != family::ECALL {
        s[2].value
    } else {
        0
    };
    let fam = entry.family;
    let (pc64, a64, b64) = (u64::from(pc), u64::from(a), u64::from(b));
    let mut c: u32 = 0;
    let mut xl: u32 = 0;
    let mut xh: u32 = 0;
    let signed_cmp = match fam {
        family::SLT => funct3 == 2,
        family::BRANCH => funct3 & 2 == 0,
        _ => false,
    };
    let (sa, sb) = (sign(a), sign(b));
    match fam {
        family::ADD => {
            c = a.wrapping_add(b);
            row.carry = carry(a64 + b64);
        }
        family::SUB => {
            c = a.wrapping_sub(b);
            row.carry = u64::from(a < b);
        }
        family::SLT | family::BRANCH => {
            let lt = if signed_cmp { (a as i32) < (b as i32) } else { a < b };
            row.lt = u64::from(lt);
            let (a_s, b_s) = if signed_cmp {
                (i64::from(a as i32), i64::from(b as i32))
            } else {
                (i64::from(a), i64::from(b))
            };
            xl = (a_s - b_s + (i64::from(lt) << 32)) as u32;
            if fam == family::SLT {
                c = u32::from(lt);
            } else {
                let taken = branch_taken(*opcode, a, b);
                row.taken = u64::from(taken);
                let imm_b = next_pc.wrapping_sub(pc);
                row.pc_carry = if taken { carry(pc64 + u64::from(imm_b)) } else { carry(pc64 + 4) };
                if fam == family::BRANCH && funct3 & 4 == 0 {
                    xl = 0;
                    row.lt = 0;
                }
            }
            row.sae = sa * u64::from(signed_cmp);
            row.sbe = sb * u64::from(signed_cmp);
        }
        family::BIT => c = alu(*opcode, a, b),
        family::SLL => {
            let shamt = b & 31;
            row.shamt = u64::from(shamt);
            row.shift_hi = u64::from((b & 0xff) >> 5);
            row.pow = 1 << shamt;
            c = a << shamt;
            xl = ((a64 << shamt) >> 32) as u32;
        }
        family::SRL => {
            let shamt = b & 31;
            let arithmetic = word >> 25 == 0x20;
            row.shamt = u64::from(shamt);
            row.shift_hi = u64::from((b & 0xff) >> 5);
            row.pow = 1 << shamt;
            c = alu(*opcode, a, b);
            let rem = if arithmetic {
                (i64::from(a as i32) - i64::from(c as i32) * (1i64 << shamt)) as u64
            } else {
                a64 - u64::from(c) * (1u64 << shamt)
            };
            xl = rem as u32;
            xh = ((1u64 << shamt) - 1 - rem) as u32;
            row.sae = sa * u64::from(arithmetic);
        }
        family::MUL => {
            let (sa_used, sb_used) = match funct3 {
                1 => (true, true),
                2 => (true, false),
                _ => (false, false),
            };
            let a_s = if sa_used { i128::from(a as i32) } else { i128::from(a) };
            let b_s = if sb_used { i128::from(b as i32) } else { i128::from(b) };
            let product = a_s * b_s;
            row.ovf = u64::from(product < 0);
            let bits = (product + (i128::from(product < 0) << 64)) as u128;
            let (lo, hi) = (bits as u32, (bits >> 32) as u32);
            if funct3 == 0 {
                c = lo;
                xl = hi;
            } else {
                c = hi;
                xl = lo;
            }
            row.sae = sa * u64::from(sa_used);
            row.sbe = sb * u64::from(sb_used);
        }
        family::DIV => {
            let signed = funct3 & 1 == 0;
            let rem_op = funct3 & 2 != 0;
            let (div_op, rem_opc) =
                if signed { (Opcode::Div, Opcode::Rem) } else { (Opcode::Divu, Opcode::Remu) };
            let q = alu(div_op, a, b);
            let r = alu(rem_opc, a, b);
            if rem_op {
                c = r;
                xl = q;
            } else {
                c = q;
                xl = r;
            }
            row.ovf = u64::from(signed && a == 0x8000_0000 && b == u32::MAX);
            row.b_zero = u64::from(b == 0);
            row.rem = u64::from(r);
            let r_sign = if signed { sign(r) } else { 0 };
            row.rem_sign = r_sign;
            let r_s = if signed { i64::from(r as i32) } else { i64::from(r) };
            let b_s = if signed { i64::from(b as i32) } else { i64::from(b) };
            row.rabs = r_s.unsigned_abs();
            if b != 0 {
                xh = (b_s.unsigned_abs() - r_s.unsigned_abs() - 1) as u32;
            }
            row.sae = sa * u64::from(signed);
            row.sbe = sb * u64::from(signed);
            row.sce = sign(c) * u64::from(signed);
            row.sxe = sign(xl) * u64::from(signed);
        }
        family::LUI => c = word & 0xffff_f000,
        family::AUIPC => {
            let imm = word & 0xffff_f000;
            c = pc.wrapping_add(imm);
            row.carry = carry(pc64 + u64::from(imm));
        }
        family::JAL => {
            c = pc.wrapping_add(4);
            row.carry = carry(pc64 + 4);
            row.pc_carry = carry(pc64 + u64::from(next_pc.wrapping_sub(pc)));
        }
        family::JALR => {
            c = pc.wrapping_add(4);
            row.carry = carry(pc64 + 4);
            let target = a64 + b64;
            row.off0 = target & 1;
            row.pc_carry = carry(target);
        }
        family::LB | family::LH | family::LW | family::SB | family::SH | family::SW => {
            let is_store = matches!(fam, family::SB | family::SH | family::SW);
            let offset = if is_store { imm_s(word) } else { b };
            let eff = a64 + u64::from(offset);
            row.carry = carry(eff);
            let eff = eff as u32;
            row.maddr = u64::from(eff & !3);
            row.off0 = u64::from(eff & 1);
            row.off1 = u64::from((eff >> 1) & 1);
            let mem = s[3];
            if is_store {
                xl = mem.value;
                xh = mem.prev;
            } else {
                xl = mem.value;
                let by = mem.value.to_le_bytes();
                let off = (eff & 3) as usize;
                let (lo, hi) = match fam {
                    family::LB => (by[off], 0),
                    family::LH => (by[off], by[off + 1]),
                    _ => (0, 0),
                };
                row.sel_lo = u64::from(lo);
                row.sel_hi = u64::from(hi);
                row.top = match fam {
                    family::LB => u64::from(lo),
                    family::LH => u64::from(hi),
                    _ => 0,
                };
                row.top_sign = row.top >> 7;
                let signed = funct3 & 4 == 0;
                c = match fam {
                    family::LB if signed => lo as i8 as u32,
                    family::LH if signed => u32::from(u16::from_le_bytes([lo, hi])) as i16 as u32,
                    family::LB => u32::from(lo),
                    family::LH => u32::from(u16::from_le_bytes([lo, hi])),
                    _ => mem.value,
                };
            }
        }
        family::ECALL => {
            c = s[3].value;
            row.maddr = u64::from(4 * abi::syscall::REG_A1 as u32);
            row.raddr = u64::from(4 * abi::syscall::REG_A0 as u32);
            let number = a;
            match number {
                abi::syscall::HALT => row.s_halt = 1,
                abi::syscall::READ => row.s_read = 1,
                abi::syscall::COMMIT => row.s_commit = 1,
                abi::syscall::LOG => row.s_log = 1,
                abi::syscall::KECCAK_PERMUTE => row.s_keccak = 1,
                abi::syscall::SECP256K1_RECOVER => {
                    row.s_secp = 1;
                    xl = s[4].value;
                }
                _ => return Err(SegmentError::Malformed("syscall number")),
            }
            set_word!(row, b0, b1, b2, b3, s[2].value);
        }
        _ => {}
    }
    if fam != family::ECALL {
        set_word!(row, b0, b1, b2, b3, b);
        row.raddr = 4 * ((w >> 20) & 0x1f);
    }
    set_word!(row, a0, a1, a2, a3, a);
    set_word!(row, c0, c1, c2, c3, c);
    set_word!(row, x0, x1, x2, x3, xl);
    set_word!(row, x4, x5, x6, x7, xh);
    let (bb, ab) = (bytes(if fam == family::ECALL { s[2].value } else { b }), bytes(a));
    row.and0 = ab[0] & bb[0];
    row.and1 = ab[1] & bb[1];
    row.and2 = ab[2] & bb[2];
    row.and3 = ab[3] & bb[3];
    Ok(())
}

fn fill_data_row(
    row: &mut Row,
    event: &vm::trace::InstructionEvent,
    number: u32,
    (in_ptr, out_ptr): (u32, u32),
    j: usize,
    count: usize,
    s: &[Slot; 5],
) {
    row.active = 1;
    row.f_data = 1;
    row.pc = u64::from(event.pc);
    row.next_pc = u64::from(event.next_pc);
    row.data_left = (count - 1 - j) as u64;
    match number {
        abi::syscall::READ => row.s_read = 1,
        abi::syscall::COMMIT => row.s_commit = 1,
        abi::syscall::KECCAK_PERMUTE => row.s_keccak = 1,
        _ => row.s_secp = 1,
    }
    let secp_in_rows = abi::syscall::SECP256K1_RECOVER_INPUT_BYTES / 4;
    let addr = if number == abi::syscall::SECP256K1_RECOVER {
        row.out_ptr = u64::from(out_ptr);
        if j >= secp_in_rows {
            row.secp_out = 1;
            out_ptr.wrapping_add(4 * (j - secp_in_rows) as u32)
        } else {
            in_ptr.wrapping_add(4 * j as u32)
        }
    } else {
        in_ptr.wrapping_add(4 * j as u32)
    };
    row.maddr = u64::from(addr);
    row.raddr = u64::from(addr);
    let read = if s[2].used { s[2].value } else { 0 };
    let [b0, b1, b2, b3] = bytes(read);
    (row.b0, row.b1, row.b2, row.b3) = (b0, b1, b2, b3);
}

/// Columns every row derives from its operand bytes: sign bits, equality, B = 0.
fn fill_derived(row: &mut Row) {
    let a = word_of([row.a0, row.a1, row.a2, row.a3]);
    let b = word_of([row.b0, row.b1, row.b2, row.b3]);
    row.sa = row.a3 >> 7;
    row.sb = row.b3 >> 7;
    row.sc = row.c3 >> 7;
    row.sx = row.x3 >> 7;
    row.eq = u64::from(a == b);
    row.b_zero = u64::from(b == 0);
}

/// Converts rows to field columns in [`super::layout::Columns::all`] order, computing the
/// inverse columns.
pub(crate) fn to_field_columns(rows: &[Row], n: usize) -> Vec<Vec<Fr>> {
    let width = Row::default().values().len();
    let mut columns = vec![vec![Fr::ZERO; n]; width];
    for (i, row) in rows.iter().enumerate() {
        for (c, value) in row.values().into_iter().enumerate() {
            columns[c][i] = Fr::from(value);
        }
    }
    let index = super::layout::column_positions();
    for (i, row) in rows.iter().enumerate() {
        let a = Fr::from(word_of([row.a0, row.a1, row.a2, row.a3]));
        let b = Fr::from(word_of([row.b0, row.b1, row.b2, row.b3]));
        columns[index.diff_inv][i] = a - b;
        columns[index.b_inv][i] = b;
        columns[index.rd_inv][i] = Fr::from(row.rd_b0 + 2 * row.rd_hi);
    }
    // Inverses of nonzero values; zero stays zero.
    for column in [index.diff_inv, index.b_inv, index.rd_inv] {
        columns[column][..rows.len()].iter_mut().batch_invert();
    }
    columns
}

pub(crate) fn word_of(bytes: [u64; 4]) -> u64 {
    bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24
}
