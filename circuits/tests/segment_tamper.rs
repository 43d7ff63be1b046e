//! Tamper tests for the segment circuit: a valid witness with one value changed (or a few,
//! changed consistently so that one constraint family is the target) must be rejected by
//! MockProver. `circuits/CONSTRAINTS.md` maps each constraint family to its test here.
//!
//! Tampers of row-local families are batched: many rows are changed at once, far apart,
//! and every changed row must show a failing constraint at that row. Tampers that only the
//! memory argument or the public inputs can catch get a run each.
#![allow(clippy::unwrap_used)]

mod support;

use support::{assert_named, failures, Named};

use std::collections::BTreeSet;

use circuits::segment::{
    usable_rows, SegmentCircuit, SegmentPublicInputs, HASH_SLOT_ROWS, MIN_SEGMENT_K,
};
use circuits::Fr;
use vm::{decode, ExecutorConfig, Opcode, SegmentRecord};

const K: u32 = MIN_SEGMENT_K;

/// The single segment of random program `seed`, and its circuit.
fn random_segment(seed: u64) -> (SegmentRecord, SegmentCircuit) {
    let config = ExecutorConfig { segment_po2: K, ..ExecutorConfig::default() };
    let program = testkit::random_program::program(seed);
    let (_, mut segments) = vm::trace_program(&program, &[], &config).unwrap();
    assert_eq!(segments.len(), 1);
    let circuit = support::circuits(K, &program, &segments).remove(0);
    (segments.remove(0), circuit)
}

/// Local rows of the instructions with `opcode`.
fn rows_of(record: &SegmentRecord, opcode: Opcode) -> Vec<usize> {
    record
        .events
        .iter()
        .filter(|e| decode(e.word).map(|i| i.opcode) == Ok(opcode))
        .map(|e| (e.row - record.first_row) as usize)
        .collect()
}

fn bump(value: u64, modulus: u64) -> u64 {
    (value + 1) % modulus
}

