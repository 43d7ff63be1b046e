//! Shared by the segment circuit tests: circuits for a run's segments, each from the
//! memory tree and chains its predecessors left.
#![allow(clippy::unwrap_used, dead_code)]

use circuits::segment::{SegmentCircuit, SegmentStart};
use halo2_base::halo2_proofs::dev::{FailureLocation, MockProver, VerifyFailure};
use vm::{Program, SegmentRecord};

/// The size-`k` circuit of every segment of `program`'s run, in order.
pub(crate) fn circuits(
    k: u32,
    program: &Program,
    records: &[SegmentRecord],
) -> Vec<SegmentCircuit> {
    let mut start = SegmentStart::initial(program);
    records
        .iter()
        .map(|record| {
            let circuit = SegmentCircuit::new(k, record, &start).unwrap();
            start.apply_segment(record);
            circuit
        })
        .collect()
}

/// [`circuits`] for a guest ELF.
pub(crate) fn elf_circuits(k: u32, elf: &[u8], records: &[SegmentRecord]) -> Vec<SegmentCircuit> {
    circuits(k, &Program::from_elf(elf).unwrap(), records)
}

/// MockProver's failures for `circuit` as (row, first line of the description); the row is
/// `usize::MAX` for failures that have none (the bus's closing row aside, a lookup or
/// permutation failure).
pub(crate) fn failures(circuit: &SegmentCircuit) -> Vec<(usize, String)> {
    let prover = MockProver::run(circuit.k(), circuit, circuit.instances()).unwrap();
    match prover.verify() {
        Ok(()) => Vec::new(),
        Err(failures) => failures
            .into_iter()
            .map(|f| {
                let row = match &f {
                    VerifyFailure::ConstraintNotSatisfied {
                        location: FailureLocation::InRegion { offset, .. },
                        ..
                    } => *offset,
                    _ => usize::MAX,
                };
                let text = f.to_string();
                (row, text.lines().next().unwrap_or_default().to_string())
            })
            .collect(),
    }
}
