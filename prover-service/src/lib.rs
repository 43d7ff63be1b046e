//! The prover service: an HTTP job API over a persistent queue of stages (witness from
//! the L2 node, then execution in the block-validator guest), run by workers that may
//! share one database across machines, a follower of the sequencer's node, and the L1
//! submitter of block proofs.

pub mod api;
pub mod artifacts;
pub mod cli;
pub mod config;
mod conformance;
pub mod follower;
pub mod http_client;
pub mod l1;
pub mod model;
pub mod node;
pub mod program;
pub mod service;
pub mod store;
pub mod worker;
