//! Differential test against qemu-riscv32 (Debian `qemu-user`).
//!
//! Seeded random instruction streams covering every RV32IM opcode are assembled into tiny
//! freestanding Linux ELF files. Each program sets every register to a random value, runs
//! its random body (loads and stores go to a random data window, branches and jumps go
//! forward), stores x1..x30 into a dump area and writes the window and the dump to stdout
//! with the Linux `write` syscall. The same file runs in our executor, where `t0 = 0`
//! makes that `ecall` a HALT, and the window and dump are read back from its memory.
//! The two must agree byte for byte.
//!
//! `QEMU_DIFF_PROGRAMS` sets the number of programs (default 1,000; `make test-full` runs
//! 10,000) and `QEMU_DIFF_SEED` the first seed.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod support;

use std::io::Write;
use std::process::Command;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::asm::Asm;
use support::elf_writer::{ElfFile, Segment};
use vm::{Executor, ExecutorConfig, Opcode, Program};

const CODE: u32 = 0x1_0000;
const DATA: u32 = 0x2_0000;
const WINDOW: u32 = 512;
const DUMP: u32 = WINDOW;
const DUMP_LEN: u32 = WINDOW + 30 * 4;
const BASE: u8 = 31;
const BODY_LEN: usize = 200;

const ALL_OPCODES: [Opcode; 46] = {
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
fn generate(seed: u64) -> Vec<u32> {
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

fn data_window(seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut data = vec![0u8; DUMP_LEN as usize];
    rng.fill(&mut data[..WINDOW as usize]);
    data
}

fn run_ours(code: &[u32], data: &[u8]) -> Vec<u8> {
    let elf =
        ElfFile::riscv(CODE, vec![Segment::code(CODE, code), Segment::data(DATA, data.to_vec())]);
    let program = Program::from_elf(&elf.to_bytes()).expect("generated ELF loads");
    let mut machine =
        Executor::new(&program, Vec::new(), ExecutorConfig::default()).expect("program fits");
    machine.run_fast().expect("generated program halts");
    machine.read_memory(DATA, DUMP_LEN).expect("window is in memory")
}

fn run_qemu(code: &[u32], data: &[u8], dir: &std::path::Path, seed: u64) -> Vec<u8> {
    let elf =
        ElfFile::riscv(CODE, vec![Segment::code(CODE, code), Segment::data(DATA, data.to_vec())]);
    let path = dir.join(format!("prog-{seed}.elf"));
    let mut file = std::fs::File::create(&path).expect("create ELF file");
    file.write_all(&elf.to_bytes()).expect("write ELF file");
    // qemu-user, like execve, refuses files without the execute bit (silently, exit 1).
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755)).expect("chmod ELF file");
    drop(file);
    let output = Command::new("qemu-riscv32")
        .args(["-cpu", "rv32,c=false,a=false,f=false,d=false"])
        .arg(&path)
        .output()
        .expect("qemu-riscv32 runs (install it with `make deps`)");
    std::fs::remove_file(&path).ok();
    assert!(output.status.success(), "qemu failed on seed {seed}: {output:?}");
    output.stdout
}

fn describe_difference(seed: u64, ours: &[u8], qemu: &[u8]) -> String {
    let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut lines = vec![format!("seed {seed}: executor and qemu disagree")];
    for i in (0..ours.len().min(qemu.len())).step_by(4) {
        if word(ours, i) != word(qemu, i) {
            let what = if i >= DUMP as usize {
                format!("x{}", (i - DUMP as usize) / 4 + 1)
            } else {
                format!("window+{i:#x}")
            };
            lines.push(format!(
                "  {what}: ours {:#010x}, qemu {:#010x}",
                word(ours, i),
                word(qemu, i)
            ));
        }
    }
    lines.join("\n")
}

#[test]
fn executor_agrees_with_qemu_on_random_programs() {
    let programs: u64 =
        std::env::var("QEMU_DIFF_PROGRAMS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let first_seed: u64 =
        std::env::var("QEMU_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let dir = dir.path();
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for seed in (first_seed + t..first_seed + programs).step_by(threads as usize) {
                        let code = generate(seed);
                        let data = data_window(seed);
                        let ours = run_ours(&code, &data);
                        let qemu = run_qemu(&code, &data, dir, seed);
                        if ours != qemu {
                            failures.push(describe_difference(seed, &ours, &qemu));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker thread")).collect()
    });
    println!("qemu differential: {programs} programs of {BODY_LEN} random instructions");
    assert!(
        failures.is_empty(),
        "{} of {programs} programs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn generated_programs_cover_every_opcode() {
    let mut seen = std::collections::HashSet::new();
    for seed in 1..40 {
        for word in generate(seed) {
            seen.insert(vm::decode(word).expect("generated words decode").opcode);
        }
    }
    for opcode in ALL_OPCODES {
        assert!(seen.contains(&opcode), "{opcode:?} never generated");
    }
}
