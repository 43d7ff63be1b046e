//! Seeded random RV32IM programs covering every opcode.
//!
//! Each program sets every register to a random (often edge-case) value, runs a random
//! body of [`BODY_LEN`] instructions (loads and stores go to a random data window whose
//! address is in x31, branches and jumps go forward), stores x1..x30 into a dump area and
//! ends with the Linux `write(1, window, len)` and `exit(0)` syscalls. Under qemu-user that
//! prints the window; in the zkVM, `t0 = 0` makes the first `ecall` a HALT.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vm::encode::Asm;
use vm::{Opcode, Program};

/// Where the code starts.
pub const CODE: u32 = vm::encode::CODE_BASE;
/// Where the data window starts (its address is kept in x31).
pub const DATA: u32 = 0x2_0000;
/// Bytes of the data window loads and stores go to.
pub const WINDOW: u32 = 512;
/// Offset in the data area of the register dump.
pub const DUMP: u32 = WINDOW;
/// Bytes of data window plus register dump.
pub const DUMP_LEN: u32 = WINDOW + 30 * 4;
/// The register holding the data window's address.
pub const BASE: u8 = 31;
/// Random instructions per program.
pub const BODY_LEN: usize = 200;

/// Every RV32IM opcode a body may use (ECALL and EBREAK end programs instead).
pub const ALL_OPCODES: [Opcode; 46] = {
    use Opcode::*;
    [
        Lui, Auipc, Jal, Jalr, Beq, Bne, Blt, Bge, Bltu, Bgeu, Lb, Lh, Lw, Lbu, Lhu, Sb, Sh, Sw,
        Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai, Add, Sub, Sll, Slt, Sltu, Xor, Srl,
        Sra, Or, And, Fence, Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
    ]
};

fn interesting_value(rng: &mut ChaCha8Rng) -> u32 {
    const EDGES: [u32; 10] =
        [0, 1, 2, u32::MAX, 0x8000_0000, 0x7fff_ffff, 0x80, 0xff, 0x8000, 0xffff];
    if rng.gen_bool(0.3) {
        EDGES[rng.gen_range(0..EDGES.len())]
    } else {
        rng.gen()
    }
}

fn dest(rng: &mut ChaCha8Rng) -> u8 {
    rng.gen_range(0..BASE) // x0..x30: writes to x0 are included, the base is never written
}

fn src(rng: &mut ChaCha8Rng) -> u8 {
    rng.gen_range(0..32)
}

/// One body instruction; `target` is the index of a forward jump's destination.
struct BodyOp {
    opcode: Opcode,
    rd: u8,
    rs1: u8,
    rs2: u8,
    imm: i32,
    target: Option<usize>,
}

fn op(opcode: Opcode, rd: u8, rs1: u8, rs2: u8, imm: i32) -> BodyOp {
    BodyOp { opcode, rd, rs1, rs2, imm, target: None }
}

/// Generates one program; returns its code words.
pub fn generate(seed: u64) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut asm = Asm::new();
    for reg in 1..BASE {
        asm.li(reg, interesting_value(&mut rng));
    }
    asm.li(BASE, DATA);
    let mut body: Vec<BodyOp> = Vec::with_capacity(BODY_LEN);
    // Indices of the `jalr` of each `auipc; jalr` pair: a jump must not land between them.
    let mut pair_seconds = std::collections::HashSet::new();
    while body.len() < BODY_LEN {
        let here = body.len();
        let left = BODY_LEN - here;
        let opcode = ALL_OPCODES[rng.gen_range(0..ALL_OPCODES.len())];
        let mut forward = |min: usize| here + rng.gen_range(min..=left.min(16).max(min));
        use Opcode::*;
        match opcode {
            Lui | Auipc => {
                body.push(op(
                    opcode,
                    dest(&mut rng),
                    0,
                    0,
                    (rng.gen::<u32>() & 0xffff_f000) as i32,
                ));
            }
            Jal | Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let target = forward(1);
                let (rd, rs1, rs2) = if opcode == Jal {
                    (dest(&mut rng), 0, 0)
                } else {
                    (0, src(&mut rng), src(&mut rng))
                };
                body.push(BodyOp { target: Some(target), ..op(opcode, rd, rs1, rs2, 0) });
            }
            Jalr if left >= 2 => {
                let target = forward(2);
                let link = rng.gen_range(1..BASE);
                // Bit 0 of the target is cleared by jalr: sometimes set it.
                let odd = i32::from(rng.gen_bool(0.2));
                body.push(op(Auipc, link, 0, 0, 0));
                body.push(BodyOp {
                    target: Some(target),
                    ..op(Jalr, dest(&mut rng), link, 0, odd)
                });
                pair_seconds.insert(here + 1);
            }
            Jalr => body.push(op(Addi, dest(&mut rng), src(&mut rng), 0, 1)),
            Lb | Lbu | Sb | Lh | Lhu | Sh | Lw | Sw => {
                let width = match opcode {
                    Lb | Lbu | Sb => 1,
                    Lh | Lhu | Sh => 2,
                    _ => 4,
                };
                let off = (rng.gen_range(0..WINDOW / width) * width) as i32;
                if matches!(opcode, Sb | Sh | Sw) {
                    body.push(op(opcode, 0, BASE, src(&mut rng), off));
                } else {
                    body.push(op(opcode, dest(&mut rng), BASE, 0, off));
                }
            }
            Slli | Srli | Srai => {
                body.push(op(opcode, dest(&mut rng), src(&mut rng), 0, rng.gen_range(0..32)));
            }
            Addi | Slti | Sltiu | Xori | Ori | Andi => {
                let imm = rng.gen_range(-2048..2048);
                body.push(op(opcode, dest(&mut rng), src(&mut rng), 0, imm));
            }
            Fence => body.push(op(Fence, 0, 0, 0, 0)),
            _ => body.push(op(opcode, dest(&mut rng), src(&mut rng), src(&mut rng), 0)),
        }
    }
    for (i, inst) in body.iter().enumerate() {
        let mut imm = inst.imm;
        if let Some(mut target) = inst.target {
            if pair_seconds.contains(&target) {
                target += 1;
            }
            // jalr jumps relative to the auipc one instruction earlier.
            let from = if inst.opcode == Opcode::Jalr { i - 1 } else { i };
            imm += 4 * (target - from) as i32;
        }
        asm.op(inst.opcode, inst.rd, inst.rs1, inst.rs2, imm);
    }
    for reg in 1..BASE {
        asm.op(Opcode::Sw, 0, BASE, reg, (DUMP + 4 * (u32::from(reg) - 1)) as i32);
    }
    asm.li(17, 64).li(10, 1).op(Opcode::Addi, 11, BASE, 0, 0).li(12, DUMP_LEN).li(5, 0);
    asm.op(Opcode::Ecall, 0, 0, 0, 0);
    asm.li(17, 93).li(10, 0).op(Opcode::Ecall, 0, 0, 0, 0);
    asm.words
}

/// The initial data window of program `seed` (random bytes, then a zeroed dump area).
pub fn data_window(seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut data = vec![0u8; DUMP_LEN as usize];
    rng.fill(&mut data[..WINDOW as usize]);
    data
}

/// Program `seed` with its data window, ready for the executor.
pub fn program(seed: u64) -> Program {
    let data: Vec<(u32, u32)> = data_window(seed)
        .chunks_exact(4)
        .enumerate()
        .map(|(i, c)| (DATA + 4 * i as u32, u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    Asm { words: generate(seed) }.program(&data)
}
