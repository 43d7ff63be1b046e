//! RV32IM instruction decoding.
//!
//! [`decode`] turns a 32-bit instruction word into an [`Instruction`]: an opcode and its
//! register and immediate operands, with the immediate already sign-extended as the
//! format prescribes. Any word that is not an RV32IM instruction is rejected.

/// Every RV32IM operation the executor knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // The variants are the ISA's mnemonics.
pub enum Opcode {
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Lbu,
    Lhu,
    Sb,
    Sh,
    Sw,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Fence,
    Ecall,
    Ebreak,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

/// A decoded instruction. Fields a format does not have are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instruction {
    /// The operation.
    pub opcode: Opcode,
    /// Destination register index.
    pub rd: u8,
    /// First source register index.
    pub rs1: u8,
    /// Second source register index.
    pub rs2: u8,
    /// Sign-extended immediate (for shifts by immediate: the shift amount).
    pub imm: i32,
}

/// The word could not be decoded as an RV32IM instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid instruction word {0:#010x}")]
pub struct InvalidInstruction(pub u32);

const fn bits(word: u32, hi: u32, lo: u32) -> u32 {
    (word >> lo) & ((1 << (hi - lo + 1)) - 1)
}

fn imm_i(word: u32) -> i32 {
    (word as i32) >> 20
}

fn imm_s(word: u32) -> i32 {
    (((word & 0xfe00_0000) as i32) >> 20) | bits(word, 11, 7) as i32
}

fn imm_b(word: u32) -> i32 {
    (((word & 0x8000_0000) as i32) >> 19)
        | ((bits(word, 7, 7) << 11) | (bits(word, 30, 25) << 5) | (bits(word, 11, 8) << 1)) as i32
}

fn imm_u(word: u32) -> i32 {
    (word & 0xffff_f000) as i32
}

fn imm_j(word: u32) -> i32 {
    (((word & 0x8000_0000) as i32) >> 11)
        | ((bits(word, 19, 12) << 12) | (bits(word, 20, 20) << 11) | (bits(word, 30, 21) << 1))
            as i32
}

/// Decodes one instruction word.
pub fn decode(word: u32) -> Result<Instruction, InvalidInstruction> {
    use Opcode::*;
    let invalid = InvalidInstruction(word);
    let rd = bits(word, 11, 7) as u8;
    let rs1 = bits(word, 19, 15) as u8;
    let rs2 = bits(word, 24, 20) as u8;
    let funct3 = bits(word, 14, 12);
    let funct7 = bits(word, 31, 25);
    let inst = |opcode, rd, rs1, rs2, imm| Ok(Instruction { opcode, rd, rs1, rs2, imm });
    match bits(word, 6, 0) {
        0b011_0111 => inst(Lui, rd, 0, 0, imm_u(word)),
        0b001_0111 => inst(Auipc, rd, 0, 0, imm_u(word)),
        0b110_1111 => inst(Jal, rd, 0, 0, imm_j(word)),
        0b110_0111 if funct3 == 0 => inst(Jalr, rd, rs1, 0, imm_i(word)),
        0b110_0011 => {
            let op = match funct3 {
                0b000 => Beq,
                0b001 => Bne,
                0b100 => Blt,
                0b101 => Bge,
                0b110 => Bltu,
                0b111 => Bgeu,
                _ => return Err(invalid),
            };
            inst(op, 0, rs1, rs2, imm_b(word))
        }
        0b000_0011 => {
            let op = match funct3 {
                0b000 => Lb,
                0b001 => Lh,
                0b010 => Lw,
                0b100 => Lbu,
                0b101 => Lhu,
                _ => return Err(invalid),
            };
            inst(op, rd, rs1, 0, imm_i(word))
        }
        0b010_0011 => {
            let op = match funct3 {
                0b000 => Sb,
                0b001 => Sh,
                0b010 => Sw,
                _ => return Err(invalid),
            };
            inst(op, 0, rs1, rs2, imm_s(word))
        }
        0b001_0011 => {
            let shamt = i32::from(rs2);
            match (funct3, funct7) {
                (0b000, _) => inst(Addi, rd, rs1, 0, imm_i(word)),
                (0b010, _) => inst(Slti, rd, rs1, 0, imm_i(word)),
                (0b011, _) => inst(Sltiu, rd, rs1, 0, imm_i(word)),
                (0b100, _) => inst(Xori, rd, rs1, 0, imm_i(word)),
                (0b110, _) => inst(Ori, rd, rs1, 0, imm_i(word)),
                (0b111, _) => inst(Andi, rd, rs1, 0, imm_i(word)),
                (0b001, 0b000_0000) => inst(Slli, rd, rs1, 0, shamt),
                (0b101, 0b000_0000) => inst(Srli, rd, rs1, 0, shamt),
                (0b101, 0b010_0000) => inst(Srai, rd, rs1, 0, shamt),
                _ => Err(invalid),
            }
        }
        0b011_0011 => {
            let op = match (funct7, funct3) {
                (0b000_0000, 0b000) => Add,
                (0b010_0000, 0b000) => Sub,
                (0b000_0000, 0b001) => Sll,
                (0b000_0000, 0b010) => Slt,
                (0b000_0000, 0b011) => Sltu,
                (0b000_0000, 0b100) => Xor,
                (0b000_0000, 0b101) => Srl,
                (0b010_0000, 0b101) => Sra,
                (0b000_0000, 0b110) => Or,
                (0b000_0000, 0b111) => And,
                (0b000_0001, 0b000) => Mul,
                (0b000_0001, 0b001) => Mulh,
                (0b000_0001, 0b010) => Mulhsu,
                (0b000_0001, 0b011) => Mulhu,
                (0b000_0001, 0b100) => Div,
                (0b000_0001, 0b101) => Divu,
                (0b000_0001, 0b110) => Rem,
                (0b000_0001, 0b111) => Remu,
                _ => return Err(invalid),
            };
            inst(op, rd, rs1, rs2, 0)
        }
        // FENCE (and FENCE.TSO / PAUSE, which are FENCE encodings) is a no-op on one hart.
        0b000_1111 if funct3 == 0 => inst(Fence, 0, 0, 0, 0),
        0b111_0011 => match word {
            0x0000_0073 => inst(Ecall, 0, 0, 0, 0),
            0x0010_0073 => inst(Ebreak, 0, 0, 0, 0),
            _ => Err(invalid),
        },
        _ => Err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_are_sign_extended() {
        // addi x1, x2, -1
        assert_eq!(
            decode(0xfff1_0093).unwrap(),
            Instruction { opcode: Opcode::Addi, rd: 1, rs1: 2, rs2: 0, imm: -1 }
        );
        // beq x0, x0, -4096 (most negative branch offset)
        assert_eq!(decode(0x8000_0063).unwrap().imm, -4096);
        // jal x0, -1048576 (most negative jump offset)
        assert_eq!(decode(0x8000_006f).unwrap().imm, -1_048_576);
        // sw x2, -2048(x1)
        let sw = decode(0x8020_a023).unwrap();
        assert_eq!((sw.opcode, sw.rs1, sw.rs2, sw.imm), (Opcode::Sw, 1, 2, -2048));
    }

    #[test]
    fn reserved_encodings_are_rejected() {
        for word in [0, 0xffff_ffff, 0x0000_2073 /* csrrs */, 0x4000_1013 /* bad slli */] {
            assert_eq!(decode(word), Err(InvalidInstruction(word)));
        }
    }
}
