//! Keys, proofs and verification of one segment: SHPLONK over BN254 with the Poseidon
//! transcript, so a [`SegmentProof`]'s snark is what the aggregation circuits take.

use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{keygen_pk, keygen_vk, ProvingKey, VerifyingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use snark_verifier_sdk::{CircuitExt, Snark};
use vm::trace::SegmentRecord;

use super::{SegmentCircuit, SegmentError, SegmentPublicInputs, SegmentStart, MIN_SEGMENT_K};
use crate::snark::{prove_snark, verify_snark};
use crate::Fr;

/// Number of public inputs of a segment proof.
pub const NUM_PUBLIC_INPUTS: usize = 6 + 2 * crate::chains::Chain::ALL.len();

/// Why a segment could not be proved or a proof did not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The record does not fit the circuit.
    #[error(transparent)]
    Witness(#[from] SegmentError),
    /// The parameters are for another circuit size.
    #[error("the parameters have k = {params}, the key needs {key}")]
    ParamsSize {
        /// The parameters' k.
        params: u32,
        /// The key's k.
        key: u32,
    },
    /// halo2 failed (keygen or proving).
    #[error("halo2: {0}")]
    Halo2(String),
    /// The proof does not verify.
    #[error("the segment proof does not verify")]
    Invalid,
}

/// A segment proof: the snark (protocol, instances, proof bytes) and its public inputs.
#[derive(Debug, Clone)]
pub struct SegmentProof {
    /// The snark, ready for aggregation.
    pub snark: Snark,
    /// The public inputs the instances encode.
    pub public_inputs: SegmentPublicInputs,
}

impl CircuitExt<Fr> for SegmentCircuit {
    fn num_instance(&self) -> Vec<usize> {
        vec![NUM_PUBLIC_INPUTS]
    }

    fn instances(&self) -> Vec<Vec<Fr>> {
        SegmentCircuit::instances(self)
    }
}

/// Generates the proving key of the size-`k` segment circuit (`params` must be size `k`).
pub fn keygen(params: &ParamsKZG<Bn256>, k: u32) -> Result<ProvingKey<G1Affine>, ProveError> {
    if k < MIN_SEGMENT_K {
        return Err(SegmentError::CircuitTooSmall(k).into());
    }
    if params.k() != k {
        return Err(ProveError::ParamsSize { params: params.k(), key: k });
    }
    let circuit = SegmentCircuit::keygen(k);
    let vk = keygen_vk(params, &circuit).map_err(|e| ProveError::Halo2(e.to_string()))?;
    keygen_pk(params, vk, &circuit).map_err(|e| ProveError::Halo2(e.to_string()))
}

fn key_k(vk: &VerifyingKey<G1Affine>) -> u32 {
    vk.get_domain().k()
}

/// Proves `record` from `start` (the memory and chains its predecessors left), and checks
/// the proof before returning it.
pub fn prove_segment(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    record: &SegmentRecord,
    start: &SegmentStart,
) -> Result<SegmentProof, ProveError> {
    let k = key_k(pk.get_vk());
    if params.k() != k {
        return Err(ProveError::ParamsSize { params: params.k(), key: k });
    }
    let circuit = SegmentCircuit::new(k, record, start)?;
    let public_inputs = circuit.public_inputs().ok_or(SegmentError::Malformed("no witness"))?;
    let instances = SegmentCircuit::instances(&circuit).concat();
    let snark = prove_snark(params, pk, circuit, instances, None).map_err(ProveError::Halo2)?;
    let proof = SegmentProof { snark, public_inputs };
    verify_segment(params, pk.get_vk(), &proof)?;
    Ok(proof)
}

/// Verifies a segment proof against the verifying key; the instances must encode the
/// proof's public inputs.
pub fn verify_segment(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &SegmentProof,
) -> Result<(), ProveError> {
    let expected = proof.public_inputs.to_instances();
    if proof.snark.instances.len() != 1 || proof.snark.instances[0] != expected {
        return Err(ProveError::Invalid);
    }
    if !verify_snark(params, vk, &proof.snark) {
        return Err(ProveError::Invalid);
    }
    Ok(())
}
