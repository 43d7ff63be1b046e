//! The Poseidon custom gate: MockProver accepts permutations computed natively and
//! rejects each kind of tampered cell (full-round and partial-row states, S-box squares,
//! partial-round S-box outputs); the gate stays at degree 4; a real SHPLONK proof of it
//! verifies.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use circuits::poseidon::chip::{
    first_round_of_row, is_full_row, PermutationTrace, PoseidonConfig, PARTIAL_ROUNDS_PER_ROW,
    ROUND_ROWS, ROWS_PER_PERMUTATION,
};
use circuits::poseidon::{permute, PoseidonConstants, WIDTH};
use circuits::Fr;
use halo2_base::halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner},
    dev::MockProver,
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Permutations laid out back to back; each exposes its input and output words as
/// public inputs (rows 6p .. 6p + 6).
#[derive(Clone, Default)]
struct PermutationsCircuit {
    traces: Vec<PermutationTrace>,
}

#[derive(Clone)]
struct TestConfig {
    poseidon: PoseidonConfig,
    instance: Column<Instance>,
}

impl Circuit<Fr> for PermutationsCircuit {
    type Config = TestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> TestConfig {
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        TestConfig { poseidon: PoseidonConfig::configure(meta), instance }
    }

    fn synthesize(&self, config: TestConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let cells = layouter.assign_region(
            || "permutations",
            |mut region| {
                self.traces
                    .iter()
                    .enumerate()
                    .map(|(p, t)| config.poseidon.assign(&mut region, p * ROWS_PER_PERMUTATION, t))
                    .collect::<Result<Vec<_>, _>>()
            },
        )?;
        for (p, cells) in cells.iter().enumerate() {
            for (i, cell) in cells.input.iter().chain(&cells.output).enumerate() {
                layouter.constrain_instance(*cell, config.instance, 2 * WIDTH * p + i);
            }
        }
        Ok(())
    }
}

impl PermutationsCircuit {
    fn random(count: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let traces = (0..count)
            .map(|_| PermutationTrace::new([(); WIDTH].map(|_| Fr::from(rng.gen::<u64>()))))
            .collect();
        Self { traces }
    }

    fn public_inputs(&self) -> Vec<Fr> {
        self.traces.iter().flat_map(|t| t.input().into_iter().chain(t.output())).collect()
    }
}

const K: u32 = 8;

fn verify(circuit: &PermutationsCircuit, public: Vec<Fr>) -> bool {
    MockProver::run(K, circuit, vec![public]).unwrap().verify().is_ok()
}

#[test]
fn valid_permutations_are_accepted_and_match_the_native_hash() {
    let circuit = PermutationsCircuit::random(3, 1);
    for trace in &circuit.traces {
        let mut expected = trace.input();
        permute(&mut expected);
        assert_eq!(trace.output(), expected);
    }
    assert!(verify(&circuit, circuit.public_inputs()));
}

/// Changes one cell of the witness (keeping the public inputs of the honest run) and
/// expects MockProver to reject it.
fn rejects(tamper: impl FnOnce(&mut PermutationTrace)) {
    let honest = PermutationsCircuit::random(2, 7);
    let public = honest.public_inputs();
    let mut tampered = honest.clone();
    tamper(&mut tampered.traces[1]);
    assert_ne!(tampered.traces, honest.traces, "the tamper changed nothing");
    assert!(!verify(&tampered, public), "tampered witness accepted");
}

/// A full round row, a partial row (rounds 31, 32, 33) and the last round row.
const FIRST_FULL: usize = 1;
const PARTIAL: usize = 13;
const LAST_FULL: usize = ROUND_ROWS - 1;

#[test]
fn tampered_full_round_state_is_rejected() {
    rejects(|t| t.states[FIRST_FULL + 1][1] += Fr::one());
    rejects(|t| t.states[LAST_FULL][2] += Fr::one());
}

#[test]
fn tampered_partial_row_state_is_rejected() {
    rejects(|t| t.states[PARTIAL][0] += Fr::one());
    rejects(|t| t.states[PARTIAL][2] += Fr::one());
}

#[test]
fn tampered_sbox_squares_and_outputs_are_rejected() {
    rejects(|t| t.aux[FIRST_FULL][2] += Fr::one());
    rejects(|t| t.aux[PARTIAL][0] += Fr::one());
    rejects(|t| t.aux[PARTIAL][PARTIAL_ROUNDS_PER_ROW + 1] += Fr::one());
}

#[test]
fn tampered_output_is_rejected() {
    rejects(|t| t.states[ROUND_ROWS][1] += Fr::one());
}

/// Replaces the state after round row `r` with `state` and recomputes every later row
/// honestly, as a cheating prover who wants a consistent-looking trace would.
fn continue_from(mut t: PermutationTrace, r: usize, state: [Fr; WIDTH]) -> PermutationTrace {
    let rest = PermutationTrace::from_row(r + 1, state);
    t.states.truncate(r + 1);
    t.states.extend(rest.states);
    t.aux.truncate(r + 1);
    t.aux.extend(rest.aux);
    t
}

/// `M · y`.
fn mix(y: [Fr; WIDTH]) -> [Fr; WIDTH] {
    let mds = PoseidonConstants::get().mds;
    [0, 1, 2].map(|i| (0..WIDTH).map(|j| mds[i][j] * y[j]).sum())
}

