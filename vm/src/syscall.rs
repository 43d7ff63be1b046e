//! The `ecall` handler: HALT, READ, COMMIT, LOG and the precompile syscalls.
//!
//! The `ecall` row reads `t0`, `a0` and `a1`; the words a syscall moves to or from memory
//! each take one further data row (see [`crate::trace`]). Values are computed first, and
//! the accesses are then reported to the tracer in timestamp order.

use abi::syscall::{
    COMMIT, HALT, KECCAK_PERMUTE, KECCAK_STATE_LANES, LOG, MAX_IO_CHUNK_BYTES, READ, REG_A0,
    REG_A1, REG_SYSCALL, SECP256K1_RECOVER, SECP256K1_RECOVER_INPUT_BYTES,
    SECP256K1_RECOVER_OUTPUT_BYTES,
};

use crate::error::{ErrorKind, ExecutionError};
use crate::executor::Executor;
use crate::precompiles;
use crate::trace::{PrecompileCall, SLOT_MEM, SLOT_RS1, SLOT_RS2};
use crate::tracer::Tracer;

const KECCAK_WORDS: u64 = 2 * KECCAK_STATE_LANES as u64;
const SECP_IN_WORDS: u64 = SECP256K1_RECOVER_INPUT_BYTES as u64 / 4;
const SECP_OUT_WORDS: u64 = SECP256K1_RECOVER_OUTPUT_BYTES as u64 / 4;
/// Longest LOG message, in bytes.
const MAX_LOG_BYTES: u32 = 1 << 16;

/// Number of data rows (beyond the `ecall` row) that syscall `number` with second
/// argument `a1` takes.
pub(crate) fn data_rows(number: u32, a1: u32) -> u64 {
    match number {
        READ | COMMIT => u64::from(a1 / 4),
        KECCAK_PERMUTE => KECCAK_WORDS,
        SECP256K1_RECOVER => SECP_IN_WORDS + SECP_OUT_WORDS,
        _ => 0,
    }
}

impl Executor {
    /// Executes the syscall in `t0`; returns the next pc and the rows it took.
    pub(crate) fn ecall<T: Tracer>(
        &mut self,
        tracer: &mut T,
    ) -> Result<(u32, u64), ExecutionError> {
        let number = self.read_reg(tracer, SLOT_RS1, REG_SYSCALL as u8);
        let a0 = self.read_reg(tracer, SLOT_RS2, REG_A0 as u8);
        let a1 = self.read_reg(tracer, SLOT_MEM, REG_A1 as u8);
        let next_pc = self.pc.wrapping_add(4);
        match number {
            HALT => {
                self.syscalls.halt += 1;
                self.exit_code = Some(a0);
                return Ok((self.pc, 1));
            }
            READ => {
                self.syscalls.read += 1;
                self.sys_read(tracer, a0, a1)?;
            }
            COMMIT => {
                self.syscalls.commit += 1;
                self.sys_commit(tracer, a0, a1)?;
            }
            LOG => {
                self.syscalls.log += 1;
                self.sys_log(a0, a1)?;
            }
            KECCAK_PERMUTE => {
                self.syscalls.keccak_permute += 1;
                self.sys_keccak(tracer, a0)?;
            }
            SECP256K1_RECOVER => {
                self.syscalls.secp256k1_recover += 1;
                self.sys_secp256k1_recover(tracer, a0, a1)?;
            }
            other => return Err(self.error(ErrorKind::UnknownSyscall(other))),
        }
        Ok((next_pc, 1 + data_rows(number, a1)))
    }

    fn check_transfer(&self, syscall: u32, ptr: u32, len: u32) -> Result<(), ExecutionError> {
        let reason = if ptr % 4 != 0 {
            "pointer is not word aligned"
        } else if len % 4 != 0 {
            "length is not a multiple of 4"
        } else if len as usize > MAX_IO_CHUNK_BYTES {
            "length exceeds MAX_IO_CHUNK_BYTES"
        } else {
            return Ok(());
        };
        Err(self.error(ErrorKind::BadSyscallArgument { syscall, reason }))
    }

    fn check_aligned(&self, syscall: u32, ptr: u32) -> Result<(), ExecutionError> {
        if ptr % 4 != 0 {
            let reason = "pointer is not word aligned";
            return Err(self.error(ErrorKind::BadSyscallArgument { syscall, reason }));
        }
        Ok(())
    }

    fn sys_read<T: Tracer>(
        &mut self,
        tracer: &mut T,
        ptr: u32,
        len: u32,
    ) -> Result<(), ExecutionError> {
        self.check_transfer(READ, ptr, len)?;
        let remaining = self.input.len() - self.input_pos;
        if len as usize > remaining {
            return Err(self.error(ErrorKind::InputExhausted { requested: len, remaining }));
        }
        let start = self.input_pos;
        for k in 0..len / 4 {
            let at = start + 4 * k as usize;
            let bytes =
                [self.input[at], self.input[at + 1], self.input[at + 2], self.input[at + 3]];
            let row = self.row + 1 + u64::from(k);
            self.store_word(
                tracer,
                row,
                SLOT_MEM,
                ptr.wrapping_add(4 * k),
                u32::from_le_bytes(bytes),
            )?;
        }
        self.input_pos += len as usize;
        if T::ENABLED {
            tracer.input(&self.input[start..self.input_pos]);
        }
        Ok(())
    }

