//! keccak-f\[1600\] as the circuit computes it: the round constants, the ρ offsets, π, and
//! the state in *sparse* form, where lane bit `z` becomes base-7 digit `z`. Adding sparse
//! lanes adds their bits digit by digit without carries (at most 6 ones per digit), so
//! θ's column parities and the state update are sums; a lookup then maps each digit to its
//! parity (or, for χ, to `a ⊕ (¬b ∧ c)`).

/// The number of rounds.
pub const ROUNDS: usize = 24;
/// Lanes in the state, indexed `x + 5·y`.
pub const LANES: usize = 25;
/// Bits in a lane.
pub const LANE_BITS: usize = 64;
/// The sparse base: a digit holds up to six ones.
pub const BASE: u64 = 7;

/// ι's round constants.
pub const ROUND_CONSTANTS: [u64; ROUNDS] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// ρ's rotation of lane `x + 5·y`.
pub const RHO_OFFSETS: [usize; LANES] =
    [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

/// The lane index `x + 5·y`.
pub const fn lane(x: usize, y: usize) -> usize {
    x % 5 + 5 * (y % 5)
}

/// Where π moves lane `x + 5·y`: to `(y, 2x + 3y)`.
pub const fn pi(index: usize) -> usize {
    let (x, y) = (index % 5, index / 5);
    lane(y, 2 * x + 3 * y)
}

/// χ's digit map: the digit `3 − 2a + b − c` of bits `a, b, c` (in `0..=4`) to
/// `a ⊕ (¬b ∧ c)`.
pub const CHI_OF_DIGIT: [u64; 5] = [0, 1, 1, 0, 0];

/// A lane's 64 bits as digits (one per bit, least significant first).
pub fn digits(lane: u64) -> [u8; LANE_BITS] {
    std::array::from_fn(|z| ((lane >> z) & 1) as u8)
}

/// Digit-wise sum of digit vectors.
pub fn add_digits(terms: &[[u8; LANE_BITS]]) -> [u8; LANE_BITS] {
    std::array::from_fn(|z| terms.iter().map(|t| t[z]).sum())
}

/// The lane whose bit `z` is the parity of digit `z`.
pub fn parity(digits: &[u8; LANE_BITS]) -> u64 {
    digits.iter().enumerate().fold(0, |acc, (z, &d)| acc | (u64::from(d & 1) << z))
}

/// One round's intermediate values, in the order the circuit constrains them.
#[derive(Debug, Clone)]
pub struct RoundTrace {
    /// ι's constant that this round adds to lane 0 (the previous round's; 0 in round 0).
    pub iota_in: u64,
    /// The state at the start of the round, before `iota_in` is added to lane 0.
    pub a: [u64; LANES],
    /// θ's column sums, digit by digit (with `iota_in` in column 0).
    pub column_sums: [[u8; LANE_BITS]; 5],
    /// θ's column parities.
    pub c: [u64; 5],
    /// `D[x]` as sparse digits: `C[x−1] + rot1(C[x+1])`, not reduced.
    pub d: [[u8; LANE_BITS]; 5],
    /// θ's output before reduction: `A + D` (and `iota_in` on lane 0), digit by digit.
    pub theta: [[u8; LANE_BITS]; LANES],
    /// ρ and π applied to the reduced θ output.
    pub b: [u64; LANES],
    /// χ's digits `3 − 2·B[x] + B[x+1] − B[x+2]`.
    pub chi_digits: [[u8; LANE_BITS]; LANES],
    /// χ's output: the next round's `a`.
    pub out: [u64; LANES],
}

/// Runs one round from `a` (ι of the previous round still to add, as `iota_in`).
pub fn round(a: &[u64; LANES], iota_in: u64) -> RoundTrace {
    let iota = digits(iota_in);
    let zero = [0u8; LANE_BITS];
    let column_sums: [[u8; LANE_BITS]; 5] = std::array::from_fn(|x| {
        let mut terms: Vec<[u8; LANE_BITS]> = (0..5).map(|y| digits(a[lane(x, y)])).collect();
        terms.push(if x == 0 { iota } else { zero });
        add_digits(&terms)
    });
    let c: [u64; 5] = std::array::from_fn(|x| parity(&column_sums[x]));
    let d: [[u8; LANE_BITS]; 5] = std::array::from_fn(|x| {
        add_digits(&[digits(c[(x + 4) % 5]), digits(c[(x + 1) % 5].rotate_left(1))])
    });
    let theta: [[u8; LANE_BITS]; LANES] = std::array::from_fn(|i| {
        let extra = if i == 0 { iota } else { zero };
        add_digits(&[digits(a[i]), d[i % 5], extra])
    });
    let mut b = [0u64; LANES];
    for i in 0..LANES {
        b[pi(i)] = parity(&theta[i]).rotate_left(RHO_OFFSETS[i] as u32);
    }
    let chi_digits: [[u8; LANE_BITS]; LANES] = std::array::from_fn(|i| {
        let (x, y) = (i % 5, i / 5);
        let (p, q, r) = (digits(b[i]), digits(b[lane(x + 1, y)]), digits(b[lane(x + 2, y)]));
        std::array::from_fn(|z| 3 + q[z] + 2 * (1 - p[z]) - r[z] - 2)
    });
    let out: [u64; LANES] = std::array::from_fn(|i| {
        let (x, y) = (i % 5, i / 5);
        b[i] ^ (!b[lane(x + 1, y)] & b[lane(x + 2, y)])
    });
    RoundTrace { iota_in, a: *a, column_sums, c, d, theta, b, chi_digits, out }
}

/// Every round of keccak-f on `input`. The permutation's output is the last round's `out`
/// with the last round constant added to lane 0 ([`output`]).
pub fn rounds(input: &[u64; LANES]) -> Vec<RoundTrace> {
    let mut traces = Vec::with_capacity(ROUNDS);
    let mut a = *input;
    for t in 0..ROUNDS {
        let iota_in = if t == 0 { 0 } else { ROUND_CONSTANTS[t - 1] };
        let trace = round(&a, iota_in);
        a = trace.out;
        traces.push(trace);
    }
    traces
}

/// The permutation's output from the last round's state.
pub fn output(last: &[u64; LANES]) -> [u64; LANES] {
    let mut out = *last;
    out[0] ^= ROUND_CONSTANTS[ROUNDS - 1];
    out
}

/// keccak-f\[1600\] through [`rounds`].
pub fn keccak_f(input: &[u64; LANES]) -> [u64; LANES] {
    let traces = rounds(input);
    output(&traces[ROUNDS - 1].out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_digits_map_to_chi() {
        for a in 0..2u8 {
            for b in 0..2u8 {
                for c in 0..2u8 {
                    // 3 − 2a + b − c, written without underflow.
                    let d = 3 + usize::from(b) + 2 * usize::from(1 - a) - 2 - usize::from(c);
                    assert_eq!(CHI_OF_DIGIT[d], u64::from(a ^ (!b & 1 & c)));
                }
            }
        }
    }

    #[test]
    fn pi_is_a_permutation() {
        let mut seen = [false; LANES];
        for i in 0..LANES {
            seen[pi(i)] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(pi(0), 0);
    }
}

#[cfg(test)]
mod reference {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn reference(input: &[u64; LANES]) -> [u64; LANES] {
        let mut state = *input;
        tiny_keccak::keccakf(&mut state);
        state
    }

    #[test]
    fn random_states_match_tiny_keccak() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x6b65_6363_616b);
        for _ in 0..500 {
            let input: [u64; LANES] = std::array::from_fn(|_| rng.gen());
            assert_eq!(keccak_f(&input), reference(&input));
        }
    }

    #[test]
    fn edge_states_match_tiny_keccak() {
        for input in [[0u64; LANES], [u64::MAX; LANES], std::array::from_fn(|i| 1u64 << (i * 2))] {
            assert_eq!(keccak_f(&input), reference(&input));
        }
    }

    #[test]
    fn sparse_digits_stay_below_the_base() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let input: [u64; LANES] = std::array::from_fn(|_| rng.gen());
        for trace in rounds(&input) {
            let max = |v: &[[u8; LANE_BITS]]| v.iter().flatten().copied().max().unwrap_or(0);
            assert!(max(&trace.column_sums) <= 6);
            assert!(max(&trace.theta) <= 4);
            assert!(max(&trace.chi_digits) <= 4);
        }
    }
}