/// Round row `r` of `trace` computed with `fake` in auxiliary cell `cell` (a square, or on
/// a partial row an S-box output), every other cell of the row following from it, and the
/// rest of the trace recomputed from there. Only the constraint that defines that one cell
/// can catch this.
fn with_fake_aux(trace: &PermutationTrace, r: usize, cell: usize, fake: Fr) -> PermutationTrace {
    let constants = PoseidonConstants::get();
    let first = first_round_of_row(r);
    let mut aux = trace.aux[r];
    aux[cell] = fake;
    let mut state = trace.states[r];
    if is_full_row(r) {
        let c = constants.round_constants[first];
        state = mix([0, 1, 2].map(|j| {
            let x = state[j] + c[j];
            aux[j] * aux[j] * x
        }));
    } else {
        for j in 0..PARTIAL_ROUNDS_PER_ROW {
            let c = constants.round_constants[first + j];
            let x = [0, 1, 2].map(|i| state[i] + c[i]);
            if cell != j {
                aux[j] = x[0] * x[0];
            }
            if cell != PARTIAL_ROUNDS_PER_ROW + j {
                aux[PARTIAL_ROUNDS_PER_ROW + j] = aux[j] * aux[j] * x[0];
            }
            state = mix([aux[PARTIAL_ROUNDS_PER_ROW + j], x[1], x[2]]);
        }
    }
    let mut t = continue_from(trace.clone(), r, state);
    t.aux[r] = aux;
    t
}

fn rejects_with_matching_public_inputs(tampered: &PermutationsCircuit) {
    let public = tampered.public_inputs();
    assert!(!verify(tampered, public), "consistently tampered witness accepted");
}

#[test]
fn a_fake_square_or_sbox_output_is_rejected_even_with_a_consistent_rest_of_the_trace() {
    let honest = PermutationsCircuit::random(1, 11);
    let p = PARTIAL_ROUNDS_PER_ROW;
    for (r, cell) in [
        (FIRST_FULL, 1),
        (PARTIAL, 0),
        (PARTIAL, 2),
        (PARTIAL, p),
        (PARTIAL, p + 2),
        (LAST_FULL, 2),
    ] {
        let fake = honest.traces[0].aux[r][cell] + Fr::from(3u64);
        let tampered = with_fake_aux(&honest.traces[0], r, cell, fake);
        assert_ne!(tampered.output(), honest.traces[0].output());
        rejects_with_matching_public_inputs(&PermutationsCircuit { traces: vec![tampered] });
    }
}

#[test]
fn a_skipped_round_is_rejected_even_with_matching_public_inputs() {
    // The state after round row r replaced by the state before it (row r skipped).
    let honest = PermutationsCircuit::random(1, 13);
    for r in [FIRST_FULL, PARTIAL, LAST_FULL] {
        let t = continue_from(honest.traces[0].clone(), r, honest.traces[0].states[r]);
        rejects_with_matching_public_inputs(&PermutationsCircuit { traces: vec![t] });
    }
}

#[test]
fn a_wrong_public_output_is_rejected_and_so_is_a_wrong_input() {
    let circuit = PermutationsCircuit::random(2, 9);
    let mut public = circuit.public_inputs();
    public[2 * WIDTH + WIDTH + 1] += Fr::one(); // second permutation, output word 1
    assert!(!verify(&circuit, public));
    let mut public = circuit.public_inputs();
    public[0] += Fr::one();
    assert!(!verify(&circuit, public));
}

#[test]
fn the_gate_has_degree_four() {
    let mut meta = ConstraintSystem::<Fr>::default();
    PermutationsCircuit::configure(&mut meta);
    let degree = meta.gates().iter().flat_map(|g| g.polynomials()).map(|p| p.degree()).max();
    assert_eq!(degree, Some(4));
}

#[test]
fn a_real_shplonk_proof_verifies() {
    use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
    use halo2_base::halo2_proofs::{
        plonk::{create_proof, keygen_pk, keygen_vk, verify_proof},
        poly::commitment::ParamsProver,
        poly::kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
        transcript::{
            Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
        },
    };

    // Insecure test parameters from a fixed seed.
    let params = ParamsKZG::<Bn256>::setup(K, ChaCha8Rng::seed_from_u64(42));
    let circuit = PermutationsCircuit::random(2, 3);
    let vk = keygen_vk(&params, &PermutationsCircuit::default()).unwrap();
    let pk = keygen_pk(&params, vk, &PermutationsCircuit::default()).unwrap();
    let public = circuit.public_inputs();

    let prove = |circuit: PermutationsCircuit, public: &[Fr]| {
        let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
        create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            &params,
            &pk,
            &[circuit],
            &[&[public]],
            ChaCha8Rng::seed_from_u64(5),
            &mut transcript,
        )
        .unwrap();
        transcript.finalize()
    };
    let check = |proof: &[u8], public: &[Fr]| {
        let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(proof);
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
            params.verifier_params(),
            pk.get_vk(),
            SingleStrategy::new(&params),
            &[&[public]],
            &mut transcript,
        )
        .is_ok()
    };
    let proof = prove(circuit, &public);
    assert!(check(&proof, &public));
    let mut wrong = public;
    wrong[4] += Fr::one();
    assert!(!check(&proof, &wrong), "the proof must not verify for another output");
}
