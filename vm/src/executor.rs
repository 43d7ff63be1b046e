//! The RV32IM interpreter: machine state, instruction fetch through a pre-decoded code
//! cache, and the semantics of every non-system instruction.

use abi::memory::{register_addr, PAGE_SIZE};

use crate::config::ExecutorConfig;
use crate::elf::Program;
use crate::error::{ErrorKind, ExecutionError};
use crate::instruction::{decode, Instruction, InvalidInstruction, Opcode};
use crate::memory::{Memory, MemoryFault};
use crate::segment::SegmentClock;
use crate::summary::SyscallCounts;
use crate::trace::{AccessKind, SLOT_FETCH, SLOT_MEM, SLOT_RD, SLOT_RS1, SLOT_RS2};
use crate::tracer::Tracer;

type Decoded = (u32, Result<Instruction, InvalidInstruction>);

/// Instructions of the executable segment holding the entry point, decoded once. Stores
/// into this range update it; code elsewhere is fetched and decoded on every execution.
struct CodeCache {
    base: u32,
    end: u32,
    slots: Vec<Decoded>,
}

/// Largest code range the cache covers (bytes), so a crafted ELF cannot make it huge.
const MAX_CACHED_CODE: u32 = 64 << 20;

impl CodeCache {
    fn new(program: &Program) -> Self {
        let (base, end) = program
            .executable
            .iter()
            .copied()
            .find(|&(start, end)| (start..end).contains(&program.entry))
            .unwrap_or((program.entry, program.entry));
        let end = end.min(base.saturating_add(MAX_CACHED_CODE));
        let slots = (base..end)
            .step_by(4)
            .map(|addr| {
                let word = program.image.get(&addr).copied().unwrap_or(0);
                (word, decode(word))
            })
            .collect();
        Self { base, end, slots }
    }

    #[inline(always)]
    fn get(&self, pc: u32) -> Option<&Decoded> {
        self.slots.get((pc.wrapping_sub(self.base) >> 2) as usize)
    }

    #[inline(always)]
    fn update(&mut self, addr: u32, word: u32) {
        if addr >= self.base && addr < self.end {
            self.slots[((addr - self.base) >> 2) as usize] = (word, decode(word));
        }
    }
}

/// A RISC-V machine running one guest program.
pub struct Executor {
    pub(crate) regs: [u32; 32],
    pub(crate) pc: u32,
    pub(crate) memory: Memory,
    code: CodeCache,
    pub(crate) config: ExecutorConfig,
    pub(crate) input: Vec<u8>,
    pub(crate) input_pos: usize,
    pub(crate) output: Vec<u8>,
    pub(crate) logs: Vec<String>,
    /// Global row counter (cycles).
    pub(crate) row: u64,
    pub(crate) instructions: u64,
    pub(crate) syscalls: SyscallCounts,
    pub(crate) exit_code: Option<u32>,
    pub(crate) clock: SegmentClock,
}

impl Executor {
    /// A machine at the program's entry point with `input` as its input stream.
    pub fn new(
        program: &Program,
        input: Vec<u8>,
        config: ExecutorConfig,
    ) -> Result<Self, ExecutionError> {
        let mut memory = Memory::new(config.memory_limit_bytes / u64::from(PAGE_SIZE));
        for (&addr, &word) in &program.image {
            memory.check(addr).map_err(|fault| ExecutionError {
                kind: fault_kind(fault, addr, &config),
                pc: program.entry,
                cycle: 0,
            })?;
            memory.set_word(addr, word);
        }
        Ok(Self {
            regs: [0; 32],
            pc: program.entry,
            memory,
            code: CodeCache::new(program),
            clock: SegmentClock::new(config.segment_rows()),
            config,
            input,
            input_pos: 0,
            output: Vec::new(),
            logs: Vec::new(),
            row: 0,
            instructions: 0,
            syscalls: SyscallCounts::default(),
            exit_code: None,
        })
    }

    /// The registers x0..x31.
    pub fn registers(&self) -> &[u32; 32] {
        &self.regs
    }

    /// The program counter.
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// Reads `len` bytes of guest memory at `addr`, or `None` if any lies outside it.
    pub fn read_memory(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        let end = addr.checked_add(len)?;
        if addr < abi::memory::GUEST_MIN_ADDR || end > abi::memory::MEMORY_TOP {
            return None;
        }
        Some((addr..end).map(|a| (self.memory.word(a & !3) >> (8 * (a & 3))) as u8).collect())
    }

