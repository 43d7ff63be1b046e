//! Test support shared by the workspace's test suites.

pub mod random_program;
