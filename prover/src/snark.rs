//! Proving and checking one circuit's snark: SHPLONK with the Poseidon transcript for the
//! tree's inner proofs (what the aggregation circuits read), and with the Keccak (EVM)
//! transcript for the wrapper (what the Solidity verifier reads). Every proof is checked
//! before it is returned, accumulator included.

use circuits::Fr;
use halo2_base::halo2_proofs::arithmetic::CurveAffine;
use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, Fq, G1Affine},
    plonk::{verify_proof, Circuit, ProvingKey, VerifyingKey},
    poly::{
        commitment::ParamsProver,
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::VerifierSHPLONK,
            strategy::SingleStrategy,
        },
    },
    transcript::{TranscriptReadBuffer, TranscriptWriterBuffer},
};
use snark_verifier_sdk::{
    snark_verifier::{
        loader::native::NativeLoader,
        pcs::{
            kzg::{KzgAccumulator, KzgDecidingKey},
            AccumulationDecider,
        },
        system::halo2::transcript::evm::EvmTranscript,
        util::arithmetic::fe_from_limbs,
    },
    Snark, BITS, LIMBS, SHPLONK,
};

use crate::node::ACCUMULATOR_LIMBS;
use circuits::snark::{create_proof_freeing_circuit, prove_snark, verify_snark};

/// Why a proof could not be made or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum SnarkError {
    /// halo2 refused (keygen or proving): the witness does not satisfy the circuit.
    #[error("halo2: {0}")]
    Halo2(String),
    /// The proof does not verify.
    #[error("the proof does not verify")]
    Invalid,
    /// The accumulator in the public inputs fails its pairing check.
    #[error("the aggregated accumulator fails its pairing check")]
    Accumulator,
}

/// Proves `circuit` with the Poseidon transcript and returns it as a snark for the next
/// node, after checking it (and its accumulator, if it has one).
pub fn prove_poseidon<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: Vec<Fr>,
    has_accumulator: bool,
) -> Result<Snark, SnarkError> {
    let accumulator = has_accumulator.then(|| (0..ACCUMULATOR_LIMBS).map(|i| (0, i)).collect());
    let snark =
        prove_snark(params, pk, circuit, instances, accumulator).map_err(SnarkError::Halo2)?;
    verify_poseidon(params, pk.get_vk(), &snark, has_accumulator)?;
    Ok(snark)
}

/// Checks a Poseidon-transcript snark against `vk`.
pub fn verify_poseidon(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    snark: &Snark,
    has_accumulator: bool,
) -> Result<(), SnarkError> {
    if !verify_snark(params, vk, snark) {
        return Err(SnarkError::Invalid);
    }
    if has_accumulator {
        check_accumulator(params, snark.instances.first().map_or(&[][..], Vec::as_slice))?;
    }
    Ok(())
}

/// Proves `circuit` with the Keccak transcript (the EVM verifier's) and checks it.
pub fn prove_evm<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>, SnarkError> {
    let mut transcript: EvmTranscript<G1Affine, NativeLoader, Vec<u8>, Vec<u8>> =
        TranscriptWriterBuffer::<_, G1Affine, _>::init(Vec::new());
    create_proof_freeing_circuit(params, pk, circuit, instances, &mut transcript)
        .map_err(|e| SnarkError::Halo2(e.to_string()))?;
    let proof: Vec<u8> = transcript.finalize();
    verify_evm(params, pk.get_vk(), instances, &proof)?;
    Ok(proof)
}

/// Checks an EVM-transcript proof and the accumulator in its first public inputs.
pub fn verify_evm(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    proof: &[u8],
) -> Result<(), SnarkError> {
    let mut transcript = TranscriptReadBuffer::<_, G1Affine, _>::init(proof);
    verify_proof::<
        KZGCommitmentScheme<Bn256>,
        VerifierSHPLONK<'_, Bn256>,
        _,
        EvmTranscript<_, _, _, _>,
        _,
    >(
        params.verifier_params(), vk, SingleStrategy::new(params), &[&[instances]], &mut transcript
    )
    .map_err(|_| SnarkError::Invalid)?;
    check_accumulator(params, instances)
}

/// The pairing check of the KZG accumulator whose limbs open `instances`:
/// `e(lhs, g2) = e(rhs, s·g2)`. Every proof below the node was folded into it.
pub fn check_accumulator(params: &ParamsKZG<Bn256>, instances: &[Fr]) -> Result<(), SnarkError> {
    let limbs = instances.get(..ACCUMULATOR_LIMBS).ok_or(SnarkError::Accumulator)?;
    let coordinate = |i: usize| {
        fe_from_limbs::<Fr, Fq, LIMBS, BITS>(
            limbs[i * LIMBS..(i + 1) * LIMBS].try_into().expect("LIMBS limbs"),
        )
    };
    let point = |x: Fq, y: Fq| Option::<G1Affine>::from(G1Affine::from_xy(x, y));
    let lhs = point(coordinate(0), coordinate(1)).ok_or(SnarkError::Accumulator)?;
    let rhs = point(coordinate(2), coordinate(3)).ok_or(SnarkError::Accumulator)?;
    let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
    <SHPLONK as AccumulationDecider<G1Affine, NativeLoader>>::decide(
        &dk,
        KzgAccumulator::new(lhs, rhs),
    )
    .map_err(|_| SnarkError::Accumulator)
}