    pub(crate) fn error(&self, kind: ErrorKind) -> ExecutionError {
        ExecutionError { kind, pc: self.pc, cycle: self.row }
    }

    pub(crate) fn memory_error(&self, fault: MemoryFault, addr: u32) -> ExecutionError {
        self.error(fault_kind(fault, addr, &self.config))
    }

    /// Runs until the guest halts, reporting every event to `tracer`.
    pub(crate) fn run<T: Tracer>(&mut self, tracer: &mut T) -> Result<(), ExecutionError> {
        self.run_until(tracer, u64::MAX).map(|_| ())
    }

    /// Runs until the guest halts (`Ok(true)`) or the row counter reaches `pause_at`
    /// (`Ok(false)`; calling again resumes exactly where it stopped).
    pub(crate) fn run_until<T: Tracer>(
        &mut self,
        tracer: &mut T,
        pause_at: u64,
    ) -> Result<bool, ExecutionError> {
        let limit = self.config.cycle_limit;
        let stop = pause_at.min(limit);
        while self.exit_code.is_none() {
            if self.row >= stop {
                if self.row >= limit {
                    return Err(self.error(ErrorKind::CycleLimitExceeded(limit)));
                }
                return Ok(false);
            }
            let (word, inst) = self.fetch()?;
            // Fast mode only needs the segment clock at syscalls: between them every row is
            // one instruction, and the clock catches up arithmetically.
            if T::ENABLED || inst.opcode == Opcode::Ecall {
                let rows = self.rows_of(&inst);
                if rows > self.clock.capacity() {
                    return Err(self.error(ErrorKind::BadSyscallArgument {
                        syscall: self.regs[abi::syscall::REG_SYSCALL],
                        reason: "transfer needs more rows than a segment has",
                    }));
                }
                if self.clock.place(self.row, rows, tracer.slots_full()) && T::ENABLED {
                    tracer.begin_segment(self);
                }
            }
            if T::ENABLED {
                tracer.instruction(self.row, self.pc, word);
                tracer.access(
                    &self.memory,
                    self.row,
                    SLOT_FETCH,
                    self.pc,
                    AccessKind::Read,
                    word,
                    word,
                );
            }
            self.step(inst, tracer)?;
        }
        Ok(true)
    }

    #[inline(always)]
    fn fetch(&mut self) -> Result<(u32, Instruction), ExecutionError> {
        let (word, decoded) = match self.code.get(self.pc) {
            Some(&entry) if self.pc & 3 == 0 => entry,
            _ => self.fetch_uncached()?,
        };
        match decoded {
            Ok(inst) => Ok((word, inst)),
            Err(InvalidInstruction(w)) => Err(self.error(ErrorKind::InvalidInstruction(w))),
        }
    }

    #[cold]
    fn fetch_uncached(&mut self) -> Result<Decoded, ExecutionError> {
        if self.pc & 3 != 0 {
            return Err(self.error(ErrorKind::MisalignedFetch));
        }
        self.memory.check(self.pc).map_err(|f| self.memory_error(f, self.pc))?;
        let word = self.memory.word(self.pc);
        Ok((word, decode(word)))
    }

    /// Rows taken by an instruction: 1, or 1 plus the data rows of a syscall.
    fn rows_of(&self, inst: &Instruction) -> u64 {
        if inst.opcode == Opcode::Ecall {
            1 + crate::syscall::data_rows(
                self.regs[abi::syscall::REG_SYSCALL],
                self.regs[abi::syscall::REG_A1],
            )
        } else {
            1
        }
    }

    #[inline(always)]
    pub(crate) fn read_reg<T: Tracer>(&self, tracer: &mut T, slot: u64, reg: u8) -> u32 {
        let value = self.regs[(reg & 31) as usize];
        if T::ENABLED {
            let addr = register_addr(reg as usize);
            tracer.access(&self.memory, self.row, slot, addr, AccessKind::Read, value, value);
        }
        value
    }

    #[inline(always)]
    pub(crate) fn write_reg<T: Tracer>(&mut self, tracer: &mut T, reg: u8, value: u32) {
        let reg = (reg & 31) as usize;
        let value = if reg == 0 { 0 } else { value };
        if T::ENABLED {
            let prev = self.regs[reg];
            let addr = register_addr(reg);
            tracer.access(&self.memory, self.row, SLOT_RD, addr, AccessKind::Write, prev, value);
        }
        self.regs[reg] = value;
    }

