//! Keys, proofs and verification of keccak batches: SHPLONK over BN254 with the Poseidon
//! transcript, so a [`KeccakProof`]'s snark is what the aggregation circuits take.

use circuits::snark::{prove_snark, verify_with_instances};
use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{keygen_pk, keygen_vk_custom, ProvingKey, VerifyingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use snark_verifier_sdk::{CircuitExt, Snark};

use super::{KeccakBatch, KeccakCircuit, KeccakError, KeccakParams};
use circuits::Fr;

/// Public inputs of a batch proof: the chain before and after the batch.
pub const NUM_PUBLIC_INPUTS: usize = 2;

/// A batch proof: the snark and the chain values it proves.
#[derive(Debug, Clone)]
pub struct KeccakProof {
    /// The snark, ready for aggregation.
    pub snark: Snark,
    /// The keccak chain before the batch.
    pub chain_start: Fr,
    /// The keccak chain after the batch.
    pub chain_end: Fr,
}

impl CircuitExt<Fr> for KeccakCircuit {
    fn num_instance(&self) -> Vec<usize> {
        vec![NUM_PUBLIC_INPUTS]
    }

    fn instances(&self) -> Vec<Vec<Fr>> {
        KeccakCircuit::instances(self)
    }
}

fn check_params(params: &ParamsKZG<Bn256>, k: u32) -> Result<(), KeccakError> {
    if params.k() != k {
        return Err(KeccakError::ParamsSize { params: params.k(), circuit: k });
    }
    Ok(())
}

/// Generates the proving key of the circuit of shape `shape` (`params` of size `shape.k`).
pub fn keygen(
    params: &ParamsKZG<Bn256>,
    shape: KeccakParams,
) -> Result<ProvingKey<G1Affine>, KeccakError> {
    let circuit = KeccakCircuit::keygen(shape)?;
    let vk = keygen_vk(params, shape)?;
    keygen_pk(params, vk, &circuit).map_err(|e| KeccakError::Halo2(e.to_string()))
}

/// Generates the verifying key of the circuit of shape `shape` (`params` of size
/// `shape.k`), with halo2's selector compression on: the slot kinds' and the chain's
/// selectors are never on at the same row, so they share fixed columns, and every fixed
/// column saved is a polynomial less to commit, to extend at proving time and to verify in
/// the aggregation tree (about 105k cells each).
pub fn keygen_vk(
    params: &ParamsKZG<Bn256>,
    shape: KeccakParams,
) -> Result<VerifyingKey<G1Affine>, KeccakError> {
    check_params(params, shape.k)?;
    let circuit = KeccakCircuit::keygen(shape)?;
    keygen_vk_custom(params, &circuit, true).map_err(|e| KeccakError::Halo2(e.to_string()))
}

/// Proves `batch` with the key of shape `shape`, and checks the proof before returning it.
pub fn prove_batch(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    shape: KeccakParams,
    batch: &KeccakBatch,
) -> Result<KeccakProof, KeccakError> {
    check_params(params, shape.k)?;
    let circuit = KeccakCircuit::new(shape, batch)?.for_prover();
    let instances = KeccakCircuit::instances(&circuit).concat();
    let snark = prove_snark(params, pk, circuit, instances, None).map_err(KeccakError::Halo2)?;
    let proof =
        KeccakProof { snark, chain_start: batch.chain_start(), chain_end: batch.chain_end() };
    verify_batch(params, pk.get_vk(), &proof)?;
    Ok(proof)
}

/// Verifies a batch proof; its instances must be its chain values.
pub fn verify_batch(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &KeccakProof,
) -> Result<(), KeccakError> {
    if !verify_with_instances(params, vk, &proof.snark, &[proof.chain_start, proof.chain_end]) {
        return Err(KeccakError::Invalid);
    }
    Ok(())
}
