//! The whole stack on real programs: `fibonacci-digest` over two 2^17-row segments is
//! proved down to the wrapper and verified, also with the wrapper key committed with the
//! contracts' one-segment fixture (one key for every tree); the proof file round-trips; a
//! flipped byte, a changed public input and another program id are rejected. The `keccak` guest is proved
//! with its permutations in a keccak-f batch proof, linked by a keccak node; a program of
//! SECP256K1_RECOVER calls (valid and failing) with its recoveries in a secp256k1 batch
//! proof, linked by a secp node.
//!
//! About an hour on a 2-core machine from cold caches, so it is `#[ignore]`d in `make
//! test` and run by `make test-e2e`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use abi::io::InputBuilder;
use circuits::Fr;
use prover::{
    peak_rss_mib, prove_with_progress, verify, verify_with_key, Keys, Proof, PublicInputs,
    TreeConfig, TreeShape, VerifyError, WrapperVk,
};

#[test]
#[ignore = "an hour of proving; run by `make test-e2e`"]
fn a_two_segment_program_is_proved_wrapped_and_verified() {
    circuits::memory::tune_allocator();
    let config = TreeConfig { segment_po2: 17, ..TreeConfig::default() };
    let keys = Keys::development(config);
    let mut input = InputBuilder::new();
    input.write(&20_000u32).unwrap();
    let input = input.into_bytes();
    let elf = guests::FIBONACCI_DIGEST_ELF;
    let program_id = circuits::paging::program_id(&vm::Program::from_elf(elf).unwrap());

    let t = Instant::now();
    let proof = prove_with_progress(elf, &input, &keys, &mut |p| {
        eprintln!("[{:>7.1}s, peak {:.0} MiB] {p:?}", t.elapsed().as_secs_f64(), peak_rss_mib())
    })
    .unwrap();
    eprintln!(
        "proved {} cycles in {} segments in {:.1}s ({:.0} cycles/s end to end), peak RSS {:.0} MiB, proof {} bytes, calldata {} bytes",
        proof.cycles,
        proof.segments,
        t.elapsed().as_secs_f64(),
        proof.cycles as f64 / t.elapsed().as_secs_f64(),
        peak_rss_mib(),
        proof.proof.len(),
        proof.calldata.len()
    );
    assert_eq!(proof.segments, 2);
    let output = verify(&proof, program_id, &keys).unwrap();
    assert_eq!(output.digest.0[..8], 20_000u64.to_be_bytes());
    assert_eq!(output.program_id, program_id);

    // The file round-trips and still verifies.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof.json");
    proof.write(&path).unwrap();
    let read = Proof::read(&path).unwrap();
    assert_eq!(read, proof);
    verify(&read, program_id, &keys).unwrap();

    // Another program id.
    let other = program_id + Fr::one();
    assert!(matches!(verify(&proof, other, &keys), Err(VerifyError::ProgramMismatch { .. })));

    // A flipped byte in the proof: the calldata no longer matches; with matching calldata
    // the SNARK fails.
    let mut flipped = proof.clone();
    flipped.proof[100] ^= 1;
    assert!(matches!(verify(&flipped, program_id, &keys), Err(VerifyError::CalldataMismatch)));
    let flipped = Proof::new(
        flipped.output,
        flipped.shape(),
        flipped.cycles,
        flipped.public_inputs,
        flipped.proof,
    );
    assert!(matches!(verify(&flipped, program_id, &keys), Err(VerifyError::Snark(_))));

    // A changed public input of the wrapper, everything else made consistent with it.
    let mut inputs = proof.public_inputs;
    inputs.accumulator[0] += Fr::one();
    let changed =
        Proof::new(proof.output, proof.shape(), proof.cycles, inputs, proof.proof.clone());
    assert!(matches!(verify(&changed, program_id, &keys), Err(VerifyError::Snark(_))));
    // Another digest, its halves made consistent: the SNARK does not verify.
    let mut digest = proof.output;
    digest.0[31] ^= 1;
    let [hi, lo] = digest.halves();
    let inputs = PublicInputs { digest_hi: hi, digest_lo: lo, ..proof.public_inputs };
    let changed = Proof::new(digest, proof.shape(), proof.cycles, inputs, proof.proof.clone());
    assert!(matches!(verify(&changed, program_id, &keys), Err(VerifyError::Snark(_))));
    // One key for every tree: the committed contracts fixture's wrapper key, exported with
    // a one-segment proof at the same configuration (and its Solidity verifier generated
    // from it), verifies this two-segment proof.
    let fixture_key = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/fixtures/wrapper-vk.json");
    let fixture_key = WrapperVk::read(&fixture_key).unwrap();
    verify_with_key(&proof, program_id, &fixture_key, &keys).unwrap();
    let (derived, _) = prover::wrapper_vk(&keys).unwrap();
    assert_eq!(fixture_key.verifying_key().unwrap().transcript_repr(), derived.transcript_repr());
}

