//! A tiny assembler over [`vm::encode`], and a way to run the result.

use std::collections::BTreeMap;

use vm::encode::{encode, inst};
use vm::{Executor, ExecutorConfig, Opcode, Program};

/// Base address of test code.
pub const CODE_BASE: u32 = 0x1_0000;

/// Accumulates instruction words.
#[derive(Default, Clone)]
pub struct Asm {
    pub words: Vec<u32>,
}

impl Asm {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one instruction.
    pub fn op(&mut self, opcode: Opcode, rd: u8, rs1: u8, rs2: u8, imm: i32) -> &mut Self {
        self.words.push(encode(&inst(opcode, rd, rs1, rs2, imm)));
        self
    }

    /// Loads a 32-bit constant into `rd` (lui + addi).
    pub fn li(&mut self, rd: u8, value: u32) -> &mut Self {
        let upper = value.wrapping_add(0x800) & 0xffff_f000;
        let lower = value.wrapping_sub(upper) as i32;
        self.op(Opcode::Lui, rd, 0, 0, upper as i32);
        self.op(Opcode::Addi, rd, rd, 0, lower)
    }

    /// `HALT(0)` through the zkVM syscall convention.
    pub fn halt(&mut self) -> &mut Self {
        self.li(5, abi::syscall::HALT).li(10, 0).op(Opcode::Ecall, 0, 0, 0, 0)
    }

    /// A program with this code at [`CODE_BASE`] and optional data words.
    pub fn program(&self, data: &[(u32, u32)]) -> Program {
        let mut image: BTreeMap<u32, u32> =
            self.words.iter().enumerate().map(|(i, w)| (CODE_BASE + 4 * i as u32, *w)).collect();
        image.extend(data.iter().copied());
        let end = CODE_BASE + 4 * self.words.len() as u32;
        Program { entry: CODE_BASE, image, executable: vec![(CODE_BASE, end)] }
    }

    /// Runs the code (which must halt) and returns the machine.
    pub fn run(&self, data: &[(u32, u32)]) -> Executor {
        let mut machine = Executor::new(&self.program(data), Vec::new(), ExecutorConfig::default())
            .expect("program loads");
        machine.run_fast().expect("program halts");
        machine
    }
}
