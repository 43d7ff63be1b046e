//! Keys, proofs and verification of recovery batches: SHPLONK over BN254 with the Poseidon
//! transcript, so a [`SecpProof`]'s snark is what the aggregation circuits take.
//!
//! A builder circuit's layout (its column counts and where each thread breaks into the
//! next column) is fixed at keygen and travels with the proving key in [`SecpKey`].

use circuits::snark::{prove_snark, verify_with_instances};
use circuits::Fr;
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, CircuitBuilderStage};
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{keygen_pk, keygen_vk, ProvingKey, VerifyingKey},
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use snark_verifier_sdk::Snark;

use super::batch::SecpBatch;
use super::circuit::{synthesize, SecpShape, MINIMUM_ROWS};
use super::SecpError;

/// A batch circuit's proving key and the layout it was made for.
#[derive(Debug, Clone)]
pub struct SecpKey {
    /// The shape.
    pub shape: SecpShape,
    /// The column counts the builder chose at keygen.
    pub config: BaseCircuitParams,
    /// Where each phase's cells break into the next column.
    pub break_points: MultiPhaseThreadBreakPoints,
    /// The proving key.
    pub pk: ProvingKey<G1Affine>,
}

/// A batch proof: the snark and the chain values it proves.
#[derive(Debug, Clone)]
pub struct SecpProof {
    /// The snark, ready for aggregation.
    pub snark: Snark,
    /// The secp chain before the batch.
    pub chain_start: Fr,
    /// The secp chain after the batch.
    pub chain_end: Fr,
}

fn check_params(params: &ParamsKZG<Bn256>, k: u32) -> Result<(), SecpError> {
    if params.k() != k {
        return Err(SecpError::ParamsSize { params: params.k(), circuit: k });
    }
    Ok(())
}

/// The layout of a shape: a keygen-stage builder over idle slots, and its column counts.
pub fn layout(shape: SecpShape) -> Result<(BaseCircuitBuilder<Fr>, BaseCircuitParams), SecpError> {
    let mut builder = shape.builder(CircuitBuilderStage::Keygen);
    synthesize(&mut builder, &shape, &SecpBatch::new(Vec::new(), Fr::zero()))?;
    let config = builder.calculate_params(Some(MINIMUM_ROWS));
    Ok((builder, config))
}

/// Generates the proving key of the circuit of shape `shape` (`params` of size `shape.k`).
pub fn keygen(params: &ParamsKZG<Bn256>, shape: SecpShape) -> Result<SecpKey, SecpError> {
    check_params(params, shape.k)?;
    let (builder, config) = layout(shape)?;
    let vk = keygen_vk(params, &builder).map_err(|e| SecpError::Halo2(e.to_string()))?;
    let pk = keygen_pk(params, vk, &builder).map_err(|e| SecpError::Halo2(e.to_string()))?;
    Ok(SecpKey { shape, config, break_points: builder.break_points(), pk })
}

/// Proves `batch` with `key`, and checks the proof before returning it.
pub fn prove_batch(
    params: &ParamsKZG<Bn256>,
    key: &SecpKey,
    batch: &SecpBatch,
) -> Result<SecpProof, SecpError> {
    check_params(params, key.shape.k)?;
    let mut builder = BaseCircuitBuilder::prover(key.config.clone(), key.break_points.clone());
    let cells = synthesize(&mut builder, &key.shape, batch)?;
    let instances = vec![*cells.chain_start.value(), *cells.chain_end.value()];
    let snark = prove_snark(params, &key.pk, builder, instances, None).map_err(SecpError::Halo2)?;
    let proof = SecpProof { snark, chain_start: batch.chain_start(), chain_end: batch.chain_end() };
    verify_batch(params, key.pk.get_vk(), &proof)?;
    Ok(proof)
}

/// Verifies a batch proof; its instances must be its chain values.
pub fn verify_batch(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &SecpProof,
) -> Result<(), SecpError> {
    if !verify_with_instances(params, vk, &proof.snark, &[proof.chain_start, proof.chain_end]) {
        return Err(SecpError::Invalid);
    }
    Ok(())
}
