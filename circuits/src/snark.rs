//! One circuit's snark: SHPLONK over BN254 with the Poseidon transcript, the form the
//! aggregation circuits read. Proving and checking, for any circuit with one instance
//! column (the segment circuit, the precompile circuits, the tree's nodes).

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{
        create_proof, create_proof_from_advice, synthesize_witness, verify_proof, AdviceSingle,
        Circuit, Error, ProvingKey, VerifyingKey,
    },
    poly::{
        commitment::ParamsProver,
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
    },
    transcript::{
        Blake2bWrite, Challenge255, EncodedChallenge, TranscriptWrite, TranscriptWriterBuffer,
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
    create_proof_freeing_circuit(params, pk, circuit, &instances, &mut transcript)
        .map_err(|e| e.to_string())?;
    Ok(Snark::new(protocol, vec![instances], transcript.finalize()))
}

/// Proves `circuit` (one instance column) with SHPLONK into `transcript`, and frees the
/// circuit as soon as its witness is out of it.
///
/// `create_proof` holds the circuit until the proof is done, and a halo2-base circuit
/// holds every virtual cell it assigned (0.7 GiB in the root, 2 GiB in a leaf) through
/// the quotient, where a node's memory peaks. A single-phase circuit, which every
/// halo2-base one is (the tree's nodes, the secp256k1 batches), is therefore synthesized
/// on its own first (`synthesize_witness`, into a throwaway transcript), dropped, and
/// proved from its advice columns by `create_proof_from_advice`: the same proof, whose
/// witness no longer shares memory with its builder. A circuit with a later phase (its
/// witness reads challenges: the segment and keccak-f circuits) goes through
/// `create_proof`.
pub fn create_proof_freeing_circuit<C, E, T>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    transcript: &mut T,
) -> Result<(), Error>
where
    C: Circuit<Fr>,
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWrite<G1Affine, E>,
{
    let cs = pk.get_vk().cs();
    let single_phase =
        cs.num_challenges() == 0 && cs.advice_column_phase().iter().all(|&phase| phase == 0);
    if !single_phase {
        return create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            params,
            pk,
            &[circuit],
            &[&[instances]],
            ChaCha20Rng::from_entropy(),
            transcript,
        );
    }
    let mut scratch = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(Vec::new());
    let (_, witness, _) =
        synthesize_witness::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            params,
            pk,
            &[circuit],
            &[&[instances]],
            ChaCha20Rng::from_entropy(),
            &mut scratch,
        )?;
    // The circuit was moved into the statement's temporary array, dropped with it.
    let AdviceSingle { advice_values, advice_polys } =
        witness.into_iter().next().ok_or(Error::InvalidInstances)?;
    drop(advice_polys);
    let advice: Vec<Vec<Fr>> = advice_values.into_iter().map(|column| column.to_vec()).collect();
    create_proof_from_advice::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _>(
        params,
        pk,
        &[instances],
        advice,
        ChaCha20Rng::from_entropy(),
        transcript,
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
    use halo2_base::gates::{GateChip, GateInstructions};
    use halo2_base::halo2_proofs::plonk::{keygen_pk, keygen_vk};

    const K: u32 = 10;

    /// A single-phase circuit that computes `a·b + c` and exposes it.
    fn circuit(
        mut builder: BaseCircuitBuilder<Fr>,
        (a, b, c): (u64, u64, u64),
    ) -> BaseCircuitBuilder<Fr> {
        let gate = GateChip::<Fr>::default();
        let ctx = builder.main(0);
        let [a, b, c] = [a, b, c].map(|v| ctx.load_witness(Fr::from(v)));
        let out = gate.mul_add(ctx, a, b, c);
        builder.assigned_instances[0].push(out);
        builder
    }

    #[test]
    fn a_single_phase_circuit_proved_from_its_advice_verifies_only_for_its_own_instances() {
        let params = crate::params::dev_params(K).expect("parameters");
        let witness = (3, 5, 7);
        let mut keygen = circuit(
            BaseCircuitBuilder::from_stage(CircuitBuilderStage::Keygen)
                .use_k(K as usize)
                .use_instance_columns(1),
            witness,
        );
        let config = keygen.calculate_params(Some(9));
        let vk = keygen_vk(&params, &keygen).expect("vk");
        let pk = keygen_pk(&params, vk, &keygen).expect("pk");
        let break_points = keygen.break_points();
        let cs = pk.get_vk().cs();
        assert!(cs.advice_column_phase().iter().all(|&p| p == 0), "the path under test");

        let prove = |claimed: u64| {
            let prover =
                circuit(BaseCircuitBuilder::prover(config.clone(), break_points.clone()), witness);
            let snark = prove_snark(&params, &pk, prover, vec![Fr::from(claimed)], None)
                .expect("a proof is made whatever it claims");
            verify_snark(&params, pk.get_vk(), &snark)
        };
        assert!(prove(3 * 5 + 7), "the honest proof verifies");
        assert!(!prove(3 * 5 + 8), "a public input the witness does not expose fails");
    }
}
