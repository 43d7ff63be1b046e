//! Framing of the input stream and of committed values.
//!
//! The input stream is a sequence of frames: a little-endian `u32` payload length, the
//! payload, and zero bytes up to the next multiple of four. Typed values are encoded
//! with `postcard`. Committed values are postcard bytes padded with zeros to a multiple
//! of four; since postcard encodings are self-delimiting the padding is unambiguous.

use alloc::vec::Vec;
use serde::{de::DeserializeOwned, Serialize};

/// Error raised while encoding or decoding framed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// The value could not be encoded or decoded by postcard.
    Codec(postcard::Error),
    /// The bytes after a decoded value are not the zero padding of at most three bytes.
    TrailingBytes(usize),
    /// A frame is larger than `u32::MAX` bytes.
    TooLarge(usize),
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Codec(e) => write!(f, "postcard codec error: {e}"),
            FrameError::TrailingBytes(n) => write!(f, "{n} unexpected bytes after the value"),
            FrameError::TooLarge(n) => write!(f, "frame of {n} bytes exceeds u32::MAX"),
        }
    }
}

impl core::error::Error for FrameError {}

/// Rounds `len` up to a multiple of four.
pub const fn padded_len(len: usize) -> usize {
    (len + 3) & !3
}

/// Builds the input stream handed to a guest, frame by frame.
#[derive(Debug, Default, Clone)]
pub struct InputBuilder {
    bytes: Vec<u8>,
}

impl InputBuilder {
    /// An empty input stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one frame holding `value` encoded with postcard; the guest reads it with
    /// `read::<T>()`.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, FrameError> {
        let payload = postcard::to_allocvec(value).map_err(FrameError::Codec)?;
        self.write_bytes(&payload)
    }

    /// Appends one frame holding raw bytes; the guest reads it with `read_bytes()`.
    pub fn write_bytes(&mut self, payload: &[u8]) -> Result<&mut Self, FrameError> {
        let len = u32::try_from(payload.len()).map_err(|_| FrameError::TooLarge(payload.len()))?;
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(payload);
        self.bytes.resize(padded_len(self.bytes.len()), 0);
        Ok(self)
    }

    /// The finished input stream.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Encodes a value as the guest runtime's `commit` does: postcard bytes, zero padded.
pub fn encode_committed<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, FrameError> {
    let mut bytes = postcard::to_allocvec(value).map_err(FrameError::Codec)?;
    bytes.resize(padded_len(bytes.len()), 0);
    Ok(bytes)
}

/// Decodes one committed value from the start of `bytes` and returns it with the rest of
/// the public output that follows its padding.
pub fn decode_committed<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, &[u8]), FrameError> {
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(FrameError::Codec)?;
    let used = bytes.len() - rest.len();
    let pad = (padded_len(used) - used).min(rest.len());
    if rest[..pad].iter().any(|b| *b != 0) {
        return Err(FrameError::TrailingBytes(pad));
    }
    Ok((value, &rest[pad..]))
}

/// Decodes a public output that holds exactly one committed value.
pub fn decode_single_committed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FrameError> {
    let (value, rest) = decode_committed(bytes)?;
    if !rest.is_empty() {
        return Err(FrameError::TrailingBytes(rest.len()));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_word_padded() {
        let mut input = InputBuilder::new();
        input.write_bytes(&[1, 2, 3, 4, 5]).unwrap();
        assert_eq!(input.into_bytes(), [5, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0]);
    }

    #[test]
    fn committed_values_round_trip() {
        let mut out = encode_committed(&300u64).unwrap();
        out.extend(encode_committed(&(1u8, 2u32)).unwrap());
        let (a, rest) = decode_committed::<u64>(&out).unwrap();
        assert_eq!(a, 300);
        assert_eq!(decode_single_committed::<(u8, u32)>(rest).unwrap(), (1, 2));
    }

    #[test]
    fn nonzero_padding_is_rejected() {
        let mut out = encode_committed(&1u8).unwrap();
        out[2] = 7;
        assert_eq!(decode_committed::<u8>(&out).unwrap_err(), FrameError::TrailingBytes(3));
    }
}
