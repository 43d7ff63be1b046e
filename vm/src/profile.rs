//! Cycle profiles of guest runs, from the ELF's symbol table.
//!
//! Every row is charged twice: to the function whose code executes it (self rows), and
//! to a *class*: the innermost function on the call stack that belongs to one of the
//! caller's classes (say "keccak" or "EVM"). Inlined code counts for the function it
//! was inlined into. The call stack follows the RISC-V calling convention: `jal`/`jalr`
//! that link into `ra` call, `jalr x0, 0(ra)` returns, and a jump without a link to the
//! start of another function is a tail call.

use elf::{abi as elf_abi, endian::AnyEndian, ElfBytes};

use crate::executor::Executor;
use crate::memory::Memory;
use crate::trace::{AccessKind, PrecompileCall};
use crate::tracer::Tracer;
use crate::{ElfError, ExecutionSummary, ExecutorConfig, Program, VmError};

const OPCODE_JAL: u32 = 0x6f;
const OPCODE_JALR: u32 = 0x67;
const REG_RA: u32 = 1;

/// The function symbols of an ELF file.
#[derive(Debug, Clone)]
pub struct Symbols {
    /// Non-overlapping functions sorted by start address.
    functions: Vec<Function>,
}

#[derive(Debug, Clone)]
struct Function {
    start: u32,
    end: u32,
    name: String,
}

impl Symbols {
    /// Reads the `STT_FUNC` symbols of `elf` (demangled). An ELF without a symbol table
    /// gives an empty set, and every row is then charged to no function.
    pub fn from_elf(elf: &[u8]) -> Result<Self, ElfError> {
        let file = ElfBytes::<AnyEndian>::minimal_parse(elf)
            .map_err(|e| ElfError::Malformed(e.to_string()))?;
        let mut functions = Vec::new();
        if let Some((table, strings)) =
            file.symbol_table().map_err(|e| ElfError::Malformed(e.to_string()))?
        {
            for symbol in table.iter() {
                if symbol.st_symtype() != elf_abi::STT_FUNC || symbol.st_size == 0 {
                    continue;
                }
                let name = strings.get(symbol.st_name as usize).unwrap_or("?");
                let start = symbol.st_value as u32;
                functions.push(Function {
                    start,
                    end: start.saturating_add(symbol.st_size as u32),
                    name: format!("{:#}", rustc_demangle::demangle(name)),
                });
            }
        }
        functions.sort_by_key(|f| f.start);
        functions.dedup_by_key(|f| f.start);
        Ok(Self { functions })
    }

    /// The function whose code holds `pc`.
    fn containing(&self, pc: u32) -> Option<usize> {
        let index = self.functions.partition_point(|f| f.start <= pc).checked_sub(1)?;
        (pc < self.functions[index].end).then_some(index)
    }

    /// The function that starts at `pc`.
    fn starting_at(&self, pc: u32) -> Option<usize> {
        self.functions.binary_search_by_key(&pc, |f| f.start).ok()
    }
}

/// A class of functions for [`profile_program`]: a function belongs to the first class
/// one of whose patterns occurs in its demangled name.
#[derive(Debug, Clone, Copy)]
pub struct FunctionClass<'a> {
    /// What the class is called in reports.
    pub name: &'a str,
    /// Substrings of demangled function names.
    pub patterns: &'a [&'a str],
}

/// Where a run's rows went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Rows charged to each class, in the order the classes were given, then the rows
    /// under no class.
    pub class_rows: Vec<u64>,
    /// Self rows of each function that executed, by demangled name, most first. Rows
    /// outside every symbol are charged to `"?"`.
    pub function_rows: Vec<(String, u64)>,
}

