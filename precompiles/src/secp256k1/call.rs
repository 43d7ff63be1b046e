//! One `SECP256K1_RECOVER` call on the host: its bytes, the numbers they encode, the
//! answer the executor gives (`vm::precompiles::secp256k1_recover`, the reference the
//! circuit must agree with), and the hints the circuit's prover witnesses.

use abi::syscall::{SECP256K1_RECOVER_INPUT_BYTES, SECP256K1_RECOVER_OUTPUT_BYTES};
use circuits::chains::{call_values, pack_values};
use circuits::Fr;
use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_base::halo2_proofs::halo2curves::secp256k1::{Fp, Fq, Secp256k1Affine};
use halo2_base::halo2_proofs::halo2curves::CurveAffine;
use halo2_base::utils::{biguint_to_fe, fe_to_biguint, modulus};
use num_bigint::BigUint;
use vm::trace::PrecompileCall;

use super::{glv, SecpError};

/// Bytes of a call's input: hash ‖ r ‖ s (32 bytes each, big-endian) ‖ v (a little-endian
/// 32-bit word).
pub const INPUT_BYTES: usize = SECP256K1_RECOVER_INPUT_BYTES;
/// Bytes of a recovered key: x ‖ y, big-endian, without the `0x04` prefix.
pub const OUTPUT_BYTES: usize = SECP256K1_RECOVER_OUTPUT_BYTES;

/// One recovery call and the answer it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecpCall {
    /// hash ‖ r ‖ s ‖ v.
    pub input: [u8; INPUT_BYTES],
    /// The recovered key, or `None` where the syscall reported failure.
    pub output: Option<[u8; OUTPUT_BYTES]>,
}

impl SecpCall {
    /// The call with the executor's answer for `input`.
    pub fn new(input: [u8; INPUT_BYTES]) -> Self {
        Self { input, output: vm::precompiles::secp256k1_recover(&input) }
    }

    /// The call of a VM trace. `index` names it in the error: a call that is not
    /// `SECP256K1_RECOVER`, is malformed, or whose output is not the executor's answer.
    pub fn from_trace(call: &PrecompileCall, index: usize) -> Result<Self, SecpError> {
        let PrecompileCall::Secp256k1Recover { input, output } = call else {
            return Err(SecpError::NotSecp { index });
        };
        let input: [u8; INPUT_BYTES] =
            input.as_slice().try_into().map_err(|_| SecpError::Malformed { index })?;
        let output = match output {
            None => None,
            Some(key) => {
                Some(key.as_slice().try_into().map_err(|_| SecpError::Malformed { index })?)
            }
        };
        let call = Self { input, output };
        if call.output != vm::precompiles::secp256k1_recover(&input) {
            return Err(SecpError::WrongOutput { index });
        }
        Ok(call)
    }

    /// The call of the idle slots: an all-zero input, which fails (r = 0).
    pub fn idle() -> Self {
        Self { input: [0; INPUT_BYTES], output: None }
    }

    /// The call as a VM trace records it.
    pub fn to_trace(&self) -> PrecompileCall {
        PrecompileCall::Secp256k1Recover {
            input: self.input.to_vec(),
            output: self.output.map(|key| key.to_vec()),
        }
    }

    /// The 14 chain elements the call contributes (as the VM segment circuit folds them).
    pub fn elements(&self) -> Vec<Fr> {
        pack_values(&call_values(&self.to_trace()).1)
    }

    /// The input's 25 little-endian words.
    pub fn input_words(&self) -> Vec<u32> {
        words(&self.input)
    }

    /// The output's 16 little-endian words (zeros on failure).
    pub fn output_words(&self) -> Vec<u32> {
        words(&self.output.unwrap_or([0; OUTPUT_BYTES]))
    }

