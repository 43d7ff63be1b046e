//! Makes the contracts' test fixture again (`make contracts-fixture`): proves the
//! `public-values` guest for `fixture::public_values()` with the development parameters,
//! then writes the proof (`fixtures/proof.json`), the wrapper's verifying key
//! (`fixtures/wrapper-vk.json`) and the verifier generated from it
//! (`solidity/Halo2Verifier.sol`).
//!
//! About 32 minutes on 2 cores with no key cached, 17 once the keys are (`ZKVM_KEYS_DIR`);
//! peak memory 13.4 GiB (the leaf's proof).

use std::error::Error;
use std::time::Instant;

use abi::io::InputBuilder;
use contracts::fixture;
use prover::{export_verifier, peak_rss_mib, prove_with_progress, Keys, TreeConfig};

fn main() -> Result<(), Box<dyn Error>> {
    circuits::memory::tune_allocator();
    let values = fixture::public_values();
    let mut input = InputBuilder::new();
    input.write_bytes(&values.to_bytes())?;
    let input = input.into_bytes();
    let keys = Keys::development(TreeConfig {
        segment_po2: fixture::SEGMENT_PO2,
        ..TreeConfig::default()
    });
    let start = Instant::now();
    let proof = prove_with_progress(guests::PUBLIC_VALUES_ELF, &input, &keys, &mut |progress| {
        eprintln!(
            "[{:>7.1}s, peak {:.0} MiB] {progress:?}",
            start.elapsed().as_secs_f64(),
            peak_rss_mib()
        )
    })?;
    if proof.output.0 != values.commitment().0 {
        return Err("the guest committed another digest than keccak256(abi.encode(pv))".into());
    }
    let (solidity, key) = export_verifier(&keys)?;
    proof.write(&fixture::proof_path())?;
    key.write(&fixture::wrapper_vk_path())?;
    std::fs::write(fixture::verifier_path(), solidity)?;
    eprintln!(
        "fixture written: {} cycles, {} segment(s), proof {} bytes, {:.0} s, peak {:.0} MiB",
        proof.cycles,
        proof.segments,
        proof.proof.len(),
        start.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    Ok(())
}