    /// Checks and returns the aligned word address of a `width`-byte access at `addr`.
    #[inline(always)]
    fn data_addr(&mut self, addr: u32, width: u32) -> Result<u32, ExecutionError> {
        if addr & (width - 1) != 0 {
            return Err(self.error(ErrorKind::MisalignedAccess { addr, width }));
        }
        let aligned = addr & !3;
        self.memory.check(aligned).map_err(|f| self.memory_error(f, addr))?;
        Ok(aligned)
    }

    /// Reads the aligned word holding a `width`-byte access at `addr`, logging the read
    /// at `row` and `slot`.
    #[inline(always)]
    fn read_data<T: Tracer>(
        &mut self,
        tracer: &mut T,
        row: u64,
        slot: u64,
        addr: u32,
        width: u32,
    ) -> Result<u32, ExecutionError> {
        let aligned = self.data_addr(addr, width)?;
        let word = self.memory.word(aligned);
        if T::ENABLED {
            tracer.access(&self.memory, row, slot, aligned, AccessKind::Read, word, word);
        }
        Ok(word)
    }

    #[inline(always)]
    pub(crate) fn load_word<T: Tracer>(
        &mut self,
        tracer: &mut T,
        row: u64,
        slot: u64,
        addr: u32,
    ) -> Result<u32, ExecutionError> {
        self.read_data(tracer, row, slot, addr, 4)
    }

    #[inline(always)]
    pub(crate) fn store_word<T: Tracer>(
        &mut self,
        tracer: &mut T,
        row: u64,
        slot: u64,
        addr: u32,
        value: u32,
    ) -> Result<(), ExecutionError> {
        let aligned = self.data_addr(addr, 4)?;
        self.write_checked(tracer, row, slot, aligned, value);
        Ok(())
    }

    #[inline(always)]
    fn write_checked<T: Tracer>(
        &mut self,
        tracer: &mut T,
        row: u64,
        slot: u64,
        aligned: u32,
        value: u32,
    ) {
        if T::ENABLED {
            let prev = self.memory.word(aligned);
            tracer.access(&self.memory, row, slot, aligned, AccessKind::Write, prev, value);
        }
        self.memory.set_word(aligned, value);
        self.code.update(aligned, value);
    }

    #[inline(always)]
    fn load<T: Tracer>(
        &mut self,
        tracer: &mut T,
        addr: u32,
        width: u32,
    ) -> Result<u32, ExecutionError> {
        Ok(self.read_data(tracer, self.row, SLOT_MEM, addr, width)? >> (8 * (addr & 3)))
    }

    #[inline(always)]
    fn store<T: Tracer>(
        &mut self,
        tracer: &mut T,
        addr: u32,
        width: u32,
        value: u32,
    ) -> Result<(), ExecutionError> {
        let aligned = self.data_addr(addr, width)?;
        let new = if width == 4 {
            value
        } else {
            let shift = 8 * (addr & 3);
            let mask = ((1u32 << (8 * width)) - 1) << shift;
            (self.memory.word(aligned) & !mask) | ((value << shift) & mask)
        };
        self.write_checked(tracer, self.row, SLOT_MEM, aligned, new);
        Ok(())
    }

