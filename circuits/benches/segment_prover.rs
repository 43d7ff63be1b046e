//! Segment proving benchmark: for each segment size, keygen time, proving time, cycles
//! proved per second, proof size and peak memory, on the first segment of `fibonacci` and
//! of `revm-smoke`; and the circuit's shape (columns, lookups, degree) and the shares of its
//! committed columns that paging and the chains take.
//!
//! After the first proof it also reports the cells an `AggregationCircuit` needs to verify
//! one segment proof (its witness is generated, not proved).
//!
//! `SEGMENT_BENCH_K` lists the sizes, comma-separated and ascending (default `17,18`:
//! 2^17 is the smallest circuit, its byte tables fill 2^16 rows; 2^19 needs more than
//! this 24 GiB machine). Each size proves two segments, so allow minutes per size.
//! Peak RSS is the process's high-water mark, so with ascending sizes each line gives the
//! peak of its own size. Development KZG parameters are generated once and cached.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use abi::io::InputBuilder;
use circuits::params::dev_params;
use circuits::peak_rss_mib;
use circuits::poseidon::chip::AUX_CELLS;
use circuits::poseidon::WIDTH;
use circuits::segment::{
    keygen, prove_segment, verify_segment, SegmentCircuit, SegmentStart, MIN_SEGMENT_K,
};
use halo2_base::halo2_proofs::halo2curves::bn256::Bn256;
use halo2_base::halo2_proofs::plonk::{Circuit, ConstraintSystem};
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use snark_verifier_sdk::Snark;
use vm::ExecutorConfig;

fn shape() {
    let mut cs = ConstraintSystem::default();
    SegmentCircuit::configure(&mut cs);
    let advice = cs.num_advice_columns();
    println!(
        "shape: {advice} advice columns (incl. 25 second-phase LogUp helpers and the running sum), {} fixed, {} instance, {} halo2 lookups, degree {}",
        cs.num_fixed_columns(),
        cs.num_instance_columns(),
        cs.lookups().len(),
        cs.degree()
    );
    // Paging: page rows (active, page, in, out, last timestamp, 3 gap bytes, 6 word bytes),
    // the two hash lanes (each the Poseidon state, its auxiliary cells and the two values a
    // slot takes in), slot bookkeeping (9), element accumulators (2), and LogUp helpers (the
    // page-access group, 2 lane groups, 2 page-row groups).
    let lanes = 2 * (WIDTH + AUX_CELLS + 2);
    let paging: usize = 14 + lanes + 9 + 2 + 5;
    // Chains: row cells (position one-hot, value, three countdowns), the element
    // accumulator, the step flags (chain, pair) and four LogUp helpers; the steps share the
    // hash lanes with paging.
    let chains: usize = 7 + 1 + 2 + 4;
    let share = |n: usize| 100.0 * n as f64 / advice as f64;
    println!(
        "committed columns: paging {:.1}% ({paging} of {advice}), chains {:.1}% ({chains}); hash slots per 2^17 segment: {}",
        share(paging),
        share(chains),
        vm::hash_slots(17)
    );
}

/// The cells an `AggregationCircuit` needs to verify one segment proof, and the columns
/// that makes at k = 21.
fn aggregation_cells(params: &ParamsKZG<Bn256>, snark: Snark) {
    let t = Instant::now();
    let cost = circuits::snark::aggregation_cost(params, snark);
    println!(
        "aggregating one segment proof: {} advice cells, {} lookup cells, {} fixed; at k=21: {} advice + {} lookup columns ({:.0}s, peak RSS {:.0} MiB)",
        cost.advice,
        cost.lookup,
        cost.fixed,
        cost.advice_columns,
        cost.lookup_columns,
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    circuits::memory::tune_allocator();
    let sizes: Vec<u32> = std::env::var("SEGMENT_BENCH_K")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![17, 18]);
    shape();
    let mut aggregated = false;
    for k in sizes {
        if k < MIN_SEGMENT_K {
            println!("k={k}: no circuit (its lookup tables need 2^{MIN_SEGMENT_K} rows)");
            continue;
        }
        let config = ExecutorConfig { segment_po2: k, ..ExecutorConfig::default() };
        let mut fib = InputBuilder::new();
        fib.write(&1_000_000u32).unwrap();
        let mut word = [0u8; 32];
        word[31] = 42;
        let mut revm = InputBuilder::new();
        revm.write_bytes(&word).unwrap();
        let guests = [
            ("fibonacci", guests::FIBONACCI_ELF, fib.into_bytes()),
            ("revm-smoke", guests::REVM_SMOKE_ELF, revm.into_bytes()),
        ];
        let t = Instant::now();
        let params = dev_params(k).unwrap();
        println!("k={k}: params {:.1}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let pk = keygen(&params, k).unwrap();
        println!(
            "k={k}: keygen {:.1}s, peak RSS {:.0} MiB",
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
        for (name, elf, input) in guests {
            let (_, records) = vm::trace(elf, &input, &config).unwrap();
            let record = &records[0];
            let pages = record.pages_in.len();
            let start = SegmentStart::initial(&vm::Program::from_elf(elf).unwrap());
            let t = Instant::now();
            let proof = prove_segment(&params, &pk, record, &start).unwrap();
            let secs = t.elapsed().as_secs_f64();
            verify_segment(&params, pk.get_vk(), &proof).unwrap();
            println!(
                "k={k} {name}: {} cycles, {pages} pages, proved in {secs:.1}s = {:.0} cycles/s, proof {} bytes, peak RSS {:.0} MiB",
                record.rows,
                record.rows as f64 / secs,
                proof.snark.proof.len(),
                peak_rss_mib()
            );
            if !aggregated {
                aggregated = true;
                aggregation_cells(&params, proof.snark);
            }
        }
    }
}