/// One tamper of a row-local family: the rows to change and what to change there.
struct Tamper {
    family: &'static str,
    row: usize,
    changes: Vec<(usize, &'static str, u64)>,
}

fn single(
    circuit: &SegmentCircuit,
    family: &'static str,
    row: usize,
    column: &'static str,
    modulus: u64,
) -> Tamper {
    let value = bump(circuit.cell(row, column).unwrap(), modulus);
    Tamper { family, row, changes: vec![(row, column, value)] }
}

/// The ALU result (byte 0 of C) changed, with the register write kept consistent so that
/// the family's own constraint is what fails.
fn result(circuit: &SegmentCircuit, family: &'static str, row: usize) -> Tamper {
    let c0 = circuit.cell(row, "c0").unwrap();
    let new = if c0 == 255 { 254 } else { c0 + 1 };
    let mut changes = vec![(row, "c0", new)];
    let rd_val = circuit.cell(row, "rd_val").unwrap();
    if rd_val != 0 {
        changes.push((row, "rd_val", rd_val + new - c0));
    }
    Tamper { family, row, changes }
}

#[test]
fn row_local_tampers_are_each_rejected_at_their_row() {
    // One circuit per record; tampers are spread over them and kept 3+ rows apart.
    let (records, circuits): (Vec<SegmentRecord>, Vec<SegmentCircuit>) =
        (1..=4).map(random_segment).unzip();
    let mut plans: Vec<Vec<Tamper>> = (0..records.len()).map(|_| Vec::new()).collect();
    let mut used: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); records.len()];
    let mut missing = Vec::new();
    use Opcode::*;
    let cases: Vec<(Opcode, &'static str, &'static str)> = vec![
        (Add, "ADD result", "c0"),
        (Addi, "ADDI result", "c0"),
        (Sub, "SUB result", "c0"),
        (Slt, "SLT result", "c0"),
        (Sltu, "SLTU result", "c0"),
        (Slti, "SLTI result", "c0"),
        (Sltiu, "SLTIU result", "c0"),
        (Xor, "XOR result", "c0"),
        (Xori, "XORI result", "c0"),
        (Or, "OR result", "c0"),
        (Ori, "ORI result", "c0"),
        (And, "AND result", "c0"),
        (Andi, "ANDI result", "c0"),
        (Sll, "SLL result", "c0"),
        (Slli, "SLLI result", "c0"),
        (Srl, "SRL result", "c0"),
        (Srli, "SRLI result", "c0"),
        (Sra, "SRA result", "c0"),
        (Srai, "SRAI result", "c0"),
        (Mul, "MUL result", "c0"),
        (Mulh, "MULH result", "c0"),
        (Mulhsu, "MULHSU result", "c0"),
        (Mulhu, "MULHU result", "c0"),
        (Div, "DIV result", "c0"),
        (Divu, "DIVU result", "c0"),
        (Rem, "REM result", "c0"),
        (Remu, "REMU result", "c0"),
        (Lui, "LUI result", "c0"),
        (Auipc, "AUIPC result", "c0"),
        (Jal, "JAL link", "c0"),
        (Jalr, "JALR link", "c0"),
        (Lb, "LB value", "c0"),
        (Lbu, "LBU value", "c0"),
        (Lh, "LH value", "c0"),
        (Lhu, "LHU value", "c0"),
        (Lw, "LW value", "c0"),
        (Sb, "SB merged word", "x0"),
        (Sh, "SH merged word", "x0"),
        (Sw, "SW stored word", "x0"),
        (Beq, "BEQ taken", "taken"),
        (Bne, "BNE taken", "taken"),
        (Blt, "BLT taken", "taken"),
        (Bge, "BGE taken", "taken"),
        (Bltu, "BLTU taken", "taken"),
        (Bgeu, "BGEU taken", "taken"),
        (Jal, "JAL target", "next_pc"),
        (Jalr, "JALR target", "next_pc"),
        (Sw, "decode: immediate bit", "rd_hi"),
        (Add, "register write", "rd_val"),
        (Lw, "load address", "maddr"),
        (Sh, "store alignment", "off0"),
        (Addi, "timestamp gap bytes", "d3"),
    ];
    for (opcode, family, column) in cases {
        let mut placed = false;
        'records: for (i, record) in records.iter().enumerate() {
            for row in rows_of(record, opcode) {
                if used[i].range(row.saturating_sub(3)..row + 4).next().is_some() || row == 0 {
                    continue;
                }
                let circuit = &circuits[i];
                let tamper = match column {
                    "c0" => result(circuit, family, row),
                    "taken" | "off0" => single(circuit, family, row, column, 2),
                    "x0" | "d3" => single(circuit, family, row, column, 256),
                    "rd_hi" => single(circuit, family, row, column, 16),
                    _ => single(circuit, family, row, column, u64::MAX),
                };
                used[i].insert(row);
                plans[i].push(tamper);
                placed = true;
                break 'records;
            }
        }
        if !placed {
            missing.push(family);
        }
    }
    assert!(missing.is_empty(), "no row found for {missing:?}");
    let mut report = Vec::new();
    for (circuit, plan) in circuits.iter().zip(&plans) {
        let changes: Vec<(usize, &str, u64)> =
            plan.iter().flat_map(|t| t.changes.clone()).collect();
        let bad = circuit.with_cells(&changes).unwrap();
        let found = failures(&bad);
        for tamper in plan {
            let at_row: Vec<&String> =
                found.iter().filter(|(r, _)| *r == tamper.row).map(|(_, s)| s).collect();
            assert!(!at_row.is_empty(), "{} (row {}) was not rejected", tamper.family, tamper.row);
            report.push(format!("{}: {}", tamper.family, at_row[0]));
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn a_load_of_a_value_never_written_is_rejected_by_the_memory_argument() {
    let (record, circuit) = random_segment(1);
    let row = rows_of(&record, Opcode::Lw)
        .into_iter()
        .find(|&r| circuit.cell(r, "x0").unwrap() < 255)
        .unwrap();
    // Every CPU constraint still holds: the loaded word and the result move together.
    let mut changes = vec![];
    for column in ["x0", "c0", "mval", "mprev"] {
        changes.push((row, column, circuit.cell(row, column).unwrap() + 1));
    }
    if circuit.cell(row, "rd_val").unwrap() != 0 || circuit.cell(row, "c0").unwrap() == 0 {
        let rd_val = circuit.cell(row, "rd_val").unwrap();
        if rd_val != 0 {
            changes.push((row, "rd_val", rd_val + 1));
        }
    }
    let found = failures(&circuit.with_cells(&changes).unwrap());
    assert!(!found.is_empty(), "a forged load passed");
    assert!(
        found.iter().all(|(_, s)| s.contains("logup")),
        "only the bus should object: {found:?}"
    );
}

// The next three tests are one family each, so that libtest runs their twelve
// MockProver runs on both cores instead of one after the other.

#[test]
fn decode_and_timestamp_tampers_are_rejected() {
    let (record, circuit) = random_segment(2);
    let row = rows_of(&record, Opcode::Add)[0];
    // Decode: the instruction word's opcode or funct3 no longer matches the fetched word
    // and the decode table (both on the bus).
    let addi = rows_of(&record, Opcode::Addi)[0];
    for (row, column, value) in [(addi, "opcode", 0x33), (row, "f3_2", 1)] {
        let bad = circuit.with_cells(&[(row, column, value)]).unwrap();
        assert!(!failures(&bad).is_empty(), "decode tamper {column} passed");
    }
    // A previous-access timestamp moved to the present.
    let bad = circuit.with_cells(&[(row, "pts_rs1", 5 * row as u64 + 2)]).unwrap();
    assert!(!failures(&bad).is_empty(), "timestamp order");
}

#[test]
fn page_content_tampers_are_rejected() {
    let (_, circuit) = random_segment(2);
    // Paged-in and paged-out contents of the data page (the second page block).
    let data_row = 256 + 5;
    for column in ["pg_in", "pg_out", "pg_ts"] {
        let value = circuit.cell(data_row, column).unwrap() + 1;
        let bad = circuit.with_cells(&[(data_row, column, value)]).unwrap();
        assert!(!failures(&bad).is_empty(), "{column} tamper passed");
    }
}

#[test]
fn public_input_tampers_are_rejected() {
    let (_, circuit) = random_segment(2);
    let public = circuit.public_inputs().unwrap();
    let variants = [
        SegmentPublicInputs { pc_start: public.pc_start + 4, ..public },
        SegmentPublicInputs { pc_end: public.pc_end + 4, ..public },
        SegmentPublicInputs { halted: !public.halted, ..public },
        SegmentPublicInputs { exit_code: public.exit_code + 1, ..public },
        SegmentPublicInputs { mem_root_start: public.mem_root_start + Fr::one(), ..public },
        SegmentPublicInputs { mem_root_end: public.mem_root_end + Fr::one(), ..public },
    ];
    for variant in variants {
        let bad = circuit.with_public_inputs(variant).unwrap();
        assert!(!failures(&bad).is_empty(), "public input tamper {variant:?} passed");
    }
}

/// First rows of the slots whose paging cell `column` is `value`.
fn slots_where(circuit: &SegmentCircuit, column: &str, value: u64) -> Vec<usize> {
    (0..)
        .map(|slot| slot * HASH_SLOT_ROWS)
        .take_while(|&row| circuit.paging_cell(row, "leaf").is_some() && row < 1 << K)
        .filter(|&row| circuit.paging_cell(row, column) == Some(Fr::from(value)))
        .collect()
}

#[test]
fn paging_tampers_are_each_rejected_at_their_row() {
    let (_, circuit) = random_segment(3);
    let leaf_steps = slots_where(&circuit, "leaf", 1);
    let continuing: Vec<usize> = leaf_steps
        .iter()
        .copied()
        .filter(|&r| circuit.paging_cell(r, "first") == Some(Fr::zero()))
        .collect();
    let nodes = slots_where(&circuit, "node", 1);
    let untouched_right = nodes
        .iter()
        .copied()
        .find(|&r| circuit.paging_cell(r, "touched_right") == Some(Fr::zero()))
        .unwrap();
    let touched_left = nodes
        .iter()
        .copied()
        .find(|&r| {
            r != untouched_right && circuit.paging_cell(r, "touched_left") == Some(Fr::one())
        })
        .unwrap();
    // A node apart from those two, for its domain word.
    let other_node =
        nodes.iter().copied().find(|&r| r != untouched_right && r != touched_left).unwrap();
    let bump = |row: usize, column: &'static str| {
        (row, column, circuit.paging_cell(row, column).unwrap() + Fr::one())
    };
    let tampers: Vec<(&str, (usize, &str, Fr))> = vec![
        ("poseidon round state (old lane)", bump(leaf_steps[3] + 10, "old.s1")),
        ("poseidon S-box square (new lane)", bump(leaf_steps[5] + 2, "new.q0")),
        ("poseidon partial-round S-box output (old lane)", bump(leaf_steps[6] + 9, "old.q4")),
        ("sponge absorbs the element (old lane)", bump(continuing[2], "old.va")),
        ("sponge carries its capacity (new lane)", bump(continuing[7], "new.s0")),
        ("untouched sibling differs between the trees", bump(untouched_right, "new.vb")),
        ("node takes its child", bump(touched_left, "old.s1")),
        ("node domain", bump(other_node, "new.s0")),
        ("element packing (page-in)", bump(256 + 3, "pack_in")),
        ("element packing (page-out)", bump(512 + 9, "pack_out")),
        ("leaf flag off a slot row", (leaf_steps[4] + 7, "leaf", Fr::one())),
        ("last step pads with zero", bump(leaf_steps[18], "new.vb")),
        ("continuing step index", bump(continuing[11], "recv_index")),
    ];
    // Tampers aimed at one named constraint each, which must be among the row's failures.
    let used: Vec<usize> = tampers.iter().map(|(_, (row, _, _))| *row).collect();
    let free = |rows: &[usize]| -> Vec<usize> {
        rows.iter()
            .copied()
            .filter(|r| used.iter().all(|u| u.abs_diff(*r) > HASH_SLOT_ROWS))
            .collect()
    };
    let (nodes, continuing) = (free(&nodes), free(&continuing));
    let firsts = free(&slots_where(&circuit, "first", 1));
    let lasts = free(&slots_where(&circuit, "last", 1));
    let named: Vec<(&str, (usize, &str, Fr))> = vec![
        ("leaf or node", (nodes[2], "leaf", Fr::one())),
        ("first step is a leaf step", (nodes[4], "first", Fr::one())),
        ("last step is a leaf step", (nodes[6], "last", Fr::one())),
        ("touched left child of a node", (continuing[4], "touched_left", Fr::one())),
        ("leaf at level 0", (continuing[6], "level", Fr::one())),
        ("node children indices", bump(nodes[8], "recv_index")),
        ("first step takes elements 0, 1", bump(firsts[1], "recv_index")),
        ("last step takes element 36", bump(lasts[1], "recv_index")),
        ("leaf flag", (continuing[8], "leaf", Fr::from(2))),
    ];
    let changes: Vec<(usize, &str, Fr)> = tampers.iter().chain(&named).map(|(_, c)| *c).collect();
    let found = failures(&circuit.with_paging_cells(&changes).unwrap());
    let mut report = Vec::new();
    for (name, (row, _, _)) in &named {
        let at_row: Vec<&String> = found.iter().filter(|(r, _)| r == row).map(|(_, s)| s).collect();
        assert!(at_row.iter().any(|s| s.contains(name)), "`{name}` (row {row}): {at_row:?}");
        report.push(format!("{name}: rejected by it at row {row}"));
    }
    for (family, (row, _, _)) in &tampers {
        let at_row: Vec<&String> = found.iter().filter(|(r, _)| r == row).map(|(_, s)| s).collect();
        assert!(!at_row.is_empty(), "{family} (row {row}) was not rejected");
        report.push(format!("{family}: {}", at_row[0]));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn paging_tampers_only_the_bus_sees_are_rejected() {
    let (_, circuit) = random_segment(4);
    // A page word's low byte moved by one, the word kept: its top byte is no byte.
    let row = 256 + 17;
    let byte = circuit.cell(row, "pgi0").unwrap();
    let bad = circuit.with_cells(&[(row, "pgi0", (byte + 1) % 256)]).unwrap();
    assert!(!failures(&bad).is_empty(), "page word range check");
    // A leaf step that claims another page's elements.
    let step = slots_where(&circuit, "first", 1)[1];
    let index = circuit.paging_cell(step, "index").unwrap();
    let recv = circuit.paging_cell(step, "recv_index").unwrap();
    let bad = circuit
        .with_paging_cells(&[
            (step, "index", index + Fr::one()),
            (step, "recv_index", recv + Fr::from(64)),
        ])
        .unwrap();
    assert!(!failures(&bad).is_empty(), "leaf of another page");
}

#[test]
fn sign_helper_x0_boundary_and_page_order_tampers_each_hit_their_constraint() {
    let (record, circuit) = random_segment(5);
    let flip =
        |row: usize, column: &'static str| (row, column, 1 - circuit.cell(row, column).unwrap());
    // The effective sign of an operand flipped on the first row of `opcode`.
    let sign = |name: &'static str, opcode: Opcode, column: &'static str| -> Named {
        let row = rows_of(&record, opcode).into_iter().find(|&r| r > 0).unwrap();
        (name, row, vec![flip(row, column)])
    };
    // A row whose rd field is x0: whatever it computes, it writes zero.
    let x0_row = (1..record.events.len())
        .find(|&r| {
            let cell = |c| circuit.cell(r, c).unwrap();
            cell("rd_b0") == 0 && cell("rd_hi") == 0 && cell("f_ecall") == 0 && cell("f_data") == 0
        })
        .unwrap();
    let last = usable_rows(K) - 1;
    let bump_gap = |row: usize| (row, "pgd0", (circuit.cell(row, "pgd0").unwrap() + 1) % 256);
    let tampers: Vec<Named> = vec![
        // An unsigned op's operand read as signed (and a signed one's as unsigned).
        sign("effective sign of A", Opcode::Mulhu, "sae"),
        sign("effective sign of B", Opcode::Mulhsu, "sbe"),
        sign("effective sign of C", Opcode::Divu, "sce"),
        sign("effective sign of X", Opcode::Rem, "sxe"),
        ("rd value written (x0 stays zero)", x0_row, vec![(x0_row, "rd_val", 7)]),
        // The first row: no instruction, or a syscall data row.
        ("segment not empty", 0, vec![(0, "active", 0)]),
        ("segment starts with an instruction", 0, vec![(0, "f_data", 1)]),
        // The closing row: an instruction, or a page.
        ("closing row inactive", last, vec![(last, "active", 1)]),
        ("closing row has no page", last, vec![(last, "pg_active", 1)]),
        // The gap below the second page block's page, and the third block's range gap.
        ("pages strictly increase", 255, vec![bump_gap(256)]),
        ("page index in range", 513, vec![bump_gap(513)]),
    ];
    assert_named(&circuit, &tampers);
}
