//! The prover service: an HTTP job API over a persistent queue of stages (witness from
//! the L2 node, then execution in the block-validator guest), run by workers that may
//! share one database across machines, and a follower of the sequencer's node.

pub mod api;
pub mod artifacts;
pub mod cli;
pub mod config;
mod conformance;
pub mod follower;
pub mod model;
pub mod node;
pub mod service;
pub mod store;
pub mod worker;
