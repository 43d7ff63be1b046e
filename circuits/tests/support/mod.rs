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
    match prover.verify_par() {
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

/// A tamper aimed at one named constraint: the name, the row it must fail at, and the
/// first-phase cell changes (row, column, value).
pub(crate) type Named = (&'static str, usize, Vec<(usize, &'static str, u64)>);

/// Applies every tamper at once and asserts that each one's named constraint is among
/// MockProver's failures at its row.
pub(crate) fn assert_named(circuit: &SegmentCircuit, tampers: &[Named]) {
    let changes: Vec<(usize, &str, u64)> =
        tampers.iter().flat_map(|(_, _, changes)| changes.clone()).collect();
    let found = failures(&circuit.with_cells(&changes).unwrap());
    let mut report = Vec::new();
    for (name, row, _) in tampers {
        let at_row: Vec<&String> = found.iter().filter(|(r, _)| r == row).map(|(_, s)| s).collect();
        assert!(at_row.iter().any(|s| s.contains(name)), "`{name}` (row {row}): {at_row:?}");
        report.push(format!("{name}: rejected by it at row {row}"));
    }
    println!("{}", report.join("\n"));
}
