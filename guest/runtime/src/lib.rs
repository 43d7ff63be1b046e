//! The runtime every guest program links: `_start` and the stack, a bump heap allocator,
//! a panic handler that halts with [`abi::syscall::EXIT_PANIC`], the `__atomic_*`
//! library calls the `riscv32im` target lowers atomics to, a `critical-section`
//! implementation, and safe wrappers over the syscalls.
//!
//! A guest is a `#![no_std] #![no_main]` binary that names its entry function with
//! [`entry!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! guest_runtime::entry!(main);
//! fn main() {
//!     let n: u32 = guest_runtime::io::read();
//!     guest_runtime::io::commit(&(n + 1));
//! }
//! ```
#![no_std]

extern crate alloc;

mod allocator;
mod atomics;
mod critical;
pub mod io;
pub mod precompiles;
mod start;
pub mod syscall;

/// Declares the guest's entry function; the runtime calls it and halts with exit code 0
/// when it returns.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn __guest_main() {
            let main: fn() = $main;
            main()
        }
    };
}
