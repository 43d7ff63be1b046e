//! secp256k1 recovery circuit benchmark: for each shape, the recoveries per proof, the
//! builder's columns, keygen and proving time, seconds per recovery, peak memory, and the
//! cells an `AggregationCircuit` needs to verify one batch proof.
//!
//! `SECP_BENCH_SHAPES` lists shapes as `k:capacity`, comma-separated (default `19:8`);
//! each proves a full batch of random valid signatures. Development KZG parameters are
//! generated once and cached.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use circuits::params::dev_params;
use circuits::peak_rss_mib;
use circuits::snark::aggregation_cost;
use k256::ecdsa::SigningKey;
use precompiles::secp256k1::{keygen, prove_batch, SecpBatch, SecpCall, SecpShape};
use precompiles::Fr;
use rand::{Rng, SeedableRng};

/// A random valid signature's call.
fn signed(rng: &mut impl Rng) -> SecpCall {
    let key = SigningKey::from_slice(&rng.gen::<[u8; 32]>()).unwrap();
    let hash: [u8; 32] = rng.gen();
    let (signature, id) = key.sign_prehash_recoverable(&hash).unwrap();
    let mut input = [0u8; 100];
    input[..32].copy_from_slice(&hash);
    input[32..96].copy_from_slice(&signature.to_bytes());
    input[96] = u8::from(id.is_y_odd());
    SecpCall::new(input)
}

fn main() {
    circuits::memory::tune_allocator();
    let shapes: Vec<SecpShape> = std::env::var("SECP_BENCH_SHAPES")
        .unwrap_or_else(|_| "19:8".into())
        .split(',')
        .filter_map(|s| {
            let v: Vec<usize> = s.split(':').filter_map(|x| x.trim().parse().ok()).collect();
            (v.len() == 2).then(|| SecpShape::new(v[0] as u32, v[1]))
        })
        .collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    for shape in shapes {
        let (builder, config) = precompiles::secp256k1::prove::layout(shape).unwrap();
        let stats = builder.statistics();
        let advice: usize = stats.gate.total_advice_per_phase.iter().sum();
        let lookup: usize = stats.total_lookup_advice_per_phase.iter().sum();
        drop(builder);
        println!(
            "shape k={} capacity={}: {} advice columns, {} lookup advice columns, {} fixed columns, lookup bits {:?}; {} advice cells ({} per recovery), {} range-check cells",
            shape.k,
            shape.capacity,
            config.num_advice_per_phase.iter().sum::<usize>(),
            config.num_lookup_advice_per_phase.iter().sum::<usize>(),
            config.num_fixed,
            config.lookup_bits,
            advice,
            advice / shape.capacity,
            lookup
        );
        let params = dev_params(shape.k).unwrap();
        let t = Instant::now();
        let key = keygen(&params, shape).unwrap();
        let keygen_s = t.elapsed().as_secs_f64();
        let calls: Vec<SecpCall> = (0..shape.capacity).map(|_| signed(&mut rng)).collect();
        let batch = SecpBatch::new(calls, Fr::from(0));
        let t = Instant::now();
        let proof = prove_batch(&params, &key, &batch).unwrap();
        let prove_s = t.elapsed().as_secs_f64();
        println!(
            "  keygen {keygen_s:.1}s, proving {prove_s:.1}s (verified), {:.1}s per recovery, {} committed polynomials, proof {} bytes, peak RSS {:.0} MiB",
            prove_s / shape.capacity as f64,
            circuits::snark::committed_polys(key.pk.get_vk()),
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
