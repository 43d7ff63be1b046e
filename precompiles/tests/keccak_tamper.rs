//! Tamper tests of the keccak circuit: one changed witness value per constraint family,
//! each failing through its own constraint (and only the ones that read the same cell).

mod support;

use precompiles::keccak::layout::{
    chi_index, input_index, output_index, rho_index, theta_index, SlotLayout, ACTIVE_ROW, A_ROW,
    B_ROW, CHAIN_OUT_ROW, D_ROW, IOTA_INDEX, POSEIDON_BASE,
};
use precompiles::keccak::spec::{self, digits, parity, pi, RHO_OFFSETS, ROUND_CONSTANTS};
use precompiles::keccak::tables::Table;
use precompiles::keccak::{KeccakCircuit, KeccakColumn};
use precompiles::Fr;
use support::*;

struct Fixture {
    circuit: KeccakCircuit,
    layout: SlotLayout,
    inputs: Vec<[u64; 25]>,
}

fn fixture() -> Fixture {
    let inputs = states(2, 42);
    Fixture { circuit: circuit(inputs.clone()), layout: SlotLayout::new(shape()), inputs }
}

impl Fixture {
    fn get(&self, (column, row): (KeccakColumn, usize)) -> Fr {
        self.circuit.cell(column, row).expect("a witness cell")
    }

    fn tampered(&self, changes: &[((KeccakColumn, usize), Fr)]) -> Vec<Failure> {
        let changes: Vec<(KeccakColumn, usize, Fr)> =
            changes.iter().map(|&((c, r), v)| (c, r, v)).collect();
        failures(&self.circuit.with_cells(&changes))
    }

    fn round(&self, slot: usize, t: usize) -> spec::RoundTrace {
        spec::rounds(&self.inputs[slot]).swap_remove(t)
    }
}

/// `±2` in a digit keeps its parity: the new digit for `d` (at most 6).
fn same_parity(d: u8) -> i64 {
    if d <= 4 {
        2
    } else {
        -2
    }
}

fn shift(x: Fr, by: i64) -> Fr {
    if by >= 0 {
        x + Fr::from(by as u64)
    } else {
        x - Fr::from((-by) as u64)
    }
}

#[test]
fn theta_column_parity_sum() {
    let f = fixture();
    let t = 3;
    let p = part(&f.layout.round, theta_index(2), 0);
    let digit = f.round(0, t).column_sums[2][p.offset];
    let (input, _) = part_cells(p, round_row(&f.layout, 0, t, 0));
    let found = f.tampered(&[(input, shift(f.get(input), same_parity(digit)))]);
    assert_fails(&found, "theta column sum", Some(round_row(&f.layout, 0, t, 0)), &[]);
}

#[test]
fn theta_d() {
    let f = fixture();
    let cell = (KeccakColumn::Lane, round_row(&f.layout, 0, 3, D_ROW + 1));
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "theta D", None, &["rho input"]);
}

#[test]
fn rho_input() {
    let f = fixture();
    let t = 5;
    let p = part(&f.layout.round, rho_index(7), 0);
    let digit = f.round(1, t).theta[7][p.offset];
    let (input, _) = part_cells(p, round_row(&f.layout, 1, t, 0));
    let found = f.tampered(&[(input, shift(f.get(input), same_parity(digit)))]);
    assert_fails(&found, "rho input", Some(round_row(&f.layout, 1, t, 0)), &[]);
}

#[test]
fn rho_rotation() {
    let f = fixture();
    let t = 5;
    let trace = f.round(0, t);
    let wrong = parity(&trace.theta[7]).rotate_left(RHO_OFFSETS[7] as u32 + 1);
    let cell = (KeccakColumn::LaneB, round_row(&f.layout, 0, t, B_ROW + pi(7)));
    let found = f.tampered(&[(cell, pow_sparse(wrong))]);
    assert_fails(&found, "rho-pi output", Some(round_row(&f.layout, 0, t, 0)), &["chi input"]);
}

