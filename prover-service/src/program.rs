//! Generic guest programs (jobs beyond the block prover): an uploaded ELF is loaded and
//! named by its program id, the Poseidon page-tree root of its initial memory that a
//! proof of it states, computed here and never taken from a client; its input is a
//! framed stream, as `abi::io::InputBuilder` writes it.

use vm::{ElfError, Program};

/// A loaded guest ELF and its program id.
#[derive(Debug)]
pub struct LoadedProgram {
    /// The program.
    pub program: Program,
    /// Its id, `0x` + 64 hex digits.
    pub program_id: String,
}

/// Loads `elf` and computes its program id (a fraction of a second for a large guest:
/// it hashes the initial memory's pages).
pub fn load(elf: &[u8]) -> Result<LoadedProgram, ElfError> {
    let program = Program::from_elf(elf)?;
    let program_id = prover::program_id_hex(&program);
    Ok(LoadedProgram { program, program_id })
}

/// The input stream `stream` (already framed) followed by one frame per entry of
/// `frames`: what `prover-service execute --input F --frame-hex H…` hands the guest.
pub fn framed_input(mut stream: Vec<u8>, frames: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut builder = abi::io::InputBuilder::new();
    for frame in frames {
        builder.write_bytes(frame).map_err(|e| e.to_string())?;
    }
    stream.extend(builder.into_bytes());
    Ok(stream)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn frames_follow_the_stream() {
        let mut expected = abi::io::InputBuilder::new();
        expected.write_bytes(&[1, 2]).unwrap();
        expected.write_bytes(&[]).unwrap();
        let framed = framed_input(vec![], &[vec![1, 2], vec![]]).unwrap();
        assert_eq!(framed, expected.into_bytes());
        let mut prefixed = vec![9, 9, 9, 9];
        prefixed.extend(&framed);
        assert_eq!(framed_input(vec![9, 9, 9, 9], &[vec![1, 2], vec![]]).unwrap(), prefixed);
    }

    #[test]
    fn a_broken_elf_is_refused() {
        assert!(load(b"\x7fELF but not really").is_err());
        assert!(load(&[]).is_err());
    }
}
