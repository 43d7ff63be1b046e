//! The contract between guest programs and the host: syscall numbers, the memory map and
//! the framing of the input stream and of committed values.
//!
//! This crate is `no_std` (with `alloc`) so that the guest runtime, cross-compiled for
//! `riscv32im`, and the host executor compile the very same definitions.
#![no_std]

extern crate alloc;

pub mod io;
pub mod memory;
pub mod syscall;
