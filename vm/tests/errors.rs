//! Bad input ends in a typed error, never a panic: crafted ELF files for every loader
//! check, and crafted programs for every execution error.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod support;

use abi::syscall::{COMMIT, READ};
use support::asm::{Asm, CODE_BASE};
use support::elf_writer::{ElfFile, Segment};
use vm::Opcode::*;
use vm::{ElfError, ErrorKind, ExecutionError, Executor, ExecutorConfig, Program, VmError};

fn halting_code() -> Vec<u32> {
    Asm::new().halt().words.clone()
}

fn valid_elf() -> ElfFile {
    ElfFile::riscv(CODE_BASE, vec![Segment::code(CODE_BASE, &halting_code())])
}

fn load(file: &ElfFile) -> Result<Program, ElfError> {
    Program::from_elf(&file.to_bytes())
}

#[test]
fn a_valid_elf_loads_and_runs() {
    let summary = vm::execute(&valid_elf().to_bytes(), &[], &ExecutorConfig::default()).unwrap();
    assert_eq!(summary.exit_code, 0);
}

#[test]
fn malformed_and_truncated_files_are_refused() {
    assert!(matches!(Program::from_elf(b"not an elf"), Err(ElfError::Malformed(_))));
    assert!(matches!(Program::from_elf(&[]), Err(ElfError::Malformed(_))));
    let bytes = valid_elf().to_bytes();
    assert!(matches!(Program::from_elf(&bytes[..30]), Err(ElfError::Malformed(_))));
    // Headers intact, segment bytes cut off.
    let cut = &bytes[..bytes.len() - 4];
    assert_eq!(
        Program::from_elf(cut),
        Err(ElfError::SegmentOutOfFile { index: 0, offset: 0x1000, size: 20 })
    );
}

#[test]
fn wrong_class_endianness_machine_or_type_are_refused() {
    let file = valid_elf();
    assert_eq!(load(&ElfFile { class: 2, ..file.clone() }), Err(ElfError::WrongClass));
    assert_eq!(load(&ElfFile { endianness: 2, ..file.clone() }), Err(ElfError::WrongEndianness));
    assert_eq!(load(&ElfFile { machine: 62, ..file.clone() }), Err(ElfError::WrongMachine(62)));
    assert_eq!(load(&ElfFile { e_type: 3, ..file }), Err(ElfError::NotExecutable(3)));
}

#[test]
fn segment_layout_is_checked() {
    let code = Segment::code(CODE_BASE, &halting_code());
    let no_segments = ElfFile::riscv(CODE_BASE, vec![]);
    assert_eq!(load(&no_segments), Err(ElfError::NoLoadableSegments));

    let overlap = Segment::data(CODE_BASE + 8, vec![1; 16]);
    let file = ElfFile::riscv(CODE_BASE, vec![code.clone(), overlap]);
    assert_eq!(load(&file), Err(ElfError::OverlappingSegments { first: 0, second: 1 }));

    let in_machine_page = Segment::data(0x100, vec![1; 4]);
    let file = ElfFile::riscv(CODE_BASE, vec![code.clone(), in_machine_page]);
    assert!(matches!(load(&file), Err(ElfError::SegmentOutOfRange { index: 1, .. })));

    let past_top =
        Segment { memsz: 0x2000, ..Segment::data(abi::memory::MEMORY_TOP - 0x1000, vec![]) };
    let file = ElfFile::riscv(CODE_BASE, vec![code.clone(), past_top]);
    assert!(matches!(load(&file), Err(ElfError::SegmentOutOfRange { index: 1, .. })));

    let wrapping = Segment { memsz: u32::MAX, ..Segment::data(0x2_0000, vec![]) };
    let file = ElfFile::riscv(CODE_BASE, vec![code.clone(), wrapping]);
    assert!(matches!(load(&file), Err(ElfError::SegmentOutOfRange { index: 1, .. })));

    let short = Segment { memsz: 2, ..Segment::data(0x2_0000, vec![1; 4]) };
    let file = ElfFile::riscv(CODE_BASE, vec![code, short]);
    assert!(matches!(load(&file), Err(ElfError::FileSizeExceedsMemSize { index: 1, .. })));
}

#[test]
fn entry_point_must_be_aligned_code() {
    let code = Segment::code(CODE_BASE, &halting_code());
    let data = Segment::data(0x2_0000, vec![0; 16]);
    let file = ElfFile::riscv(0x2_0000, vec![code.clone(), data]);
    assert_eq!(load(&file), Err(ElfError::BadEntryPoint(0x2_0000)));
    let file = ElfFile::riscv(CODE_BASE + 2, vec![code]);
    assert_eq!(load(&file), Err(ElfError::BadEntryPoint(u64::from(CODE_BASE + 2))));
}

fn fail_with(asm: &Asm, config: ExecutorConfig, input: Vec<u8>) -> ExecutionError {
    let mut machine = Executor::new(&asm.program(&[]), input, config).expect("program loads");
    machine.run_fast().expect_err("program must fail")
}

fn fail(asm: &Asm) -> ExecutionError {
    fail_with(asm, ExecutorConfig::default(), Vec::new())
}

fn pc_of(index: u32) -> u32 {
    CODE_BASE + 4 * index
}

#[test]
fn invalid_instruction_reports_word_pc_and_cycle() {
    let mut asm = Asm::new();
    asm.op(Addi, 1, 0, 0, 1);
    asm.words.push(0xffff_ffff);
    let err = fail(&asm);
    assert_eq!(
        err,
        ExecutionError { kind: ErrorKind::InvalidInstruction(0xffff_ffff), pc: pc_of(1), cycle: 1 }
    );
}