#[test]
#[ignore = "about 45 minutes of proving; run by `make test-e2e`"]
fn the_keccak_guest_is_proved_with_every_permutation_checked() {
    circuits::memory::tune_allocator();
    // Two permutations (200 bytes absorb two 136-byte blocks), one batch proof of a small
    // keccak-f circuit (2^13 rows, two permutations) beside the segment's leaf, a keccak
    // node linking the batch's chain to the segment's, then the wrapper.
    let keccak = precompiles::keccak::KeccakParams { k: 13, capacity: 2, part_width: 4, groups: 2 };
    let config = TreeConfig { segment_po2: 17, keccak, ..TreeConfig::default() };
    let keys = Keys::development(config);
    let message = [0x61u8; 200];
    let mut input = InputBuilder::new();
    input.write_bytes(&message).unwrap();
    let input = input.into_bytes();
    let elf = guests::KECCAK_ELF;
    let program_id = circuits::paging::program_id(&vm::Program::from_elf(elf).unwrap());

    let t = Instant::now();
    let proof = prove_with_progress(elf, &input, &keys, &mut |p| {
        eprintln!("[{:>7.1}s, peak {:.0} MiB] {p:?}", t.elapsed().as_secs_f64(), peak_rss_mib())
    })
    .unwrap();
    eprintln!(
        "proved {} cycles in {} segment(s) with {} keccak-f batch(es) in {:.1}s, peak RSS {:.0} MiB",
        proof.cycles,
        proof.segments,
        proof.keccak_batches,
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    assert_eq!((proof.segments, proof.keccak_batches), (1, 1));
    let output = verify(&proof, program_id, &keys).unwrap();
    let mut expected = [0u8; 32];
    let mut hasher = tiny_keccak::Keccak::v256();
    tiny_keccak::Hasher::update(&mut hasher, &message);
    tiny_keccak::Hasher::finalize(hasher, &mut expected);
    assert_eq!(output.digest.0, expected);
}

#[test]
#[ignore = "about 40 minutes of proving; run by `make test-e2e`"]
fn a_program_of_recoveries_is_proved_with_every_recovery_checked() {
    circuits::memory::tune_allocator();
    // Three calls (two valid signatures, one with r = 0), one batch proof of the default
    // secp256k1 circuit beside the segment's leaf, a secp node linking the batch's chain to
    // the segment's, then the wrapper. The program commits the first key's x.
    let config = TreeConfig { segment_po2: 17, ..TreeConfig::default() };
    let keys = Keys::development(config);
    let program = testkit::recover_program::program(3);
    let program_id = circuits::paging::program_id(&program);

    let t = Instant::now();
    let proof = prover::prove_program(&program, &[], &keys, &mut |p| {
        eprintln!("[{:>7.1}s, peak {:.0} MiB] {p:?}", t.elapsed().as_secs_f64(), peak_rss_mib())
    })
    .unwrap();
    eprintln!(
        "proved {} cycles over {} in {:.1}s, peak RSS {:.0} MiB",
        proof.cycles,
        proof.shape(),
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    assert_eq!(proof.shape(), TreeShape::segments(1).with_secp(1));
    let output = verify(&proof, program_id, &keys).unwrap();
    let signer = k256::ecdsa::SigningKey::from_slice(&[1; 32]).unwrap();
    let key = signer.verifying_key().to_encoded_point(false);
    assert_eq!(output.digest.0[..], key.as_bytes()[1..33]);
}

/// The same proof made in parts, as a fleet makes it: each part proved by its own call
/// from the program, the input and its children's SNARKs passed as bytes, the wrapper's
/// part returning the verified proof. `fibonacci-digest` on 10,000 is one 2^17-row
/// segment (segment, leaf, root, wrapper: the contracts fixture's tree, so its keys are
/// shared); the structure over more segments and precompile batches is
/// `prover::parts`' unit tests, and every node part is the monolith's own `prove_node`.
#[test]
#[ignore = "about 30 minutes of proving with cached keys; run by `make test-e2e`"]
fn a_program_proved_in_parts_gives_a_proof_that_verifies() {
    circuits::memory::tune_allocator();
    let keys = Keys::development(TreeConfig { segment_po2: 17, ..TreeConfig::default() });
    let mut input = InputBuilder::new();
    input.write(&10_000u32).unwrap();
    let input = input.into_bytes();
    let program = vm::Program::from_elf(guests::FIBONACCI_DIGEST_ELF).unwrap();
    let plan = prover::plan(&program, &input, keys.config()).unwrap();
    assert_eq!(plan.shape, TreeShape::segments(1));
    let t = Instant::now();
    let mut done: std::collections::HashMap<prover::Part, Vec<u8>> = Default::default();
    let mut proof = None;
    for planned in plan.parts() {
        let children = planned
            .children
            .iter()
            .map(|child| prover::snark_from_bytes(&done[child]).unwrap())
            .collect();
        let part = planned.part;
        match prover::prove_part(&program, &input, &keys, part, children).unwrap() {
            prover::PartProof::Snark(snark) => {
                done.insert(part, prover::snark_to_bytes(&snark).unwrap());
            }
            prover::PartProof::Proof(wrapped) => proof = Some(wrapped),
        }
        eprintln!(
            "[{:>7.1}s, peak {:.0} MiB] {part} proved",
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
    let proof = proof.unwrap();
    let program_id = circuits::paging::program_id(&program);
    let output = verify(&proof, program_id, &keys).unwrap();
    assert_eq!(output.digest, plan.digest);
    assert_eq!(proof.cycles, plan.cycles);
}
