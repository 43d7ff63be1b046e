//! secp256k1 recovery through the `SECP256K1_RECOVER` syscall, installed into alloy's
//! crypto backend (transaction senders) and revm's precompile crypto (ecrecover at 0x01).
//! keccak-256 needs no installing: alloy-primitives' `native-keccak` hook is defined by
//! the runtime.

use alloc::sync::Arc;

use alloy_consensus::crypto::backend::{install_default_provider, CryptoProvider};
use alloy_consensus::crypto::RecoveryError;
use alloy_primitives::{keccak256, Address};
use revm::precompile::{install_crypto, Crypto, PrecompileHalt};

/// Installs both providers; called once, first thing in `main`.
pub(crate) fn install() {
    // Installation fails only if a provider is already set, which nothing else does.
    let _ = install_default_provider(Arc::new(SyscallRecovery));
    let _ = install_crypto(SyscallRecovery);
}

/// Recovery backed by the `SECP256K1_RECOVER` syscall.
#[derive(Debug)]
struct SyscallRecovery;

/// The signer address of a recovered 64-byte public key.
fn address_of(key: &[u8; 64]) -> Address {
    Address::from_slice(&keccak256(key)[12..])
}

fn recover(signature: &[u8; 64], recid: u8, hash: &[u8; 32]) -> Option<[u8; 64]> {
    if recid > 1 {
        return None;
    }
    guest_runtime::precompiles::secp256k1_recover(hash, signature, recid)
}

fn split(sig: &[u8; 65]) -> ([u8; 64], u8) {
    let mut rs = [0u8; 64];
    rs.copy_from_slice(&sig[..64]);
    (rs, sig[64])
}

impl CryptoProvider for SyscallRecovery {
    fn recover_signer_unchecked(
        &self,
        sig: &[u8; 65],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        let (rs, recid) = split(sig);
        recover(&rs, recid, msg).map(|key| address_of(&key)).ok_or_else(RecoveryError::new)
    }

    fn verify_and_compute_signer_unchecked(
        &self,
        pubkey: &[u8; 65],
        sig: &[u8; 64],
        msg: &[u8; 32],
    ) -> Result<Address, RecoveryError> {
        // The signature verifies against `pubkey` exactly when one of the two recovery
        // ids recovers it.
        let expected = &pubkey[1..];
        (0..2)
            .filter_map(|recid| recover(sig, recid, msg))
            .find(|key| key[..] == *expected)
            .map(|key| address_of(&key))
            .ok_or_else(RecoveryError::new)
    }
}

impl Crypto for SyscallRecovery {
    fn secp256k1_ecrecover(
        &self,
        sig: &[u8; 64],
        recid: u8,
        msg: &[u8; 32],
    ) -> Result<[u8; 32], PrecompileHalt> {
        let key = recover(sig, recid, msg).ok_or(PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut out = [0u8; 32];
        out[12..].copy_from_slice(&keccak256(key)[12..]);
        Ok(out)
    }
}
