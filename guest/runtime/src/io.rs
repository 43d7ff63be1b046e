//! Reading the input stream and committing the public output, framed as
//! [`abi::io`] describes.

use alloc::vec;
use alloc::vec::Vec;

use abi::syscall::MAX_IO_CHUNK_BYTES;
use serde::{de::DeserializeOwned, Serialize};

use crate::syscall;

const CHUNK_WORDS: usize = MAX_IO_CHUNK_BYTES / 4;

/// Reads the next frame of the input stream as raw bytes.
pub fn read_bytes() -> Vec<u8> {
    let mut len = [0u32; 1];
    syscall::read_words(&mut len);
    let len = len[0] as usize;
    let mut words = vec![0u32; len.div_ceil(4)];
    for chunk in words.chunks_mut(CHUNK_WORDS) {
        syscall::read_words(chunk);
    }
    let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    bytes.truncate(len);
    bytes
}

/// Reads the next frame of the input stream as a postcard-encoded `T`. A malformed frame
/// is a guest panic (the machine halts with a non-zero exit code).
pub fn read<T: DeserializeOwned>() -> T {
    match postcard::from_bytes(&read_bytes()) {
        Ok(value) => value,
        Err(e) => panic!("malformed input frame: {e}"),
    }
}

/// Appends `bytes`, zero padded to a multiple of four, to the public output.
pub fn commit_bytes(bytes: &[u8]) {
    let words: Vec<u32> = bytes
        .chunks(4)
        .map(|c| {
            let mut word = [0u8; 4];
            word[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(word)
        })
        .collect();
    for chunk in words.chunks(CHUNK_WORDS) {
        syscall::commit_words(chunk);
    }
}

/// Appends `value`, postcard-encoded and zero padded, to the public output; the host
/// decodes it with [`abi::io::decode_committed`].
pub fn commit<T: Serialize + ?Sized>(value: &T) {
    match postcard::to_allocvec(value) {
        Ok(bytes) => commit_bytes(&bytes),
        Err(e) => panic!("cannot encode committed value: {e}"),
    }
}

/// Prints a debug line through the host.
pub fn log(text: &str) {
    syscall::log(text.as_bytes());
}
