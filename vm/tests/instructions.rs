//! Unit tests per instruction family, with the edge cases of the RISC-V spec: x0 writes,
//! shifts by 32 or more, MULH* signs, division by zero and overflow, load sign
//! extension, sub-word stores, and branches and jumps at the limits of their offsets.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod support;

use support::asm::{Asm, Run, CODE_BASE};
use vm::encode::{encode, inst};
use vm::Opcode::{self, *};
use vm::{alu, Program};

const DATA: u32 = 0x8_0000;

/// Runs `rd = a OP b` (register form) and returns rd.
fn rr(opcode: Opcode, a: u32, b: u32) -> u32 {
    let mut asm = Asm::new();
    asm.li(1, a).li(2, b).op(opcode, 3, 1, 2, 0).halt();
    asm.run(&[]).registers()[3]
}

/// Runs `rd = a OP imm` (immediate form) and returns rd.
fn ri(opcode: Opcode, a: u32, imm: i32) -> u32 {
    let mut asm = Asm::new();
    asm.li(1, a).op(opcode, 3, 1, 0, imm).halt();
    asm.run(&[]).registers()[3]
}

#[test]
fn x0_is_hardwired_to_zero() {
    let mut asm = Asm::new();
    asm.op(Addi, 0, 0, 0, 5).op(Lui, 0, 0, 0, 0x12345000).op(Jal, 0, 0, 0, 4);
    asm.op(Add, 1, 0, 0, 0).halt();
    let regs = *asm.run(&[]).registers();
    assert_eq!((regs[0], regs[1]), (0, 0));
}

#[test]
fn add_sub_wrap() {
    assert_eq!(rr(Add, u32::MAX, 2), 1);
    assert_eq!(rr(Sub, 0, 1), u32::MAX);
    assert_eq!(ri(Addi, 5, -6), u32::MAX);
    assert_eq!(ri(Addi, 0x7fff_ffff, 1), 0x8000_0000);
}

#[test]
fn comparisons_are_signed_or_unsigned() {
    assert_eq!(rr(Slt, 0xffff_ffff, 0), 1); // -1 < 0
    assert_eq!(rr(Sltu, 0xffff_ffff, 0), 0);
    assert_eq!(rr(Slt, 0x8000_0000, 0x7fff_ffff), 1);
    assert_eq!(ri(Slti, 0, -1), 0);
    // sltiu sign-extends the immediate, then compares unsigned: x < 0xffffffff.
    assert_eq!(ri(Sltiu, 0xffff_fffe, -1), 1);
    assert_eq!(ri(Sltiu, 0, 1), 1); // seqz
}

#[test]
fn logic_ops() {
    assert_eq!(rr(Xor, 0xf0f0_f0f0, 0xffff_0000), 0x0f0f_f0f0);
    assert_eq!(rr(Or, 0xf000_0000, 0x0000_000f), 0xf000_000f);
    assert_eq!(rr(And, 0xf0f0_f0f0, 0xffff_0000), 0xf0f0_0000);
    assert_eq!(ri(Xori, 0x1234, -1), !0x1234u32); // not
    assert_eq!(ri(Ori, 0, -2048), 0xffff_f800);
    assert_eq!(ri(Andi, 0xffff_ffff, 0x7ff), 0x7ff);
}

#[test]
fn shifts_use_the_low_five_bits() {
    assert_eq!(rr(Sll, 1, 33), 2);
    assert_eq!(rr(Srl, 0x8000_0000, 32), 0x8000_0000);
    assert_eq!(rr(Sra, 0x8000_0000, 63), 0xffff_ffff);
    assert_eq!(rr(Srl, 0x8000_0000, 31), 1);
    assert_eq!(ri(Slli, 1, 31), 0x8000_0000);
    assert_eq!(ri(Srli, 0xffff_ffff, 28), 0xf);
    assert_eq!(ri(Srai, 0x8000_0000, 4), 0xf800_0000);
}

