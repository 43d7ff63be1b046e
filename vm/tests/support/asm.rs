//! Running [`vm::encode::Asm`] programs in tests.

pub use vm::encode::{Asm, CODE_BASE};
use vm::{Executor, ExecutorConfig};

/// Runs assembled code to its halt.
pub trait Run {
    /// Runs the code (which must halt) and returns the machine.
    fn run(&self, data: &[(u32, u32)]) -> Executor;
}

impl Run for Asm {
    fn run(&self, data: &[(u32, u32)]) -> Executor {
        let mut machine = Executor::new(&self.program(data), Vec::new(), ExecutorConfig::default())
            .expect("program loads");
        machine.run_fast().expect("program halts");
        machine
    }
}
