//! In-circuit pieces of the tree's nodes, on halo2-base's flex gate (the chains' Poseidon
//! is `circuits::poseidon::flex`): the boundary link between children
//! ([`link`]), the precompile batch proofs meeting the VM's chains ([`precompile`]), the
//! root's statement over the whole program ([`statement`]) and the verifying keys a node
//! accepts for its children ([`family`]).
//!
//! Each works on any `Context`, so the same code runs inside the aggregation circuits and
//! in the cheap MockProver tests that witness child boundaries directly.

pub mod family;
pub mod link;
pub mod precompile;
pub mod statement;
