//! keccak-f circuit benchmark: for each shape, the circuit's columns, permutations per
//! proof, keygen and proving time, permutations proved per second, peak memory, and the
//! cells an `AggregationCircuit` needs to verify one batch proof.
//!
//! `KECCAK_BENCH_SHAPES` lists shapes as `k:part_width:groups`, comma-separated
//! (default `18:6:4`); each proves a full batch of random states (as many as fit).
//! Development KZG parameters are generated once and cached.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use circuits::params::dev_params;
use circuits::peak_rss_mib;
use circuits::snark::aggregation_cost;
use halo2_base::halo2_proofs::plonk::{Circuit, ConstraintSystem};
use precompiles::keccak::{
    circuit::helper_count, keygen, layout::PermLayout, prove_batch, KeccakBatch, KeccakCircuit,
    KeccakColumn, KeccakParams,
};
use precompiles::Fr;
use rand::{Rng, SeedableRng};

fn main() {
    circuits::memory::tune_allocator();
    let shapes: Vec<(u32, usize, usize)> = std::env::var("KECCAK_BENCH_SHAPES")
        .unwrap_or_else(|_| "18:6:4".into())
        .split(',')
        .filter_map(|s| {
            let v: Vec<usize> = s.split(':').filter_map(|x| x.trim().parse().ok()).collect();
            (v.len() == 3).then(|| (v[0] as u32, v[1], v[2]))
        })
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    for (k, part_width, groups) in shapes {
        let shape = KeccakParams::fitting(k, part_width, groups);
        let layout = PermLayout::new(shape);
        let mut cs = ConstraintSystem::default();
        KeccakCircuit::configure_with_params(&mut cs, shape);
        let queries: usize = cs.advice_queries().len() + cs.fixed_queries().len();
        println!(
            "shape k={k} part_width={part_width} groups={groups}: {} advice ({} LogUp helpers + running sum), {} fixed, {} selectors, {} halo2 lookups, degree {}, {queries} queries, {} blinding rows",
            cs.num_advice_columns(),
            helper_count(shape),
            cs.num_fixed_columns(),
            cs.num_selectors(),
            cs.lookups().len(),
            cs.degree(),
            cs.blinding_factors() + 1
        );
        println!(
            "  {} permutations per proof; {} rows per permutation in its group ({} slots of {} rows), {} rows of its chain block",
            shape.capacity,
            layout.rows,
            precompiles::keccak::layout::SLOTS,
            layout.slot_rows,
            precompiles::keccak::layout::CHAIN_ROWS
        );
        let params = dev_params(k).unwrap();
        let t = Instant::now();
        let pk = keygen(&params, shape).unwrap();
        let keygen_s = t.elapsed().as_secs_f64();
        println!(
            "  key: {} fixed columns after selector compression, {} committed polynomials",
            pk.get_vk().cs().num_fixed_columns(),
            circuits::snark::committed_polys(pk.get_vk())
        );
        let inputs: Vec<[u64; 25]> =
            (0..shape.capacity).map(|_| std::array::from_fn(|_| rng.gen())).collect();
        let batch = KeccakBatch::new(inputs, Fr::from(0));
        let t = Instant::now();
        let circuit = KeccakCircuit::new(shape, &batch).unwrap();
        let _ = circuit.cell(KeccakColumn::Chain, 0);
        println!("  witness columns {:.1}s", t.elapsed().as_secs_f64());
        drop(circuit);
        let t = Instant::now();
        let proof = prove_batch(&params, &pk, shape, &batch).unwrap();
        let prove_s = t.elapsed().as_secs_f64();
        println!(
            "  keygen {keygen_s:.1}s, proving {prove_s:.1}s (verified), {:.2} permutations/s, proof {} bytes, peak RSS {:.0} MiB",
            shape.capacity as f64 / prove_s,
            proof.snark.proof.len(),
            peak_rss_mib()
        );
        let t = Instant::now();
        let cost = aggregation_cost(&params, proof.snark);
        println!(
            "  aggregating one batch proof: {} advice cells, {} lookup cells ({:.0}s, peak RSS {:.0} MiB)",
            cost.advice,
            cost.lookup,
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
}
