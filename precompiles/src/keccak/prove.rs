//! Keys, proofs and verification of keccak batches: SHPLONK over BN254 with the Poseidon
//! transcript, so a [`KeccakProof`]'s snark is what the aggregation circuits take.

use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, ProvingKey, VerifyingKey},
    poly::{
        commitment::{Params, ParamsProver},
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
    },
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use snark_verifier_sdk::{
    halo2::{PoseidonTranscript, POSEIDON_SPEC},
    snark_verifier::{
        loader::native::NativeLoader,
        system::halo2::{compile, Config},
    },
    CircuitExt, Snark,
};

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
    check_params(params, shape.k)?;
    let circuit = KeccakCircuit::keygen(shape)?;
    let vk = keygen_vk(params, &circuit).map_err(|e| KeccakError::Halo2(e.to_string()))?;
    keygen_pk(params, vk, &circuit).map_err(|e| KeccakError::Halo2(e.to_string()))
}

/// Proves `batch` with the key of shape `shape`, and checks the proof before returning it.
pub fn prove_batch(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    shape: KeccakParams,
    batch: &KeccakBatch,
) -> Result<KeccakProof, KeccakError> {
    check_params(params, shape.k)?;
    let circuit = KeccakCircuit::new(shape, batch)?;
    let instances = circuit.instances();
    let protocol =
        compile(params, pk.get_vk(), Config::kzg().with_num_instance(vec![NUM_PUBLIC_INPUTS]));
    let mut transcript =
        PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
    let instance_refs: Vec<&[Fr]> = instances.iter().map(Vec::as_slice).collect();
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&instance_refs],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )
    .map_err(|e| KeccakError::Halo2(e.to_string()))?;
    let proof = KeccakProof {
        snark: Snark::new(protocol, instances, transcript.finalize()),
        chain_start: batch.chain_start(),
        chain_end: batch.chain_end(),
    };
    verify_batch(params, pk.get_vk(), &proof)?;
    Ok(proof)
}

/// Verifies a batch proof; its instances must be its chain values.
pub fn verify_batch(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &KeccakProof,
) -> Result<(), KeccakError> {
    if proof.snark.instances != vec![vec![proof.chain_start, proof.chain_end]] {
        return Err(KeccakError::Invalid);
    }
    let instance_refs: Vec<&[Fr]> = proof.snark.instances.iter().map(Vec::as_slice).collect();
    let mut transcript = PoseidonTranscript::<NativeLoader, &[u8]>::from_spec(
        &proof.snark.proof[..],
        POSEIDON_SPEC.clone(),
    );
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[&instance_refs],
        &mut transcript,
    )
    .map_err(|_| KeccakError::Invalid)
}