    /// What the circuit's prover witnesses beside the bytes: whether a curve point has
    /// x = r, the square root `y` of `±(x³ + 7)`, and the splits of `s/r` and `−z/r` (see
    /// [`Hints`]).
    pub fn hints(&self) -> Hints {
        let r = scalar_in_range(&self.input[32..64]);
        let v =
            u32::from_le_bytes([self.input[96], self.input[97], self.input[98], self.input[99]]);
        let generator = Secp256k1Affine::generator();
        let coordinates = generator.coordinates().expect("the generator is a curve point");
        let x: Fp = match r {
            Some(r) => biguint_to_fe(&r),
            None => *coordinates.x(),
        };
        let t = x.square() * x + Fp::from(7);
        let (on_curve, root) = match Option::<Fp>::from(t.sqrt()) {
            Some(y) => (true, y),
            None => (false, Option::from((-t).sqrt()).expect("p = 3 mod 4: t or -t is a square")),
        };
        let want_odd = on_curve && v == 1;
        let y = if is_odd(&root) == want_odd { root } else { -root };
        Hints {
            on_curve,
            y,
            variable_split: glv::split(&fe_to_biguint(&self.variable_scalar())),
            fixed_split: glv::split(&fe_to_biguint(&self.fixed_scalar())),
        }
    }

    /// The scalar of the variable-base multiplication, `s/r` mod n (1 in place of an `r` or
    /// `s` out of range), as the circuit computes it.
    pub fn variable_scalar(&self) -> Fq {
        let s = in_range_or_one(&self.input[64..96]);
        s * self.r_inverse()
    }

    /// The scalar of the generator, `−z/r` mod n (1 in place of an `r` out of range), as
    /// the circuit computes it.
    pub fn fixed_scalar(&self) -> Fq {
        let z = BigUint::from_bytes_be(&self.input[0..32]) % modulus::<Fq>();
        -biguint_to_fe::<Fq>(&z) * self.r_inverse()
    }

    fn r_inverse(&self) -> Fq {
        let r = in_range_or_one(&self.input[32..64]);
        Option::<Fq>::from(r.invert()).expect("r is not zero")
    }
}

/// The big-endian integer of `bytes` as a scalar, or 1 if it is not in `0 < integer < n`.
fn in_range_or_one(bytes: &[u8]) -> Fq {
    scalar_in_range(bytes).map_or(Fq::ONE, |v| biguint_to_fe(&v))
}

/// The big-endian integer of `bytes`, if `0 < integer < n`.
fn scalar_in_range(bytes: &[u8]) -> Option<BigUint> {
    let value = BigUint::from_bytes_be(bytes);
    (value != BigUint::from(0u8) && value < modulus::<Fq>()).then_some(value)
}

/// The prover's hints for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Whether a curve point has x = r (for an r out of range, x is the generator's).
    pub on_curve: bool,
    /// A square root of `x³ + 7` if `on_curve`, else of `−(x³ + 7)` (exactly one of the two
    /// is a square, as p ≡ 3 mod 4 and no point has y = 0). On the curve its parity is the
    /// recovery id's (for an id of 0 or 1).
    pub y: Fp,
    /// The endomorphism split of `R`'s scalar `s/r` ([`glv::split`]).
    pub variable_split: glv::Split,
    /// The endomorphism split of `G`'s scalar `−z/r`.
    pub fixed_split: glv::Split,
}

/// Whether a field element's canonical integer is odd.
pub fn is_odd(x: &Fp) -> bool {
    x.to_repr().as_ref()[0] & 1 == 1
}

fn words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_call_fails_and_a_point_exists_for_its_stand_in_x() {
        let idle = SecpCall::idle();
        assert_eq!(idle, SecpCall::new([0; INPUT_BYTES]));
        assert!(idle.hints().on_curve);
        assert_eq!(idle.elements().len(), 14);
    }

    #[test]
    fn a_trace_call_with_another_answer_is_refused() {
        let mut call = SecpCall::idle().to_trace();
        if let PrecompileCall::Secp256k1Recover { output, .. } = &mut call {
            *output = Some(vec![1; OUTPUT_BYTES]);
        }
        assert!(matches!(SecpCall::from_trace(&call, 3), Err(SecpError::WrongOutput { index: 3 })));
        let short = PrecompileCall::Secp256k1Recover { input: vec![0; 7], output: None };
        assert!(matches!(SecpCall::from_trace(&short, 1), Err(SecpError::Malformed { index: 1 })));
    }
}
