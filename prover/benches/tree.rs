//! The proof tree, end to end: `fibonacci-digest` at about a million cycles (`TREE_BENCH_N`,
//! default 100,000 iterations; `TREE_BENCH_PO2` the segment size, default 18) proved
//! down to the wrapper and verified.
//!
//! For each node kind it prints the circuit's shape (k, advice, lookup and fixed columns),
//! the polynomials its proof commits (what verifying it costs the node above, at about
//! 105k cells each), key time (keygen or cache read), proving time and peak RSS; then the
//! whole program: total time, time per stage, the largest peak RSS, cycles per second
//! end to end and the ratio to the segment proofs alone. Keys are cached between runs
//! (`ZKVM_KEYS_DIR`), so run it twice to see proving without keygen.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use abi::io::InputBuilder;
use prover::{peak_rss_mib, prove_with_progress, Keys, Progress, TreeConfig};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    circuits::memory::tune_allocator();
    let n: u32 = env_or("TREE_BENCH_N", 100_000);
    let po2: u32 = env_or("TREE_BENCH_PO2", 18);
    let keys = Keys::development(TreeConfig { segment_po2: po2, ..TreeConfig::default() });
    let mut input = InputBuilder::new();
    input.write(&n).unwrap();
    let input = input.into_bytes();
    let start = Instant::now();
    let (mut segments_secs, mut nodes_secs, mut wrapper_secs) = (0.0, 0.0, 0.0);
    let proof = prove_with_progress(guests::FIBONACCI_DIGEST_ELF, &input, &keys, &mut |step| {
        let peak = peak_rss_mib();
        match step {
            Progress::Executed { cycles, segments, secs } => {
                println!("executed: {cycles} cycles in {segments} segments of 2^{po2} ({secs:.2}s)")
            }
            Progress::Segment { index, total, secs } => {
                segments_secs += secs;
                println!("segment {}/{total}: {secs:.1}s, peak RSS {peak:.0} MiB", index + 1)
            }
            Progress::KeccakBatch { index, total, permutations, secs } => {
                nodes_secs += secs;
                println!("keccak-f batch {}/{total}: {permutations} permutations, {secs:.1}s, peak RSS {peak:.0} MiB", index + 1)
            }
            Progress::SecpBatch { index, total, recoveries, secs } => {
                nodes_secs += secs;
                println!("secp256k1 batch {}/{total}: {recoveries} recoveries, {secs:.1}s, peak RSS {peak:.0} MiB", index + 1)
            }
            Progress::Node { kind, level, index, total, stats } => {
                nodes_secs += stats.key_secs + stats.prove_secs;
                println!(
                    "{kind} {}/{total} (level {level}): k={} advice={} lookup={} fixed={}, proof commits {} polys (~{:.1} M cells to aggregate), key {:.1}s, prove {:.1}s, peak RSS {peak:.0} MiB",
                    index + 1, stats.k, stats.advice, stats.lookup_advice, stats.fixed,
                    stats.committed_polys, stats.committed_polys as f64 * 0.105,
                    stats.key_secs, stats.prove_secs
                )
            }
            Progress::Wrapped { stats, verify_secs } => {
                wrapper_secs = stats.key_secs + stats.prove_secs + verify_secs;
                println!(
                    "wrapper: k={} advice={} lookup={} fixed={}, proof commits {} polys, key {:.1}s, prove {:.1}s, verify {verify_secs:.1}s, peak RSS {peak:.0} MiB",
                    stats.k, stats.advice, stats.lookup_advice, stats.fixed, stats.committed_polys,
                    stats.key_secs, stats.prove_secs
                )
            }
        }
    })
    .unwrap();
    let total = start.elapsed().as_secs_f64();
    println!(
        "whole program: {} cycles, {} segments, {total:.1}s = {:.0} cycles/s end to end ({:.2}x the segment proofs alone); segments {segments_secs:.1}s, nodes {nodes_secs:.1}s, wrapper {wrapper_secs:.1}s; peak RSS {:.0} MiB; proof {} bytes, calldata {} bytes",
        proof.cycles,
        proof.segments,
        proof.cycles as f64 / total,
        total / segments_secs,
        peak_rss_mib(),
        proof.proof.len(),
        proof.calldata.len()
    );
}