/// Runs `program` to the end and profiles its rows over `classes`.
pub fn profile_program(
    program: &Program,
    input: &[u8],
    config: &ExecutorConfig,
    symbols: &Symbols,
    classes: &[FunctionClass<'_>],
) -> Result<(ExecutionSummary, Profile), VmError> {
    let mut executor = crate::start(program, input, config)?;
    let mut profiler = Profiler::new(symbols, classes);
    executor.run(&mut profiler)?;
    let summary = executor.summary();
    Ok((summary, profiler.into_profile()))
}

/// The tracer behind [`profile_program`].
struct Profiler<'a> {
    symbols: &'a Symbols,
    /// The class of each function, if any.
    function_class: Vec<Option<usize>>,
    /// Per call frame: the innermost class on the stack up to and including it.
    frames: Vec<Option<usize>>,
    class_rows: Vec<u64>,
    unclassified_rows: u64,
    function_rows: Vec<u64>,
    unknown_rows: u64,
    /// The instruction in flight.
    pc: u32,
    word: u32,
}

impl<'a> Profiler<'a> {
    fn new(symbols: &'a Symbols, classes: &[FunctionClass<'_>]) -> Self {
        let function_class = symbols
            .functions
            .iter()
            .map(|f| classes.iter().position(|c| c.patterns.iter().any(|p| f.name.contains(p))))
            .collect();
        Self {
            symbols,
            function_class,
            frames: vec![None],
            class_rows: vec![0; classes.len()],
            unclassified_rows: 0,
            function_rows: vec![0; symbols.functions.len()],
            unknown_rows: 0,
            pc: 0,
            word: 0,
        }
    }

    fn top(&self) -> Option<usize> {
        self.frames.last().copied().flatten()
    }

    /// The class a frame entering `target` has under a frame of class `outer`.
    fn entered(&self, target: u32, outer: Option<usize>) -> Option<usize> {
        self.symbols.starting_at(target).and_then(|f| self.function_class[f]).or(outer)
    }

    fn follow_control_flow(&mut self, next_pc: u32) {
        let opcode = self.word & 0x7f;
        if opcode != OPCODE_JAL && opcode != OPCODE_JALR {
            return;
        }
        let rd = (self.word >> 7) & 0x1f;
        let rs1 = (self.word >> 15) & 0x1f;
        if rd == REG_RA {
            let frame = self.entered(next_pc, self.top());
            self.frames.push(frame);
        } else if rd == 0 && opcode == OPCODE_JALR && rs1 == REG_RA {
            if self.frames.len() > 1 {
                self.frames.pop();
            }
        } else if rd == 0 {
            let target = self.symbols.starting_at(next_pc);
            if target.is_some() && target != self.symbols.containing(self.pc) {
                let outer = self.frames.len().checked_sub(2).and_then(|i| self.frames[i]);
                let frame = self.entered(next_pc, outer);
                if let Some(top) = self.frames.last_mut() {
                    *top = frame;
                }
            }
        }
    }

    fn into_profile(self) -> Profile {
        let mut class_rows = self.class_rows;
        class_rows.push(self.unclassified_rows);
        let mut function_rows: Vec<(String, u64)> = self
            .symbols
            .functions
            .iter()
            .zip(self.function_rows)
            .filter(|(_, rows)| *rows > 0)
            .map(|(f, rows)| (f.name.clone(), rows))
            .collect();
        if self.unknown_rows > 0 {
            function_rows.push(("?".to_string(), self.unknown_rows));
        }
        function_rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Profile { class_rows, function_rows }
    }
}

impl Tracer for Profiler<'_> {
    const ENABLED: bool = true;

    fn begin_segment(&mut self, _: &Executor) {}

    fn instruction(&mut self, _: u64, pc: u32, word: u32) {
        self.pc = pc;
        self.word = word;
    }

    fn access(&mut self, _: &Memory, _: u64, _: u64, _: u32, _: AccessKind, _: u32, _: u32) {}

    fn finish_instruction(&mut self, next_pc: u32, rows: u32) {
        let rows = u64::from(rows);
        match self.top() {
            Some(class) => self.class_rows[class] += rows,
            None => self.unclassified_rows += rows,
        }
        match self.symbols.containing(self.pc) {
            Some(function) => self.function_rows[function] += rows,
            None => self.unknown_rows += rows,
        }
        self.follow_control_flow(next_pc);
    }

    fn input(&mut self, _: &[u8]) {}

    fn output(&mut self, _: &[u8]) {}

    fn precompile(&mut self, _: PrecompileCall) {}
}