#[test]
fn pi_placement() {
    let f = fixture();
    let t = 9;
    let a = (KeccakColumn::LaneB, round_row(&f.layout, 0, t, B_ROW + pi(7)));
    let b = (KeccakColumn::LaneB, round_row(&f.layout, 0, t, B_ROW + pi(8)));
    let found = f.tampered(&[(a, f.get(b)), (b, f.get(a))]);
    assert_fails(&found, "rho-pi output", None, &["chi input"]);
}

#[test]
fn chi_input() {
    let f = fixture();
    let t = 6;
    let p = part(&f.layout.round, chi_index(3), 0);
    let digit = f.round(0, t).chi_digits[3][p.offset];
    // Digits with the same χ value: {0, 3, 4} → 0 and {1, 2} → 1.
    let other: i64 = match digit {
        0 => 3,
        3 => 0,
        4 => 0,
        1 => 2,
        _ => 1,
    };
    let (input, _) = part_cells(p, round_row(&f.layout, 0, t, 0));
    let found = f.tampered(&[(input, shift(f.get(input), other - i64::from(digit)))]);
    assert_fails(&found, "chi input", Some(round_row(&f.layout, 0, t, 0)), &[]);
}

#[test]
fn chi_output() {
    let f = fixture();
    let cell = (KeccakColumn::Lane, round_row(&f.layout, 0, 7, A_ROW + 4));
    let bit = f.round(0, 7).a[4] & 1;
    let found = f.tampered(&[(cell, shift(f.get(cell), if bit == 1 { -1 } else { 1 }))]);
    assert_fails(
        &found,
        "chi output",
        Some(round_row(&f.layout, 0, 6, 0)),
        &["theta column sum", "rho input"],
    );
}

/// Round `t`'s lane-0 ρ parts recomputed as if ι had not been applied.
#[test]
fn iota_round_constant() {
    let f = fixture();
    let t = 4;
    let trace = f.round(0, t);
    assert_ne!(trace.iota_in, 0);
    let without: [u8; 64] =
        std::array::from_fn(|z| trace.theta[0][z] - digits(ROUND_CONSTANTS[t - 1])[z]);
    let base = round_row(&f.layout, 0, t, 0);
    let mut changes = Vec::new();
    for p in &f.layout.round.decompositions[rho_index(0)].parts {
        let d: Vec<u64> =
            without[p.offset..p.offset + p.width].iter().map(|&x| u64::from(x)).collect();
        let (i, o) = Table::Parity.entry(&d);
        let (input, output) = part_cells(*p, base);
        changes.push((input, Fr::from(i)));
        changes.push((output, Fr::from(o)));
    }
    let found = f.tampered(&changes);
    assert_fails(&found, "rho input", Some(base), &["rho-pi output"]);
}

#[test]
fn iota_on_the_output() {
    let f = fixture();
    let p = part(&f.layout.tail, IOTA_INDEX, 0);
    let (input, _) = part_cells(p, tail_row(&f.layout, 0, 0));
    let found = f.tampered(&[(input, f.get(input) + Fr::from(2))]);
    assert_fails(&found, "iota output", Some(tail_row(&f.layout, 0, 0)), &[]);
}

#[test]
fn lookup_of_an_idle_cell() {
    let f = fixture();
    let idle = f.layout.rows_needed() + 3;
    let found = f.tampered(&[((KeccakColumn::Output(0), idle), Fr::one())]);
    assert_fails(&found, "logup", None, &[]);
}

