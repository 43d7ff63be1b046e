//! A real SHPLONK proof of a secp256k1 batch (2^18 rows, one slot: about half a minute)
//! verifies, and refuses other public inputs, a changed proof byte, and parameters of
//! another size.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod secp_support;

use circuits::params::dev_params;
use precompiles::secp256k1::{keygen, prove_batch, verify_batch, SecpError};
use secp_support::{batch, shape, signed};

#[test]
fn a_batch_proof_verifies_and_binds_its_chain() {
    let shape = shape(1);
    let params = dev_params(shape.k).unwrap();
    let key = keygen(&params, shape).unwrap();
    let batch = batch(&[signed(21).0]);
    let proof = prove_batch(&params, &key, &batch).unwrap();
    assert_eq!((proof.chain_start, proof.chain_end), (batch.chain_start(), batch.chain_end()));
    let vk = key.pk.get_vk();
    verify_batch(&params, vk, &proof).unwrap();

    let mut other_end = proof.clone();
    other_end.chain_end += precompiles::Fr::from(1);
    other_end.snark.instances[0][1] = other_end.chain_end;
    assert!(matches!(verify_batch(&params, vk, &other_end), Err(SecpError::Invalid)));

    let mut flipped = proof;
    let middle = flipped.snark.proof.len() / 2;
    flipped.snark.proof[middle] ^= 1;
    assert!(verify_batch(&params, vk, &flipped).is_err());

    let wrong_k = dev_params(12).unwrap();
    assert!(matches!(prove_batch(&wrong_k, &key, &batch), Err(SecpError::ParamsSize { .. })));
}
