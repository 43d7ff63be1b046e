//! One circuit's snark: SHPLONK over BN254 with the Poseidon transcript, the form the
//! aggregation circuits read. Proving and checking, for any circuit with one instance
//! column (the segment circuit, the precompile circuits, the tree's nodes).

use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{create_proof, verify_proof, Circuit, ProvingKey, VerifyingKey},
    poly::{
        commitment::ParamsProver,
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
    Snark,
};

use crate::Fr;

/// Proves `circuit` with public inputs `instances`. `accumulator` names the instances that
/// hold an aggregated accumulator (for the circuits that verify other proofs). The error is
/// halo2's.
pub fn prove_snark<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: Vec<Fr>,
    accumulator: Option<Vec<(usize, usize)>>,
) -> Result<Snark, String> {
    let config = Config::kzg()
        .with_num_instance(vec![instances.len()])
        .with_accumulator_indices(accumulator);
    let protocol = compile(params, pk.get_vk(), config);
    let mut transcript =
        PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances.as_slice()]],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )
    .map_err(|e| e.to_string())?;
    Ok(Snark::new(protocol, vec![instances], transcript.finalize()))
}

/// Whether `snark`'s proof verifies against `vk` for its instances (the SNARK alone: an
/// aggregated accumulator in the instances is the caller's to check).
pub fn verify_snark(params: &ParamsKZG<Bn256>, vk: &VerifyingKey<G1Affine>, snark: &Snark) -> bool {
    let instances: Vec<&[Fr]> = snark.instances.iter().map(Vec::as_slice).collect();
    let mut transcript = PoseidonTranscript::<NativeLoader, &[u8]>::from_spec(
        &snark.proof[..],
        POSEIDON_SPEC.clone(),
    );
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[&instances],
        &mut transcript,
    )
    .is_ok()
}