#[test]
fn misaligned_accesses_and_fetches_fail() {
    let mut asm = Asm::new();
    asm.li(1, 0x2_0002).op(Lw, 2, 1, 0, 0);
    assert_eq!(fail(&asm).kind, ErrorKind::MisalignedAccess { addr: 0x2_0002, width: 4 });
    let mut asm = Asm::new();
    asm.li(1, 0x2_0001).op(Sh, 0, 1, 1, 0);
    assert_eq!(fail(&asm).kind, ErrorKind::MisalignedAccess { addr: 0x2_0001, width: 2 });
    let mut asm = Asm::new();
    asm.li(1, CODE_BASE + 0x102).op(Jalr, 0, 1, 0, 0);
    let err = fail(&asm);
    assert_eq!((err.kind, err.pc), (ErrorKind::MisalignedFetch, CODE_BASE + 0x102));
}

#[test]
fn out_of_range_accesses_fail() {
    let mut asm = Asm::new();
    asm.op(Lw, 2, 0, 0, 0x100); // the machine page holds the registers
    assert_eq!(fail(&asm).kind, ErrorKind::OutOfRangeAccess { addr: 0x100 });
    let mut asm = Asm::new();
    asm.li(1, abi::memory::MEMORY_TOP).op(Sw, 0, 1, 1, 0);
    assert_eq!(fail(&asm).kind, ErrorKind::OutOfRangeAccess { addr: abi::memory::MEMORY_TOP });
    let mut asm = Asm::new();
    asm.op(Jalr, 0, 0, 0, 0); // jump to address 0
    assert_eq!(fail(&asm).kind, ErrorKind::OutOfRangeAccess { addr: 0 });
}

#[test]
fn unknown_syscall_and_breakpoint_fail() {
    let mut asm = Asm::new();
    asm.li(5, 0x999).op(Ecall, 0, 0, 0, 0);
    assert_eq!(fail(&asm).kind, ErrorKind::UnknownSyscall(0x999));
    let mut asm = Asm::new();
    asm.op(Ebreak, 0, 0, 0, 0);
    assert_eq!(fail(&asm).kind, ErrorKind::Breakpoint);
}

#[test]
fn cycle_limit_stops_an_endless_loop() {
    let mut asm = Asm::new();
    asm.op(Jal, 0, 0, 0, 0);
    let config = ExecutorConfig { cycle_limit: 1000, ..ExecutorConfig::default() };
    let err = fail_with(&asm, config, Vec::new());
    assert_eq!((err.kind, err.cycle), (ErrorKind::CycleLimitExceeded(1000), 1000));
}

#[test]
fn memory_limit_stops_a_growing_guest() {
    // Code uses one page; touching one page every 4 KiB soon exceeds 8 pages.
    let mut asm = Asm::new();
    asm.li(1, 0x10_0000).li(2, 4096);
    asm.op(Sw, 0, 1, 0, 0).op(Add, 1, 1, 2, 0).op(Jal, 0, 0, 0, -8);
    let config = ExecutorConfig { memory_limit_bytes: 8 * 1024, ..ExecutorConfig::default() };
    assert_eq!(fail_with(&asm, config, Vec::new()).kind, ErrorKind::MemoryLimitExceeded(8 * 1024));
}

fn syscall(number: u32, a0: u32, a1: u32) -> Asm {
    let mut asm = Asm::new();
    asm.li(5, number).li(10, a0).li(11, a1).op(Ecall, 0, 0, 0, 0).halt();
    asm
}

#[test]
fn reading_past_the_end_of_the_input_fails() {
    let err = fail_with(&syscall(READ, 0x2_0000, 8), ExecutorConfig::default(), vec![1, 2, 3, 4]);
    assert_eq!(err.kind, ErrorKind::InputExhausted { requested: 8, remaining: 4 });
    assert_eq!(err.pc, pc_of(6));
}

#[test]
fn syscall_arguments_are_checked() {
    let bad = |asm: Asm| match fail_with(&asm, ExecutorConfig::default(), vec![0; 2048]).kind {
        ErrorKind::BadSyscallArgument { reason, .. } => reason,
        other => panic!("expected a bad argument, got {other}"),
    };
    assert_eq!(bad(syscall(READ, 0x2_0001, 4)), "pointer is not word aligned");
    assert_eq!(bad(syscall(COMMIT, 0x2_0000, 3)), "length is not a multiple of 4");
    assert_eq!(bad(syscall(READ, 0x2_0000, 2048)), "length exceeds MAX_IO_CHUNK_BYTES");
    assert_eq!(
        bad(syscall(abi::syscall::KECCAK_PERMUTE, 0x2_0002, 0)),
        "pointer is not word aligned"
    );
    let err = fail(&syscall(abi::syscall::KECCAK_PERMUTE, 0x0, 0));
    assert_eq!(err.kind, ErrorKind::OutOfRangeAccess { addr: 0 });
}

#[test]
fn unusable_configuration_is_refused() {
    let config = ExecutorConfig { segment_po2: 3, ..ExecutorConfig::default() };
    let err = vm::execute(&valid_elf().to_bytes(), &[], &config).unwrap_err();
    assert!(matches!(err, VmError::Config(_)), "{err}");
}

#[test]
fn far_apart_code_segments_run_without_a_huge_code_cache() {
    // Two executable segments 256 MiB apart: the second is reached by a jump.
    let far = 0x1000_0000;
    let mut first = Asm::new();
    first.li(1, far).op(Jalr, 0, 1, 0, 0);
    let file = ElfFile::riscv(
        CODE_BASE,
        vec![Segment::code(CODE_BASE, &first.words), Segment::code(far, &halting_code())],
    );
    let summary = vm::execute(&file.to_bytes(), &[], &ExecutorConfig::default()).unwrap();
    assert_eq!(summary.exit_code, 0);
}
