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

use support::elf_writer::{ElfFile, Segment};
use testkit::random_program::{
    data_window, generate, ALL_OPCODES, BODY_LEN, CODE, DATA, DUMP, DUMP_LEN,
};
use vm::{Executor, ExecutorConfig, Program};

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
