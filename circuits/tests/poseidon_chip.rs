//! The Poseidon custom gate: MockProver accepts permutations computed natively and
//! rejects each kind of tampered cell; the gate stays at degree 4; a real SHPLONK proof
//! of it verifies.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use circuits::poseidon::chip::{PermutationTrace, PoseidonConfig, ROUNDS, ROWS_PER_PERMUTATION};
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

const FIRST_FULL: usize = 1;
const PARTIAL: usize = 30;
const LAST_FULL: usize = ROUNDS - 1;

#[test]
fn tampered_full_round_state_is_rejected() {
    rejects(|t| t.states[FIRST_FULL + 1][1] += Fr::one());
    rejects(|t| t.states[LAST_FULL][2] += Fr::one());
}

#[test]
fn tampered_partial_round_state_is_rejected() {
    rejects(|t| t.states[PARTIAL][0] += Fr::one());
    rejects(|t| t.states[PARTIAL][2] += Fr::one());
}

#[test]
fn tampered_sbox_squares_are_rejected() {
    rejects(|t| t.squares[FIRST_FULL][2] += Fr::one());
    rejects(|t| t.squares[PARTIAL][0] += Fr::one());
}

#[test]
fn tampered_output_is_rejected() {
    rejects(|t| t.states[ROUNDS][1] += Fr::one());
}

/// Replaces the state after round `r` with `state` and recomputes every later round
/// honestly, as a cheating prover who wants a consistent-looking trace would.
fn continue_from(mut t: PermutationTrace, r: usize, state: [Fr; WIDTH]) -> PermutationTrace {
    let rest = PermutationTrace::from_round(r + 1, state);
    t.states.truncate(r + 1);
    t.states.extend(rest.states);
    t.squares.truncate(r + 1);
    t.squares.extend(rest.squares);
    t
}

/// Round `r` of `trace` computed with `fake` as the square of word `i`'s S-box input,
/// and the rest recomputed from there. Only the square constraint can catch this.
fn with_fake_square(trace: &PermutationTrace, r: usize, i: usize, fake: Fr) -> PermutationTrace {
    let constants = PoseidonConstants::get();
    let mut t = trace.clone();
    t.squares[r][i] = fake;
    let full = PoseidonConstants::is_full_round(r);
    let y: Vec<Fr> = (0..WIDTH)
        .map(|j| {
            let x = t.states[r][j] + constants.round_constants[r][j];
            if full || j == 0 {
                t.squares[r][j] * t.squares[r][j] * x
            } else {
                x
            }
        })
        .collect();
    let mut state = [Fr::zero(); WIDTH];
    for (k, word) in state.iter_mut().enumerate() {
        *word = (0..WIDTH).map(|j| constants.mds[k][j] * y[j]).sum();
    }
    let squares = t.squares[r];
    let mut t = continue_from(t, r, state);
    t.squares[r] = squares;
    t
}

fn rejects_with_matching_public_inputs(tampered: &PermutationsCircuit) {
    let public = tampered.public_inputs();
    assert!(!verify(tampered, public), "consistently tampered witness accepted");
}

#[test]
fn a_fake_square_is_rejected_even_with_a_consistent_rest_of_the_trace() {
    let honest = PermutationsCircuit::random(1, 11);
    for (r, i) in [(FIRST_FULL, 1), (PARTIAL, 0), (LAST_FULL, 2)] {
        let fake = honest.traces[0].squares[r][i] + Fr::from(3u64);
        let tampered = with_fake_square(&honest.traces[0], r, i, fake);
        assert_ne!(tampered.output(), honest.traces[0].output());
        rejects_with_matching_public_inputs(&PermutationsCircuit { traces: vec![tampered] });
    }
}

#[test]
fn a_skipped_round_is_rejected_even_with_matching_public_inputs() {
    // The state after round r replaced by the state before it (round r skipped).
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