#[test]
fn multiplication_high_halves_follow_operand_signs() {
    let cases = [0u32, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1234_5678, 0xdead_beef];
    for &a in &cases {
        for &b in &cases {
            let (sa, sb) = (i128::from(a as i32), i128::from(b as i32));
            let (ua, ub) = (i128::from(a), i128::from(b));
            assert_eq!(rr(Mul, a, b), a.wrapping_mul(b));
            assert_eq!(rr(Mulh, a, b), ((sa * sb) >> 32) as u32, "mulh {a:#x} {b:#x}");
            assert_eq!(rr(Mulhsu, a, b), ((sa * ub) >> 32) as u32, "mulhsu {a:#x} {b:#x}");
            assert_eq!(rr(Mulhu, a, b), ((ua * ub) >> 32) as u32, "mulhu {a:#x} {b:#x}");
        }
    }
}

#[test]
fn division_by_zero_and_overflow_follow_the_spec() {
    assert_eq!(rr(Div, 7, 0), u32::MAX);
    assert_eq!(rr(Divu, 7, 0), u32::MAX);
    assert_eq!(rr(Rem, 7, 0), 7);
    assert_eq!(rr(Remu, 7, 0), 7);
    assert_eq!(rr(Div, 0x8000_0000, u32::MAX), 0x8000_0000);
    assert_eq!(rr(Rem, 0x8000_0000, u32::MAX), 0);
    assert_eq!(rr(Div, (-7i32) as u32, 2), (-3i32) as u32); // rounds toward zero
    assert_eq!(rr(Rem, (-7i32) as u32, 2), (-1i32) as u32); // sign of the dividend
    assert_eq!(rr(Divu, 0xffff_fff9, 2), 0x7fff_fffc);
    assert_eq!(rr(Remu, 0xffff_fff9, 2), 1);
}

#[test]
fn lui_and_auipc() {
    let mut asm = Asm::new();
    asm.op(Lui, 1, 0, 0, 0xfffff000u32 as i32).op(Auipc, 2, 0, 0, 0x1000).halt();
    let regs = *asm.run(&[]).registers();
    assert_eq!(regs[1], 0xffff_f000);
    assert_eq!(regs[2], CODE_BASE + 4 + 0x1000);
}

#[test]
fn loads_sign_or_zero_extend() {
    let data = [(DATA, 0x8081_f0ffu32)];
    let mut asm = Asm::new();
    asm.li(1, DATA);
    asm.op(Lb, 2, 1, 0, 0).op(Lbu, 3, 1, 0, 0).op(Lb, 4, 1, 0, 3);
    asm.op(Lh, 11, 1, 0, 2).op(Lhu, 6, 1, 0, 2).op(Lh, 7, 1, 0, 0).op(Lw, 8, 1, 0, 0);
    asm.op(Lb, 9, 1, 0, 1).halt();
    let regs = *asm.run(&data).registers();
    assert_eq!(regs[2], 0xffff_ffff);
    assert_eq!(regs[3], 0xff);
    assert_eq!(regs[4], 0xffff_ff80);
    assert_eq!(regs[11], 0xffff_8081);
    assert_eq!(regs[6], 0x8081);
    assert_eq!(regs[7], 0xffff_f0ff);
    assert_eq!(regs[8], 0x8081_f0ff);
    assert_eq!(regs[9], 0xffff_fff0);
}

#[test]
fn stores_merge_into_the_word_and_accept_negative_offsets() {
    let mut asm = Asm::new();
    asm.li(1, DATA + 8).li(2, 0xaabb_ccdd);
    asm.op(Sw, 0, 1, 2, -8).op(Sb, 0, 1, 0, -7).op(Sh, 0, 1, 2, -2).op(Sb, 0, 1, 2, -1);
    asm.halt();
    let machine = asm.run(&[(DATA + 4, 0x1111_1111)]);
    assert_eq!(
        machine.read_memory(DATA, 8).unwrap(),
        [0xdd, 0x00, 0xbb, 0xaa, 0x11, 0x11, 0xdd, 0xdd]
    );
}

#[test]
fn branches_compare_signed_and_unsigned() {
    // For each branch: (a, b, taken?).
    let cases = [
        (Beq, 5, 5, true),
        (Beq, 5, 6, false),
        (Bne, 5, 6, true),
        (Blt, 0xffff_ffff, 0, true),
        (Bltu, 0xffff_ffff, 0, false),
        (Bge, 0, 0xffff_ffff, true),
        (Bge, 3, 3, true),
        (Bgeu, 0, 0xffff_ffff, false),
        (Bltu, 0, 0xffff_ffff, true),
    ];
    for (opcode, a, b, taken) in cases {
        let mut asm = Asm::new();
        // Taken: skip the `addi x3, x0, 1`.
        asm.li(1, a).li(2, b).op(opcode, 0, 1, 2, 8).op(Addi, 3, 0, 0, 1).halt();
        assert_eq!(asm.run(&[]).registers()[3] == 0, taken, "{opcode:?} {a:#x} {b:#x}");
        assert_eq!(vm::branch_taken(opcode, a, b), taken);
    }
}

