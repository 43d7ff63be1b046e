//! Shared helpers of the secp256k1 circuit tests: signatures from `k256`, the failure
//! cases by construction, and MockProver runs of a batch (honest or with one cell changed).
#![allow(dead_code, clippy::unwrap_used)]

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_base::halo2_proofs::plonk::Assigned;
use halo2_base::AssignedValue;
use k256::ecdsa::SigningKey;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use k256::elliptic_curve::PrimeField;
use k256::{ProjectivePoint, Scalar, U256};
use precompiles::secp256k1::call::Hints;
use precompiles::secp256k1::circuit::{synthesize, synthesize_with_hints, BatchCells};
use precompiles::secp256k1::{SecpBatch, SecpCall, SecpShape};
use precompiles::Fr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// One slot per 2^18 rows: a MockProver run takes seconds.
pub(crate) fn shape(capacity: usize) -> SecpShape {
    SecpShape::new(18, capacity)
}

/// The input bytes of `(hash, r, s, v)`.
pub(crate) fn input(hash: [u8; 32], r: [u8; 32], s: [u8; 32], v: u32) -> [u8; 100] {
    let mut input = [0u8; 100];
    input[..32].copy_from_slice(&hash);
    input[32..64].copy_from_slice(&r);
    input[64..96].copy_from_slice(&s);
    input[96..].copy_from_slice(&v.to_le_bytes());
    input
}

/// A random signature from `seed` and the signer's key (x ‖ y) as `k256` gives it.
pub(crate) fn signed(seed: u64) -> ([u8; 100], [u8; 64]) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let key = SigningKey::from_slice(&rng.gen::<[u8; 32]>()).unwrap();
    let hash: [u8; 32] = rng.gen();
    let (signature, id) = key.sign_prehash_recoverable(&hash).unwrap();
    let bytes = signature.to_bytes();
    let input = input(
        hash,
        bytes[..32].try_into().unwrap(),
        bytes[32..].try_into().unwrap(),
        u32::from(id.is_y_odd()),
    );
    let point = key.verifying_key().to_encoded_point(false);
    (input, point.as_bytes()[1..].try_into().unwrap())
}

/// The high-s twin of a signature: `(r, n − s, 1 − v)`, which recovers the same key.
pub(crate) fn high_s(input: [u8; 100]) -> [u8; 100] {
    let s = scalar(&input[64..96]);
    let mut out = input;
    out[64..96].copy_from_slice(&(-s).to_bytes());
    let v = u32::from_le_bytes(input[96..].try_into().unwrap());
    out[96..].copy_from_slice(&(1 - v).to_le_bytes());
    out
}

fn scalar(bytes: &[u8]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(bytes.into())
}

/// n, big-endian.
pub(crate) fn order() -> [u8; 32] {
    hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
}

/// A 32-byte value from hex.
pub(crate) fn hex(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// `(R, r)` for the point `k·G`, with `R`'s recovery id.
fn nonce_point(k: Scalar) -> ([u8; 32], u32) {
    let point = (ProjectivePoint::GENERATOR * k).to_affine();
    (point.x().into(), u32::from(bool::from(point.y_is_odd())))
}

/// An input whose recovery sums two equal points: `(s/r)·R = (−z/r)·G`, so `Q = 2(s/r)·R`.
pub(crate) fn doubling(seed: u64) -> [u8; 100] {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let k = scalar(&rng.gen::<[u8; 32]>());
    let s = scalar(&rng.gen::<[u8; 32]>());
    let (r, v) = nonce_point(k);
    let z = -(s * k);
    input(z.to_bytes().into(), r, s.to_bytes().into(), v)
}

/// An input whose recovered point is at infinity: `s·R = z·G`.
pub(crate) fn at_infinity(seed: u64) -> [u8; 100] {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let k = scalar(&rng.gen::<[u8; 32]>());
    let s = scalar(&rng.gen::<[u8; 32]>());
    let (r, v) = nonce_point(k);
    input((s * k).to_bytes().into(), r, s.to_bytes().into(), v)
}

/// An `r` below n with no curve point of that x (`r³ + 7` is not a square mod p).
pub(crate) fn r_off_curve() -> [u8; 32] {
    (1u64..)
        .map(|x| {
            let mut r = [0u8; 32];
            r[24..].copy_from_slice(&x.to_be_bytes());
            r
        })
        .find(|r| {
            let point = k256::AffinePoint::decompress(r.into(), 0u8.into());
            bool::from(point.is_none())
        })
        .unwrap()
}

/// Whether `Scalar` parses `bytes` (for the tests' own sanity).
pub(crate) fn is_scalar(bytes: [u8; 32]) -> bool {
    bool::from(Scalar::from_repr(bytes.into()).is_some())
}

/// The builder of `batch` in the mock stage, its cells, and its public inputs.
pub(crate) fn build(
    shape: &SecpShape,
    batch: &SecpBatch,
) -> (halo2_base::gates::circuit::builder::BaseCircuitBuilder<Fr>, BatchCells) {
    let mut builder = shape.builder(CircuitBuilderStage::Mock);
    let cells = synthesize(&mut builder, shape, batch).unwrap();
    (builder, cells)
}

/// The MockProver verdict on `batch` laid out with the prover's `hints`, with `tamper`'s
/// cell changes applied afterwards. The public inputs are the batch's claimed chain.
pub(crate) fn verdict_full(
    shape: &SecpShape,
    batch: &SecpBatch,
    hints: impl Fn(usize, &SecpCall) -> Hints,
    tamper: impl FnOnce(&BatchCells) -> Vec<(AssignedValue<Fr>, Fr)>,
) -> Result<(), Vec<VerifyFailure>> {
    let mut builder = shape.builder(CircuitBuilderStage::Mock);
    let cells = synthesize_with_hints(&mut builder, shape, batch, hints).unwrap();
    for (cell, value) in tamper(&cells) {
        let offset = cell.cell.unwrap().offset;
        builder.main(0).advice[offset] = Assigned::Trivial(value);
    }
    builder.calculate_params(Some(20));
    let instances = vec![vec![batch.chain_start(), batch.chain_end()]];
    MockProver::run(shape.k, &builder, instances).unwrap().verify()
}

/// The MockProver verdict on `batch`, with `tamper` applied to the cells first.
pub(crate) fn verdict_with(
    shape: &SecpShape,
    batch: &SecpBatch,
    tamper: impl FnOnce(&BatchCells) -> Vec<(AssignedValue<Fr>, Fr)>,
) -> Result<(), Vec<VerifyFailure>> {
    verdict_full(shape, batch, |_, call| call.hints(), tamper)
}

/// The honest MockProver verdict on `batch`.
pub(crate) fn verdict(shape: &SecpShape, batch: &SecpBatch) -> Result<(), Vec<VerifyFailure>> {
    verdict_with(shape, batch, |_| Vec::new())
}

/// A batch of `calls` (each with the executor's answer) from chain value 5.
pub(crate) fn batch(inputs: &[[u8; 100]]) -> SecpBatch {
    SecpBatch::new(inputs.iter().map(|i| SecpCall::new(*i)).collect(), Fr::from(5))
}