    fn sys_commit<T: Tracer>(
        &mut self,
        tracer: &mut T,
        ptr: u32,
        len: u32,
    ) -> Result<(), ExecutionError> {
        self.check_transfer(COMMIT, ptr, len)?;
        let start = self.output.len();
        for k in 0..len / 4 {
            let row = self.row + 1 + u64::from(k);
            let word = self.load_word(tracer, row, SLOT_RS2, ptr.wrapping_add(4 * k))?;
            self.output.extend_from_slice(&word.to_le_bytes());
        }
        if T::ENABLED {
            tracer.output(&self.output[start..]);
        }
        Ok(())
    }

    fn sys_log(&mut self, ptr: u32, len: u32) -> Result<(), ExecutionError> {
        if len > MAX_LOG_BYTES {
            let reason = "message longer than 64 KiB";
            return Err(self.error(ErrorKind::BadSyscallArgument { syscall: LOG, reason }));
        }
        let bytes = self
            .read_memory(ptr, len)
            .ok_or_else(|| self.error(ErrorKind::OutOfRangeAccess { addr: ptr }))?;
        self.logs.push(String::from_utf8_lossy(&bytes).into_owned());
        Ok(())
    }

    /// Reads `count` words at `ptr` without tracing (the traced pass follows).
    fn peek_words(&mut self, ptr: u32, count: u64) -> Result<Vec<u32>, ExecutionError> {
        (0..count as u32)
            .map(|k| {
                let addr = ptr.wrapping_add(4 * k);
                self.memory.check(addr).map_err(|f| self.memory_error(f, addr))?;
                Ok(self.memory.word(addr))
            })
            .collect()
    }

    fn sys_keccak<T: Tracer>(&mut self, tracer: &mut T, ptr: u32) -> Result<(), ExecutionError> {
        self.check_aligned(KECCAK_PERMUTE, ptr)?;
        let words = self.peek_words(ptr, KECCAK_WORDS)?;
        let mut state = [0u64; KECCAK_STATE_LANES];
        for (lane, pair) in state.iter_mut().zip(words.chunks_exact(2)) {
            *lane = u64::from(pair[0]) | (u64::from(pair[1]) << 32);
        }
        let input = state;
        precompiles::keccak_permute(&mut state);
        for k in 0..KECCAK_WORDS {
            let addr = ptr.wrapping_add(4 * k as u32);
            let lane = state[(k / 2) as usize];
            let word = if k % 2 == 0 { lane as u32 } else { (lane >> 32) as u32 };
            let row = self.row + 1 + k;
            self.load_word(tracer, row, SLOT_RS2, addr)?;
            self.store_word(tracer, row, SLOT_MEM, addr, word)?;
        }
        if T::ENABLED {
            tracer.precompile(PrecompileCall::KeccakPermute { input, output: state });
        }
        Ok(())
    }

    fn sys_secp256k1_recover<T: Tracer>(
        &mut self,
        tracer: &mut T,
        in_ptr: u32,
        out_ptr: u32,
    ) -> Result<(), ExecutionError> {
        self.check_aligned(SECP256K1_RECOVER, in_ptr)?;
        self.check_aligned(SECP256K1_RECOVER, out_ptr)?;
        let words = self.peek_words(in_ptr, SECP_IN_WORDS)?;
        let mut input = [0u8; SECP256K1_RECOVER_INPUT_BYTES];
        for (chunk, word) in input.chunks_exact_mut(4).zip(&words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let recovered = precompiles::secp256k1_recover(&input);
        // The success flag goes to a0 in the ecall row, before the data rows.
        self.write_reg(tracer, REG_A0 as u8, u32::from(recovered.is_some()));
        for k in 0..SECP_IN_WORDS {
            self.load_word(tracer, self.row + 1 + k, SLOT_RS2, in_ptr.wrapping_add(4 * k as u32))?;
        }
        let output = recovered.unwrap_or([0; SECP256K1_RECOVER_OUTPUT_BYTES]);
        for (k, chunk) in output.chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            let row = self.row + 1 + SECP_IN_WORDS + k as u64;
            self.store_word(tracer, row, SLOT_MEM, out_ptr.wrapping_add(4 * k as u32), word)?;
        }
        if T::ENABLED {
            tracer.precompile(PrecompileCall::Secp256k1Recover {
                input: input.to_vec(),
                output: recovered.map(|key| key.to_vec()),
            });
        }
        Ok(())
    }
}
