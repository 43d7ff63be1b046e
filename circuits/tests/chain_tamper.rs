//! Tamper tests for the chains (`circuits/src/segment/chain.rs`), on the segment of a
//! program that makes every syscall: each changed value must be rejected by MockProver.
//! Row-local tampers are batched and must each fail at their row (or, for a transition
//! into the row, the row before); tampers only the bus or the public inputs can see get a
//! run each. `circuits/CONSTRAINTS.md` lists them.
#![allow(clippy::unwrap_used)]

mod support;

use circuits::chains::Chain;
use circuits::segment::{SegmentCircuit, HASH_SLOT_ROWS, MIN_SEGMENT_K};
use circuits::Fr;
use support::{assert_named, failures, Named};
use vm::ExecutorConfig;

const K: u32 = MIN_SEGMENT_K;

/// First-phase cell changes: (row, column, value).
type Changes = Vec<(usize, &'static str, u64)>;

fn syscall_segment() -> SegmentCircuit {
    let config = ExecutorConfig { segment_po2: K, ..ExecutorConfig::default() };
    let (program, input) = testkit::syscall_program::program();
    let (_, records) = vm::trace_program(&program, &input, &config).unwrap();
    support::circuits(K, &program, &records).remove(0)
}

/// Rows where every named first-phase cell is 1.
fn rows_with(circuit: &SegmentCircuit, cells: &[&str]) -> Vec<usize> {
    (0..1 << K)
        .take_while(|&r| circuit.cell(r, "active").is_some())
        .filter(|&r| cells.iter().all(|c| circuit.cell(r, c) == Some(1)))
        .collect()
}

/// First rows of the chain steps of `chain` (paired or not).
fn chain_steps(circuit: &SegmentCircuit, chain: Chain, paired: bool) -> Vec<usize> {
    (0..)
        .map(|slot| slot * HASH_SLOT_ROWS)
        .take_while(|&row| row + HASH_SLOT_ROWS < 1 << K)
        .filter(|&row| {
            circuit.paging_cell(row, "chain") == Some(Fr::one())
                && circuit.paging_cell(row, "level") == Some(Fr::from(chain as u64))
                && circuit.paging_cell(row, "pair") == Some(Fr::from(u64::from(paired)))
        })
        .collect()
}

#[test]
fn chain_row_and_step_tampers_are_each_rejected_at_their_row() {
    let circuit = syscall_segment();
    let keccak = rows_with(&circuit, &["f_data", "s_keccak"]);
    let commit = rows_with(&circuit, &["f_data", "s_commit"]);
    let secp_flag = rows_with(&circuit, &["f_ecall", "s_secp"]);
    let secp_in = rows_with(&circuit, &["f_data", "s_secp"]);
    let secp_out = rows_with(&circuit, &["f_data", "s_secp", "secp_out"]);
    let plus =
        |row: usize, column: &'static str| (row, column, circuit.cell(row, column).unwrap() + 1);
    let flip =
        |row: usize, column: &'static str| (row, column, 1 - circuit.cell(row, column).unwrap());
    let rotate = |row: usize| {
        let p = ["ch_p0", "ch_p1", "ch_p2"].map(|c| circuit.cell(row, c).unwrap());
        vec![(row, "ch_p0", p[2]), (row, "ch_p1", p[0]), (row, "ch_p2", p[1])]
    };
    // (family, the row it must fail at, the changes)
    let rows: Vec<(&str, usize, Changes)> = vec![
        ("commit value", commit[1], vec![plus(commit[1], "ch_value")]),
        ("keccak value", keccak[4], vec![plus(keccak[4], "ch_value")]),
        ("secp flag value", secp_flag[0], vec![plus(secp_flag[0], "ch_value")]),
        ("secp input value", secp_in[3], vec![plus(secp_in[3], "ch_value")]),
        ("secp output value", secp_out[5], vec![plus(secp_out[5], "ch_value")]),
        (
            // The output word and its chain value moved together: no longer its bytes.
            "syscall writes are words",
            keccak[20],
            vec![
                plus(keccak[20], "mval"),
                (keccak[20], "ch_value", circuit.cell(keccak[20], "ch_value").unwrap() + (1 << 32)),
            ],
        ),
        ("chain position one-hot", keccak[30], vec![flip(keccak[30], "ch_p1")]),
        // Still one-hot, but one position on: the transition into the row objects.
        ("chain position cycle", keccak[40] - 1, rotate(keccak[40])),
        (
            "secp flag opens its element",
            secp_flag[1],
            vec![flip(secp_flag[1], "ch_p0"), flip(secp_flag[1], "ch_p1")],
        ),
        ("chain countdown", keccak[10] - 1, vec![plus(keccak[10], "ch_left_keccak")]),
    ];
    let row_changes: Vec<(usize, &str, u64)> =
        rows.iter().flat_map(|(_, _, changes)| changes.clone()).collect();
    let bad = circuit.with_cells(&row_changes).unwrap();

    let pair_step = chain_steps(&circuit, Chain::Keccak, true)[2];
    let single_step = chain_steps(&circuit, Chain::Keccak, false)[0];
    let bump = |row: usize, column: &'static str| {
        (row, column, circuit.paging_cell(row, column).unwrap() + Fr::one())
    };
    let steps: Vec<(&str, (usize, &str, Fr))> = vec![
        ("chain element packing", bump(commit[0], "chain_pack")),
        ("chain step domain", bump(single_step, "old.s0")),
        ("chain step takes an element", bump(pair_step, "old.vb")),
        ("paired step continues lane 0", bump(pair_step + 2 * HASH_SLOT_ROWS, "new.s1")),
        ("pair flag off a slot row", (pair_step + 4 * HASH_SLOT_ROWS + 3, "pair", Fr::one())),
        ("chain id in range", (chain_steps(&circuit, Chain::Secp, true)[1], "level", Fr::from(3))),
    ];
    let step_changes: Vec<(usize, &str, Fr)> = steps.iter().map(|(_, c)| *c).collect();
    let bad = bad.with_paging_cells(&step_changes).unwrap();

    // Tampers aimed at one named constraint each, which must be among the row's failures.
    let last_row = rows_with(&circuit, &[]).len() - 1;
    let p0_rows: Vec<usize> =
        keccak.iter().copied().filter(|&r| circuit.cell(r, "ch_p0") == Some(1)).collect();
    let p0_row = p0_rows[p0_rows.len() - 2];
    let named_rows: Vec<(&str, usize, Changes)> = vec![
        ("chain position 0 boolean", p0_row, vec![(p0_row, "ch_p0", 2)]),
        ("chain countdown ends", last_row, vec![plus(last_row, "ch_left_output")]),
    ];
    let named_changes: Changes =
        named_rows.iter().flat_map(|(_, _, changes)| changes.clone()).collect();
    let bad = bad.with_cells(&named_changes).unwrap();
    let mut paired: Vec<usize> = [Chain::Output, Chain::Keccak, Chain::Secp]
        .into_iter()
        .flat_map(|chain| chain_steps(&circuit, chain, true))
        .filter(|&row| steps.iter().all(|(_, (r, _, _))| r.abs_diff(row) > 4 * HASH_SLOT_ROWS))
        .collect();
    paired.sort_unstable();
    assert!(paired.len() >= 5, "enough paired chain steps away from the other tampers");
    let leaf_step = (0..)
        .map(|slot| slot * HASH_SLOT_ROWS)
        .find(|&row| circuit.paging_cell(row, "leaf") == Some(Fr::one()))
        .unwrap();
    let named_steps: Vec<(&str, (usize, &str, Fr))> = vec![
        ("paired step domain", bump(paired[0], "new.s0")),
        ("paired step takes an element", bump(paired[1], "new.vb")),
        ("chain step is not a leaf", (paired[2], "leaf", Fr::one())),
        ("chain step is not a node", (paired[3], "node", Fr::one())),
        ("pair is a chain step", (leaf_step, "pair", Fr::one())),
        ("chain flag off slot", (paired[4] + 5, "chain", Fr::one())),
    ];
    let named_step_changes: Vec<(usize, &str, Fr)> = named_steps.iter().map(|(_, c)| *c).collect();
    let bad = bad.with_paging_cells(&named_step_changes).unwrap();

    let found = failures(&bad);
    let named = named_rows
        .iter()
        .map(|(name, row, _)| (*name, *row))
        .chain(named_steps.iter().map(|(name, (row, _, _))| (*name, *row)));
    let mut report = Vec::new();
    for (name, row) in named {
        let at_row: Vec<&String> =
            found.iter().filter(|(r, _)| *r == row).map(|(_, s)| s).collect();
        assert!(at_row.iter().any(|s| s.contains(name)), "`{name}` (row {row}): {at_row:?}");
        report.push(format!("{name}: rejected by it at row {row}"));
    }
    let expected = rows
        .iter()
        .map(|(family, row, _)| (*family, *row))
        .chain(steps.iter().map(|(family, (row, _, _))| (*family, *row)));
    for (family, row) in expected {
        let at_row: Vec<&String> =
            found.iter().filter(|(r, _)| *r == row).map(|(_, s)| s).collect();
        assert!(!at_row.is_empty(), "{family} (row {row}) was not rejected");
        report.push(format!("{family}: {}", at_row[0]));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn chain_tampers_only_the_bus_sees_are_rejected() {
    let circuit = syscall_segment();
    // A step that claims the element after its own: the positions no longer meet.
    let step = chain_steps(&circuit, Chain::Keccak, true)[3];
    let position = circuit.paging_cell(step, "index").unwrap();
    let bad = circuit.with_paging_cells(&[(step, "index", position - Fr::one())]).unwrap();
    assert!(!failures(&bad).is_empty(), "a step at the wrong position passed");
    // Each chain's public start and end.
    let public = circuit.public_inputs().unwrap();
    for (chain, at_end) in [(Chain::Output, true), (Chain::Keccak, false), (Chain::Secp, true)] {
        let mut forged = public;
        let chains = if at_end { &mut forged.chains_end } else { &mut forged.chains_start };
        chains.set(chain, chains.get(chain) + Fr::one());
        let bad = circuit.with_public_inputs(forged).unwrap();
        assert!(!failures(&bad).is_empty(), "{chain:?} chain (end: {at_end}) passed");
    }
}

/// The data rows of the call whose `ecall` row is `ecall`.
fn data_rows(circuit: &SegmentCircuit, ecall: usize) -> Vec<usize> {
    (ecall + 1..).take_while(|&r| circuit.cell(r, "f_data") == Some(1)).collect()
}

#[test]
fn syscall_bookkeeping_tampers_each_hit_their_constraint() {
    let circuit = syscall_segment();
    let ecalls = |kind: &str| rows_with(&circuit, &["f_ecall", kind]);
    let (read, commit) = (data_rows(&circuit, ecalls("s_read")[0]), ecalls("s_commit"));
    let commit_data = data_rows(&circuit, commit[0]);
    let keccak_call = ecalls("s_keccak")[0];
    let keccak = data_rows(&circuit, keccak_call);
    let secp = ecalls("s_secp");
    let (secp_a, secp_b) = (data_rows(&circuit, secp[0]), data_rows(&circuit, secp[1]));
    let first_output = secp_a.iter().copied().find(|&r| circuit.cell(r, "secp_out") == Some(1));
    let first_output = first_output.unwrap();
    let plus = |row: usize, column: &'static str, by: u64| {
        (row, column, circuit.cell(row, column).unwrap() + by)
    };
    let set = |row: usize, column: &'static str, value: u64| (row, column, value);
    let tampers: Vec<Named> = vec![
        ("a1 address", commit[0], vec![plus(commit[0], "maddr", 4)]),
        ("data address advances", commit_data[1], vec![plus(commit_data[2], "maddr", 4)]),
        ("data rows keep pc", read[3], vec![plus(read[3], "pc", 4)]),
        ("keccak row count", keccak_call, vec![plus(keccak[0], "data_left", 1)]),
        ("data countdown", keccak[20], vec![plus(keccak[20], "data_left", 1)]),
        ("secp phase only in secp", keccak[30], vec![set(keccak[30], "secp_out", 1)]),
        ("syscall kind carried", keccak[40], vec![set(keccak[40], "s_keccak", 0)]),
        ("secp output pointer", secp[0], vec![plus(secp_a[0], "out_ptr", 4)]),
        ("secp phase switches to output", first_output, vec![set(first_output, "secp_out", 0)]),
        ("secp phase starts clear", secp[1], vec![set(secp[1], "secp_out", 1)]),
        ("output pointer carried", secp_b[5], vec![plus(secp_b[5], "out_ptr", 4)]),
        (
            "secp ends in output phase",
            secp_b[secp_b.len() - 1],
            vec![set(secp_b[secp_b.len() - 1], "secp_out", 0)],
        ),
    ];
    assert_named(&circuit, &tampers);
}

#[test]
fn syscall_transition_and_machine_page_tampers_each_hit_their_constraint() {
    let circuit = syscall_segment();
    let ecalls = |kind: &str| rows_with(&circuit, &["f_ecall", kind]);
    let plain = |row: usize| {
        circuit.cell(row, "f_ecall") == Some(0) && circuit.cell(row, "f_data") == Some(0)
    };
    // An instruction row after an instruction row: data rows must follow a syscall.
    let lone = (1..1 << K)
        .find(|&r| plain(r) && plain(r - 1) && circuit.cell(r, "active") == Some(1))
        .unwrap();
    let log = ecalls("s_log")[0];
    let halt = ecalls("s_halt")[0];
    let read = ecalls("s_read")[0];
    let secp = ecalls("s_secp");
    let outputs: Vec<usize> = data_rows(&circuit, secp[0])
        .into_iter()
        .filter(|&r| circuit.cell(r, "secp_out") == Some(1))
        .collect();
    let mid = outputs[outputs.len() / 2];
    let plus = |row: usize, column: &'static str, by: u64| {
        (row, column, circuit.cell(row, column).unwrap() + by)
    };
    let set = |row: usize, column: &'static str, value: u64| (row, column, value);
    let tampers: Vec<Named> = vec![
        ("data rows follow a syscall", lone - 1, vec![set(lone, "f_data", 1)]),
        ("no data after halt or log", log, vec![set(log + 1, "f_data", 1)]),
        ("halt is last", halt, vec![set(halt + 1, "active", 1)]),
        ("read/commit row count", read, vec![plus(read + 1, "data_left", 1)]),
        ("secp phase monotone", mid, vec![set(mid + 1, "secp_out", 0)]),
        // The first page block is the machine page: page 0, present.
        ("machine page first", 7, vec![set(7, "pg_page", 1)]),
        ("machine page present", 9, vec![set(9, "pg_active", 0)]),
    ];
    assert_named(&circuit, &tampers);
}
