//! Test support shared by the workspace's test suites.

#[cfg(feature = "anvil")]
pub mod anvil;
pub mod random_program;
pub mod recover_program;
pub mod syscall_program;