#[test]
fn lookup_of_a_part_wider_than_its_tag() {
    let f = fixture();
    let t = 2;
    let trace = f.round(0, t);
    let base = round_row(&f.layout, 0, t, 0);
    // Move one unit from the next part's lowest digit into this part, above its width: the
    // lane's sum stays the same, only the width check can object.
    let (lane, j) = (0..25)
        .flat_map(|i| (0..8).map(move |j| (i, j)))
        .find(|&(i, j)| {
            let parts = &f.layout.round.decompositions[rho_index(i)].parts;
            j + 1 < parts.len() && trace.theta[i][parts[j + 1].offset] >= 1
        })
        .expect("a non-zero digit");
    let parts = &f.layout.round.decompositions[rho_index(lane)].parts;
    let (low, _) = part_cells(parts[j], base);
    let (high, _) = part_cells(parts[j + 1], base);
    let found =
        f.tampered(&[(low, f.get(low) + pow7(parts[j].width)), (high, f.get(high) - Fr::one())]);
    assert_fails(&found, "logup", None, &[]);
}

#[test]
fn lookup_of_a_wrong_parity() {
    let f = fixture();
    let p = part(&f.layout.round, theta_index(1), 0);
    let base = round_row(&f.layout, 0, 3, 0);
    let (_, output) = part_cells(p, base);
    let digit = digits(f.round(0, 3).c[1])[p.offset];
    let found = f.tampered(&[(output, shift(f.get(output), if digit == 1 { -1 } else { 1 }))]);
    assert_fails(&found, "logup", None, &["theta D"]);
}

#[test]
fn input_binding() {
    let f = fixture();
    let p = part(&f.layout.tail, input_index(3), 2);
    let (input, output) = part_cells(p, tail_row(&f.layout, 0, 0));
    let bits = (f.inputs[0][3] >> p.offset) & 0xf ^ 1;
    let (i, o) = Table::Bin.entry(&(0..4).map(|b| (bits >> b) & 1).collect::<Vec<_>>());
    let found = f.tampered(&[(input, Fr::from(i)), (output, Fr::from(o))]);
    assert_fails(&found, "input binding", Some(tail_row(&f.layout, 0, 0)), &["chain element"]);
}

#[test]
fn output_binding() {
    let f = fixture();
    let p = part(&f.layout.tail, output_index(3), 5);
    let (input, output) = part_cells(p, tail_row(&f.layout, 1, 0));
    let out = spec::keccak_f(&f.inputs[1])[3];
    let bits = (out >> p.offset) & 0xf ^ 4;
    let (i, o) = Table::Bin.entry(&(0..4).map(|b| (bits >> b) & 1).collect::<Vec<_>>());
    let found = f.tampered(&[(input, Fr::from(i)), (output, Fr::from(o))]);
    assert_fails(&found, "output binding", Some(tail_row(&f.layout, 1, 0)), &["chain element"]);
}

#[test]
fn chain_element() {
    let f = fixture();
    let cell = (KeccakColumn::Chain, f.layout.slot_row(0) + POSEIDON_BASE + 5 * 28);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "chain element", None, &["chain element hashed"]);
}

#[test]
fn chain_poseidon_state() {
    let f = fixture();
    let cell = (KeccakColumn::State(1), f.layout.slot_row(0) + POSEIDON_BASE + 2 * 28 + 5);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "poseidon round", None, &[]);
}

#[test]
fn chain_domain() {
    let f = fixture();
    let cell = (KeccakColumn::State(0), f.layout.slot_row(1) + POSEIDON_BASE + 3 * 28);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "chain domain", None, &["poseidon round"]);
}

#[test]
fn chain_slot_end_and_active_flag() {
    let f = fixture();
    let out = (KeccakColumn::Chain, f.layout.slot_row(0) + CHAIN_OUT_ROW);
    let found = f.tampered(&[(out, f.get(out) + Fr::one())]);
    assert_fails(&found, "chain slot end", None, &["chain next slot"]);
    let active = (KeccakColumn::Chain, f.layout.slot_row(1) + ACTIVE_ROW);
    let found = f.tampered(&[(active, Fr::from(2))]);
    assert_fails(&found, "active is boolean", None, &["chain slot end"]);
}

fn pow_sparse(lane: u64) -> Fr {
    (0..64).filter(|z| (lane >> z) & 1 == 1).map(pow7).sum()
}