/// A program with a jump at `from` to code at `to` that sets x3 = 1 and halts.
fn far_jump(from: u32, to: u32, jump: u32) -> Program {
    let mut landing = Asm::new();
    landing.op(Addi, 3, 0, 0, 1).halt();
    let mut image = std::collections::BTreeMap::from([(from, jump)]);
    for (i, w) in landing.words.iter().enumerate() {
        image.insert(to + 4 * i as u32, *w);
    }
    let (lo, hi) = (from.min(to), from.max(to) + 64);
    Program { entry: from, image, executable: vec![(lo, hi)] }
}

fn run_program(program: &Program) -> [u32; 32] {
    let mut machine = vm::Executor::new(program, vec![], vm::ExecutorConfig::default()).unwrap();
    machine.run_fast().unwrap();
    *machine.registers()
}

#[test]
fn branch_and_jump_offsets_at_their_limits() {
    let from = 0x20_0000;
    // beq x0, x0 with the most negative (-4096) and most positive (+4094 → 4092 aligned) offsets.
    let beq = |off| encode(&inst(Beq, 0, 0, 0, off));
    assert_eq!(run_program(&far_jump(from, from - 4096, beq(-4096)))[3], 1);
    assert_eq!(run_program(&far_jump(from, from + 4092, beq(4092)))[3], 1);
    // jal with ±1 MiB offsets; the link register gets pc + 4.
    let jal = |off| encode(&inst(Jal, 1, 0, 0, off));
    let regs = run_program(&far_jump(from, from - (1 << 20), jal(-(1 << 20))));
    assert_eq!((regs[1], regs[3]), (from + 4, 1));
    let regs = run_program(&far_jump(from, from + (1 << 20) - 4, jal((1 << 20) - 4)));
    assert_eq!((regs[1], regs[3]), (from + 4, 1));
}

#[test]
fn jalr_clears_bit_zero_and_links_before_reading_when_rd_equals_rs1() {
    let mut asm = Asm::new();
    // x1 = address of the landing pad + 1 (odd); jalr x1, 0(x1) jumps to the pad.
    asm.li(1, CODE_BASE + 4 * 4 + 1); // 2 words
    asm.op(Jalr, 1, 1, 0, 0); // word 2
    asm.op(Addi, 3, 0, 0, 1); // word 3: skipped
    asm.halt(); // word 4: landing pad
    let regs = *asm.run(&[]).registers();
    assert_eq!(regs[1], CODE_BASE + 12);
    assert_eq!(regs[3], 0);
}

#[test]
fn fence_is_a_no_op() {
    let mut asm = Asm::new();
    asm.op(Fence, 0, 0, 0, 0).op(Addi, 1, 0, 0, 9).halt();
    assert_eq!(asm.run(&[]).registers()[1], 9);
}

#[test]
fn alu_reference_matches_wide_arithmetic_on_random_operands() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..10_000 {
        let (a, b): (u32, u32) = (rng.gen(), rng.gen());
        let (sa, sb) = (i64::from(a as i32), i64::from(b as i32));
        assert_eq!(alu(Add, a, b), (u64::from(a) + u64::from(b)) as u32);
        assert_eq!(alu(Mulhu, a, b), ((u64::from(a) * u64::from(b)) >> 32) as u32);
        assert_eq!(alu(Sra, a, b), (sa >> (b % 32)) as u32);
        if b != 0 && !(a == 0x8000_0000 && b == u32::MAX) {
            assert_eq!(alu(Div, a, b), (sa / sb) as u32);
            assert_eq!(alu(Rem, a, b), (sa % sb) as u32);
        }
    }
}

#[test]
fn every_instruction_round_trips_through_encode_and_decode() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for _ in 0..20_000 {
        let word: u32 = rng.gen();
        if let Ok(decoded) = vm::decode(word) {
            let again = vm::decode(encode(&decoded)).unwrap();
            assert_eq!(again, decoded, "{word:#010x}");
        }
    }
}
