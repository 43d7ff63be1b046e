//! Encoding instructions back into words: the inverse of [`crate::decode`]. Used to
//! assemble test programs (unit tests, the qemu differential test, circuit tests).

use crate::instruction::{Instruction, Opcode};

fn r_type(opcode: u32, funct3: u32, funct7: u32, i: &Instruction) -> u32 {
    (funct7 << 25)
        | (u32::from(i.rs2) << 20)
        | (u32::from(i.rs1) << 15)
        | (funct3 << 12)
        | (u32::from(i.rd) << 7)
        | opcode
}

fn i_type(opcode: u32, funct3: u32, i: &Instruction) -> u32 {
    ((i.imm as u32 & 0xfff) << 20)
        | (u32::from(i.rs1) << 15)
        | (funct3 << 12)
        | (u32::from(i.rd) << 7)
        | opcode
}

fn s_type(funct3: u32, i: &Instruction) -> u32 {
    let imm = i.imm as u32;
    (((imm >> 5) & 0x7f) << 25)
        | (u32::from(i.rs2) << 20)
        | (u32::from(i.rs1) << 15)
        | (funct3 << 12)
        | ((imm & 0x1f) << 7)
        | 0b010_0011
}

fn b_type(funct3: u32, i: &Instruction) -> u32 {
    let imm = i.imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3f) << 25)
        | (u32::from(i.rs2) << 20)
        | (u32::from(i.rs1) << 15)
        | (funct3 << 12)
        | (((imm >> 1) & 0xf) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0b110_0011
}

fn j_type(i: &Instruction) -> u32 {
    let imm = i.imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | (u32::from(i.rd) << 7)
        | 0b110_1111
}

/// Encodes an instruction. Immediates are truncated to the field width of the format;
/// branch and jump offsets must be even.
pub fn encode(i: &Instruction) -> u32 {
    use Opcode::*;
    let shift = |funct3: u32, funct7: u32| {
        (funct7 << 25)
            | ((i.imm as u32 & 31) << 20)
            | (u32::from(i.rs1) << 15)
            | (funct3 << 12)
            | (u32::from(i.rd) << 7)
            | 0b001_0011
    };
    match i.opcode {
        Lui => (i.imm as u32 & 0xffff_f000) | (u32::from(i.rd) << 7) | 0b011_0111,
        Auipc => (i.imm as u32 & 0xffff_f000) | (u32::from(i.rd) << 7) | 0b001_0111,
        Jal => j_type(i),
        Jalr => i_type(0b110_0111, 0, i),
        Beq => b_type(0b000, i),
        Bne => b_type(0b001, i),
        Blt => b_type(0b100, i),
        Bge => b_type(0b101, i),
        Bltu => b_type(0b110, i),
        Bgeu => b_type(0b111, i),
        Lb => i_type(0b000_0011, 0b000, i),
        Lh => i_type(0b000_0011, 0b001, i),
        Lw => i_type(0b000_0011, 0b010, i),
        Lbu => i_type(0b000_0011, 0b100, i),
        Lhu => i_type(0b000_0011, 0b101, i),
        Sb => s_type(0b000, i),
        Sh => s_type(0b001, i),
        Sw => s_type(0b010, i),
        Addi => i_type(0b001_0011, 0b000, i),
        Slti => i_type(0b001_0011, 0b010, i),
        Sltiu => i_type(0b001_0011, 0b011, i),
        Xori => i_type(0b001_0011, 0b100, i),
        Ori => i_type(0b001_0011, 0b110, i),
        Andi => i_type(0b001_0011, 0b111, i),
        Slli => shift(0b001, 0),
        Srli => shift(0b101, 0),
        Srai => shift(0b101, 0b010_0000),
        Add => r_type(0b011_0011, 0b000, 0, i),
        Sub => r_type(0b011_0011, 0b000, 0b010_0000, i),
        Sll => r_type(0b011_0011, 0b001, 0, i),
        Slt => r_type(0b011_0011, 0b010, 0, i),
        Sltu => r_type(0b011_0011, 0b011, 0, i),
        Xor => r_type(0b011_0011, 0b100, 0, i),
        Srl => r_type(0b011_0011, 0b101, 0, i),
        Sra => r_type(0b011_0011, 0b101, 0b010_0000, i),
        Or => r_type(0b011_0011, 0b110, 0, i),
        And => r_type(0b011_0011, 0b111, 0, i),
        Mul => r_type(0b011_0011, 0b000, 1, i),
        Mulh => r_type(0b011_0011, 0b001, 1, i),
        Mulhsu => r_type(0b011_0011, 0b010, 1, i),
        Mulhu => r_type(0b011_0011, 0b011, 1, i),
        Div => r_type(0b011_0011, 0b100, 1, i),
        Divu => r_type(0b011_0011, 0b101, 1, i),
        Rem => r_type(0b011_0011, 0b110, 1, i),
        Remu => r_type(0b011_0011, 0b111, 1, i),
        Fence => 0x0ff0_000f,
        Ecall => 0x0000_0073,
        Ebreak => 0x0010_0073,
    }
}

/// Shorthand for [`Instruction`] construction in assemblers.
pub fn inst(opcode: Opcode, rd: u8, rs1: u8, rs2: u8, imm: i32) -> Instruction {
    Instruction { opcode, rd, rs1, rs2, imm }
}

/// Base address of [`Asm`] programs.
pub const CODE_BASE: u32 = 0x1_0000;

/// A tiny assembler: accumulates instruction words and makes a [`crate::Program`].
#[derive(Debug, Default, Clone)]
pub struct Asm {
    /// The instruction words so far.
    pub words: Vec<u32>,
}

impl Asm {
    /// An empty program.
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

    /// A program with this code at [`CODE_BASE`] and the given `(address, word)` data.
    pub fn program(&self, data: &[(u32, u32)]) -> crate::Program {
        let mut image: std::collections::BTreeMap<u32, u32> =
            self.words.iter().enumerate().map(|(i, w)| (CODE_BASE + 4 * i as u32, *w)).collect();
        image.extend(data.iter().copied());
        let end = CODE_BASE + 4 * self.words.len() as u32;
        crate::Program { entry: CODE_BASE, image, executable: vec![(CODE_BASE, end)] }
    }
}
