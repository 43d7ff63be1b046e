//! Helpers shared by the executor's integration tests: an ELF32 writer with knobs for
//! malformed files, and a small assembler for building test programs.
#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod asm;
pub mod elf_writer;
