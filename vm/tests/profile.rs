//! Cycle profiles: every row is charged to exactly one class and one function, the
//! profile's run is the same run as fast mode's, and calls are followed into the
//! functions they enter.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use abi::io::InputBuilder;
use vm::profile::{profile_program, FunctionClass, Symbols};
use vm::{ExecutorConfig, Program};

const CLASSES: [FunctionClass<'static>; 2] = [
    FunctionClass { name: "keccak", patterns: &["keccak"] },
    // The guest's main, with the input reading inlined into it.
    FunctionClass { name: "main", patterns: &["__guest_main"] },
];

fn profile(elf: &[u8], payload: &[u8]) -> (vm::ExecutionSummary, vm::profile::Profile) {
    let mut input = InputBuilder::new();
    input.write_bytes(payload).unwrap();
    let input = input.into_bytes();
    let program = Program::from_elf(elf).unwrap();
    let symbols = Symbols::from_elf(elf).unwrap();
    let config = ExecutorConfig::default();
    let (summary, profile) =
        profile_program(&program, &input, &config, &symbols, &CLASSES).unwrap();
    assert_eq!(summary, vm::execute_program(&program, &input, &config).unwrap());
    (summary, profile)
}

#[test]
fn every_row_is_charged_once() {
    let (summary, profile) = profile(guests::KECCAK_ELF, &[7u8; 1000]);
    assert_eq!(profile.class_rows.len(), CLASSES.len() + 1);
    assert_eq!(profile.class_rows.iter().sum::<u64>(), summary.cycles);
    assert_eq!(profile.function_rows.iter().map(|(_, rows)| rows).sum::<u64>(), summary.cycles);
}

#[test]
fn hashing_is_charged_to_its_class_and_grows_with_the_input() {
    let (_, short) = profile(guests::KECCAK_ELF, &[1u8; 10]);
    let (_, long) = profile(guests::KECCAK_ELF, &[1u8; 10_000]);
    assert!(short.class_rows[0] > 0, "{short:?}");
    assert!(long.class_rows[0] > 5 * short.class_rows[0], "{short:?} {long:?}");
    // Reading 10 kB is main's work (with the memcpy it calls), not hashing.
    assert!(long.class_rows[1] > short.class_rows[1]);
    assert!(long.class_rows[2] < 100, "only _start is outside both: {long:?}");
    assert!(long.function_rows.iter().any(|(name, _)| name.contains("keccak")));
}

#[test]
fn an_elf_without_symbols_charges_everything_to_no_class() {
    let (summary, profile) = {
        let mut input = InputBuilder::new();
        input.write(&10u32).unwrap();
        let input = input.into_bytes();
        let program = Program::from_elf(guests::FIBONACCI_ELF).unwrap();
        let no_symbols = Symbols::from_elf(&strip(guests::FIBONACCI_ELF)).unwrap();
        profile_program(&program, &input, &ExecutorConfig::default(), &no_symbols, &CLASSES)
            .unwrap()
    };
    assert_eq!(profile.class_rows, vec![0, 0, summary.cycles]);
    assert_eq!(profile.function_rows, vec![("?".to_string(), summary.cycles)]);
}

/// `elf` with its section headers cut off (so no symbol table is found).
fn strip(elf: &[u8]) -> Vec<u8> {
    let mut bytes = elf.to_vec();
    // e_shoff (offset 32), e_shnum (48) and e_shstrndx (50) of an ELF32 header.
    bytes[32..36].fill(0);
    bytes[48..52].fill(0);
    bytes
}
