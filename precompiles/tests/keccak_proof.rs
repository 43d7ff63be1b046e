//! A real SHPLONK proof of a keccak batch (2^13 rows, two permutations) verifies, and
//! refuses other public inputs and a changed proof byte.

mod support;

use circuits::params::dev_params;
use precompiles::keccak::{keygen, prove_batch, verify_batch, KeccakBatch, KeccakError};
use precompiles::Fr;
use support::{shape, states};

#[test]
fn a_batch_proof_verifies_and_binds_its_chain() {
    let params = dev_params(shape().k).unwrap();
    let pk = keygen(&params, shape()).unwrap();
    let batch = KeccakBatch::new(states(2, 5), Fr::from(3));
    let proof = prove_batch(&params, &pk, shape(), &batch).unwrap();
    assert_eq!((proof.chain_start, proof.chain_end), (Fr::from(3), batch.chain_end()));
    verify_batch(&params, pk.get_vk(), &proof).unwrap();

    let mut other_end = proof.clone();
    other_end.chain_end += Fr::from(1);
    other_end.snark.instances[0][1] = other_end.chain_end;
    assert!(matches!(verify_batch(&params, pk.get_vk(), &other_end), Err(KeccakError::Invalid)));

    let mut flipped = proof;
    let middle = flipped.snark.proof.len() / 2;
    flipped.snark.proof[middle] ^= 1;
    assert!(verify_batch(&params, pk.get_vk(), &flipped).is_err());

    let wrong_k = dev_params(shape().k + 1).unwrap();
    assert!(matches!(
        prove_batch(&wrong_k, &pk, shape(), &batch),
        Err(KeccakError::ParamsSize { .. })
    ));
}