    /// Executes one instruction and advances the pc and the row counter.
    #[inline(always)]
    fn step<T: Tracer>(&mut self, inst: Instruction, tracer: &mut T) -> Result<(), ExecutionError> {
        use Opcode::*;
        let pc = self.pc;
        let imm = inst.imm as u32;
        let mut next_pc = pc.wrapping_add(4);
        let mut rows = 1u64;
        match inst.opcode {
            Lui => self.write_reg(tracer, inst.rd, imm),
            Auipc => self.write_reg(tracer, inst.rd, pc.wrapping_add(imm)),
            Jal => {
                self.write_reg(tracer, inst.rd, next_pc);
                next_pc = pc.wrapping_add(imm);
            }
            Jalr => {
                let base = self.read_reg(tracer, SLOT_RS1, inst.rs1);
                self.write_reg(tracer, inst.rd, next_pc);
                next_pc = base.wrapping_add(imm) & !1;
            }
            Beq | Bne | Blt | Bge | Bltu | Bgeu => {
                let a = self.read_reg(tracer, SLOT_RS1, inst.rs1);
                let b = self.read_reg(tracer, SLOT_RS2, inst.rs2);
                if branch_taken(inst.opcode, a, b) {
                    next_pc = pc.wrapping_add(imm);
                }
            }
            Lb | Lh | Lw | Lbu | Lhu => {
                let addr = self.read_reg(tracer, SLOT_RS1, inst.rs1).wrapping_add(imm);
                let value = match inst.opcode {
                    Lb => self.load(tracer, addr, 1)? as i8 as u32,
                    Lh => self.load(tracer, addr, 2)? as i16 as u32,
                    Lbu => self.load(tracer, addr, 1)? & 0xff,
                    Lhu => self.load(tracer, addr, 2)? & 0xffff,
                    _ => self.load(tracer, addr, 4)?,
                };
                self.write_reg(tracer, inst.rd, value);
            }
            Sb | Sh | Sw => {
                let addr = self.read_reg(tracer, SLOT_RS1, inst.rs1).wrapping_add(imm);
                let value = self.read_reg(tracer, SLOT_RS2, inst.rs2);
                let width = match inst.opcode {
                    Sb => 1,
                    Sh => 2,
                    _ => 4,
                };
                self.store(tracer, addr, width, value)?;
            }
            Addi | Slti | Sltiu | Xori | Ori | Andi | Slli | Srli | Srai => {
                let a = self.read_reg(tracer, SLOT_RS1, inst.rs1);
                self.write_reg(tracer, inst.rd, alu(inst.opcode, a, imm));
            }
            Add | Sub | Sll | Slt | Sltu | Xor | Srl | Sra | Or | And | Mul | Mulh | Mulhsu
            | Mulhu | Div | Divu | Rem | Remu => {
                let a = self.read_reg(tracer, SLOT_RS1, inst.rs1);
                let b = self.read_reg(tracer, SLOT_RS2, inst.rs2);
                self.write_reg(tracer, inst.rd, alu(inst.opcode, a, b));
            }
            Fence => {}
            Ecall => {
                let (syscall_next_pc, syscall_rows) = self.ecall(tracer)?;
                next_pc = syscall_next_pc;
                rows = syscall_rows;
            }
            Ebreak => return Err(self.error(ErrorKind::Breakpoint)),
        }
        if T::ENABLED {
            tracer.finish_instruction(next_pc, rows as u32);
        }
        self.pc = next_pc;
        self.row += rows;
        self.instructions += 1;
        Ok(())
    }
}

fn fault_kind(fault: MemoryFault, addr: u32, config: &ExecutorConfig) -> ErrorKind {
    match fault {
        MemoryFault::OutOfRange => ErrorKind::OutOfRangeAccess { addr },
        MemoryFault::LimitExceeded => ErrorKind::MemoryLimitExceeded(config.memory_limit_bytes),
    }
}

/// Whether a conditional branch is taken.
pub fn branch_taken(opcode: Opcode, a: u32, b: u32) -> bool {
    match opcode {
        Opcode::Beq => a == b,
        Opcode::Bne => a != b,
        Opcode::Blt => (a as i32) < (b as i32),
        Opcode::Bge => (a as i32) >= (b as i32),
        Opcode::Bltu => a < b,
        Opcode::Bgeu => a >= b,
        _ => false,
    }
}

/// The result of an ALU operation (register-register, or register-immediate with the
/// immediate as `b`). Division follows the RISC-V spec: x/0 = all ones, x%0 = x,
/// `i32::MIN / -1 = i32::MIN`, `i32::MIN % -1 = 0`.
#[inline(always)]
pub fn alu(opcode: Opcode, a: u32, b: u32) -> u32 {
    use Opcode::*;
    match opcode {
        Add | Addi => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Sll | Slli => a << (b & 31),
        Slt | Slti => u32::from((a as i32) < (b as i32)),
        Sltu | Sltiu => u32::from(a < b),
        Xor | Xori => a ^ b,
        Srl | Srli => a >> (b & 31),
        Sra | Srai => ((a as i32) >> (b & 31)) as u32,
        Or | Ori => a | b,
        And | Andi => a & b,
        Mul => a.wrapping_mul(b),
        Mulh => ((i64::from(a as i32) * i64::from(b as i32)) >> 32) as u32,
        Mulhsu => ((i64::from(a as i32) * i64::from(b)) >> 32) as u32,
        Mulhu => ((u64::from(a) * u64::from(b)) >> 32) as u32,
        Div => match b {
            0 => u32::MAX,
            _ => (a as i32).wrapping_div(b as i32) as u32,
        },
        Divu => a.checked_div(b).unwrap_or(u32::MAX),
        Rem => match b {
            0 => a,
            _ => (a as i32).wrapping_rem(b as i32) as u32,
        },
        Remu => a.checked_rem(b).unwrap_or(a),
        _ => 0,
    }
}
