//! One circuit's snark: SHPLONK over BN254 with the Poseidon transcript, the form the
//! aggregation circuits read. Proving and checking, for any circuit with one instance
//! column (the segment circuit, the precompile circuits, the tree's nodes).

use halo2_base::gates::circuit::CircuitBuilderStage;
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
    halo2::aggregation::{AggregationCircuit, AggregationConfigParams, VerifierUniversality},
    halo2::{PoseidonTranscript, POSEIDON_SPEC},
    snark_verifier::{
        loader::native::NativeLoader,
        system::halo2::{compile, Config},
    },
    Snark, SHPLONK,
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

/// What one proof costs to verify inside snark-verifier's `AggregationCircuit` (SHPLONK,
/// sized at k = 21): the cells the aggregating node spends on it, and the columns that
/// makes. Every committed polynomial of the proof costs about 105k advice cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregationCost {
    /// Advice cells.
    pub advice: usize,
    /// Range-check (lookup) cells.
    pub lookup: usize,
    /// Fixed cells.
    pub fixed: usize,
    /// Advice columns at k = 21.
    pub advice_columns: usize,
    /// Lookup advice columns at k = 21.
    pub lookup_columns: usize,
}

/// The [`AggregationCost`] of `snark` (a keygen-stage circuit: no proving).
pub fn aggregation_cost(params: &ParamsKZG<Bn256>, snark: Snark) -> AggregationCost {
    let config = AggregationConfigParams { degree: 21, lookup_bits: 20, ..Default::default() };
    let mut circuit = AggregationCircuit::new::<SHPLONK>(
        CircuitBuilderStage::Keygen,
        config,
        params,
        [snark],
        VerifierUniversality::None,
    );
    let stats = circuit.builder.statistics();
    let sized = circuit.calculate_params(Some(20));
    AggregationCost {
        advice: stats.gate.total_advice_per_phase.iter().sum(),
        lookup: stats.total_lookup_advice_per_phase.iter().sum(),
        fixed: stats.gate.total_fixed,
        advice_columns: sized.num_advice,
        lookup_columns: sized.num_lookup_advice,
    }
}

/// Whether `snark` states exactly `instances` (one instance column) and verifies against
/// `vk`: the check of a precompile batch proof against the chain values it claims.
pub fn verify_with_instances(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    snark: &Snark,
    instances: &[Fr],
) -> bool {
    snark.instances.len() == 1 && snark.instances[0] == instances && verify_snark(params, vk, snark)
}

/// The polynomials a proof under `vk` commits to, each of which costs about 105k cells to
/// verify in the aggregation circuit: advice and fixed columns, three per halo2 lookup, a
/// sigma per permuted column and a product per chunk of them, and the quotient's pieces.
pub fn committed_polys(vk: &VerifyingKey<G1Affine>) -> usize {
    let cs = vk.cs();
    let permutation_columns = cs.permutation().get_columns().len();
    let degree = cs.degree();
    cs.num_advice_columns()
        + cs.num_fixed_columns()
        + 3 * cs.lookups().len()
        + permutation_columns
        + permutation_columns.div_ceil(degree.saturating_sub(2).max(1))
        + degree.saturating_sub(1)
}
