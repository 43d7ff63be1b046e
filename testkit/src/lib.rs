//! Test support shared by the workspace's test suites.

pub mod random_program;
pub mod syscall_program;
