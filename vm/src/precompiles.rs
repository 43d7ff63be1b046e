//! Native implementations of the precompile syscalls, with well-known crates.

use abi::syscall::{SECP256K1_RECOVER_INPUT_BYTES, SECP256K1_RECOVER_OUTPUT_BYTES};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};

/// Applies keccak-f\[1600\] to `state` in place.
pub fn keccak_permute(state: &mut [u64; 25]) {
    tiny_keccak::keccakf(state);
}

/// Recovers the public key for `input` (hash ‖ r ‖ s ‖ v as a little-endian word), as
/// the `SECP256K1_RECOVER` syscall defines it. Returns the 64-byte uncompressed key
/// without its `0x04` prefix, or `None` if the signature is invalid.
pub fn secp256k1_recover(
    input: &[u8; SECP256K1_RECOVER_INPUT_BYTES],
) -> Option<[u8; SECP256K1_RECOVER_OUTPUT_BYTES]> {
    let hash = &input[0..32];
    let mut signature = Signature::from_slice(&input[32..96]).ok()?;
    let v = u32::from_le_bytes([input[96], input[97], input[98], input[99]]);
    if v > 1 {
        return None;
    }
    let mut recovery_id = RecoveryId::from_byte(v as u8)?;
    // A high-s signature recovers the same key as its low-s twin with the parity flipped,
    // which is how Ethereum's ecrecover treats it.
    if let Some(normalized) = signature.normalize_s() {
        signature = normalized;
        recovery_id = RecoveryId::new(!recovery_id.is_y_odd(), recovery_id.is_x_reduced());
    }
    let key = VerifyingKey::recover_from_prehash(hash, &signature, recovery_id).ok()?;
    let point = key.to_encoded_point(false);
    let mut out = [0u8; SECP256K1_RECOVER_OUTPUT_BYTES];
    out.copy_from_slice(&point.as_bytes()[1..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::SigningKey;

    #[test]
    fn recovers_the_signing_key() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let hash = [0x42u8; 32];
        let (sig, rid) = key.sign_prehash_recoverable(&hash).unwrap();
        let mut input = [0u8; SECP256K1_RECOVER_INPUT_BYTES];
        input[..32].copy_from_slice(&hash);
        input[32..96].copy_from_slice(&sig.to_bytes());
        input[96] = rid.to_byte();
        let expected = key.verifying_key().to_encoded_point(false);
        assert_eq!(secp256k1_recover(&input).unwrap()[..], expected.as_bytes()[1..]);
        input[96] = 5;
        assert_eq!(secp256k1_recover(&input), None);
        input[96] = rid.to_byte();
        input[32..64].fill(0); // r = 0 is invalid
        assert_eq!(secp256k1_recover(&input), None);
    }

    #[test]
    fn keccak_f_matches_the_zero_state_vector() {
        let mut state = [0u64; 25];
        keccak_permute(&mut state);
        assert_eq!(state[0], 0xF1258F7940E1DDE7);
    }
}
