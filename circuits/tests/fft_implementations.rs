//! The patched halo2-axiom's FFTs (patches/README.md): every implementation its dispatcher
//! can pick computes the discrete Fourier transform, forward and inverse, and the
//! dispatcher picks the cache-friendly one unless told otherwise.

use halo2_base::halo2_proofs::{
    fft::{self, baseline, parallel, recursive, Implementation},
    halo2curves::{bn256::Fr, ff::Field},
    poly::EvaluationDomain,
};
use rand::{rngs::StdRng, SeedableRng};

/// The signature every FFT in `halo2_proofs::fft` shares.
type Fft = fn(&mut [Fr], Fr, u32, &recursive::FFTData<Fr>, bool);

/// The transform by its definition, `out[i] = Σ_j a[j]·ω^(i·j)`, in O(n²).
fn dft_by_definition(a: &[Fr], omega: Fr) -> Vec<Fr> {
    let mut out = Vec::with_capacity(a.len());
    let mut omega_i = Fr::ONE;
    for _ in 0..a.len() {
        let mut power = Fr::ONE;
        let mut sum = Fr::ZERO;
        for value in a {
            sum += *value * power;
            power *= omega_i;
        }
        out.push(sum);
        omega_i *= omega;
    }
    out
}

#[test]
fn every_fft_implementation_computes_the_transform_forward_and_inverse() {
    let mut rng = StdRng::seed_from_u64(7);
    // From one butterfly up to sizes where the recursive FFT splits across threads and
    // mixes radix 4 with radix 2 stages (odd and even log sizes).
    for log_n in [1u32, 2, 3, 4, 7, 8] {
        let domain = EvaluationDomain::<Fr>::new(1, log_n);
        let n = 1usize << log_n;
        let data = domain.get_fft_data(n);
        let input: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
        for (inverse, omega) in [(false, domain.get_omega()), (true, domain.get_omega_inv())] {
            let expected = dft_by_definition(&input, omega);
            let implementations: [(&str, Fft); 4] = [
                ("baseline", baseline::fft),
                ("parallel", parallel::fft),
                ("recursive", recursive::fft),
                ("dispatched", fft::fft),
            ];
            for (name, transform) in implementations {
                let mut values = input.clone();
                transform(&mut values, omega, log_n, data, inverse);
                assert_eq!(values, expected, "{name} FFT of 2^{log_n} points, inverse {inverse}");
            }
        }
    }
}

#[test]
fn the_recursive_fft_is_chosen_unless_halo2_fft_names_another() {
    let expected = match std::env::var("HALO2_FFT").as_deref() {
        Ok("baseline") => Implementation::Baseline,
        Ok("parallel") => Implementation::Parallel,
        _ => Implementation::Recursive,
    };
    assert_eq!(fft::implementation(), expected);
}
