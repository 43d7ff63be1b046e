//! Tamper tests of the keccak circuit: one changed witness value per constraint family,
//! each failing through its own constraint (and only the ones that read the same cell).

mod support;

use precompiles::keccak::layout::{
    pi_inverse, PermLayout, SlotKind, ACTIVE_ROW, CHAIN_OUT_ROW, POSEIDON_BASE,
};
use precompiles::keccak::spec::{self, digits, parity, RHO_OFFSETS, ROUND_CONSTANTS};
use precompiles::keccak::tables::Table;
use precompiles::keccak::{KeccakCircuit, KeccakColumn};
use precompiles::Fr;
use support::*;

struct Fixture {
    circuit: KeccakCircuit,
    layout: PermLayout,
    inputs: Vec<[u64; 25]>,
}

fn fixture() -> Fixture {
    let inputs = states(2, 42);
    Fixture { circuit: circuit(inputs.clone()), layout: PermLayout::new(shape()), inputs }
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

    fn round(&self, perm: usize, t: usize) -> spec::RoundTrace {
        spec::rounds(&self.inputs[perm]).swap_remove(t)
    }

    fn row(&self, perm: usize, slot: SlotKind) -> usize {
        slot_row(&self.layout, perm, slot)
    }

    fn part(&self, perm: usize, slot: SlotKind, c: usize) -> (KeccakColumn, usize) {
        part_cells(&self.layout, perm, slot, c).0
    }

    fn value(&self, perm: usize, slot: SlotKind, i: usize) -> (KeccakColumn, usize) {
        value_cell(&self.layout, perm, slot, i)
    }

    fn chain_row(&self, perm: usize) -> usize {
        self.layout.chain_row(perm)
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

fn pow_sparse(lane: u64) -> Fr {
    (0..64).filter(|z| (lane >> z) & 1 == 1).map(pow7).sum()
}

#[test]
fn theta_column_sum() {
    let f = fixture();
    let slot = SlotKind::Theta(3, 2);
    let digit = f.round(0, 3).column_sums[2][0];
    let input = f.part(0, slot, 0);
    let found = f.tampered(&[(input, shift(f.get(input), same_parity(digit)))]);
    assert_fails(&found, "theta input", Some(f.row(0, slot)), &[]);
}

#[test]
fn theta_rotated() {
    let f = fixture();
    let slot = SlotKind::Theta(3, 2);
    let cell = f.value(1, slot, 1);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "theta rotated", Some(f.row(1, slot)), &["theta D"]);
}

#[test]
fn theta_d() {
    let f = fixture();
    let cell = f.value(0, SlotKind::Theta(3, 1), 2);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "theta D", Some(f.row(0, SlotKind::Theta(3, 1))), &["copy"]);
}

#[test]
fn rho_input() {
    let f = fixture();
    let (t, k) = (5, 7);
    let slot = SlotKind::Rho(t, k);
    let digit = f.round(1, t).theta[pi_inverse(k)][0];
    let input = f.part(1, slot, 0);
    let found = f.tampered(&[(input, shift(f.get(input), same_parity(digit)))]);
    assert_fails(&found, "rho input", Some(f.row(1, slot)), &[]);
}

#[test]
fn rho_rotation() {
    let f = fixture();
    let (t, k) = (5, 7);
    let i = pi_inverse(k);
    let wrong = parity(&f.round(0, t).theta[i]).rotate_left(RHO_OFFSETS[i] as u32 + 1);
    let cell = f.value(0, SlotKind::Rho(t, k), 0);
    let found = f.tampered(&[(cell, pow_sparse(wrong))]);
    assert_fails(&found, "lane output", Some(f.row(0, SlotKind::Rho(t, k))), &["chi input"]);
}

#[test]
fn pi_placement() {
    let f = fixture();
    let a = f.value(0, SlotKind::Rho(9, 7), 1);
    let b = f.value(0, SlotKind::Rho(9, 8), 1);
    let found = f.tampered(&[(a, f.get(b)), (b, f.get(a))]);
    assert_fails(&found, "copy", None, &["rho input"]);
}

#[test]
fn chi_input() {
    let f = fixture();
    let (t, j) = (6, 3);
    let digit = f.round(0, t).chi_digits[j][0];
    // Digits with the same χ value: {0, 3, 4} → 0 and {1, 2} → 1.
    let other: i64 = match digit {
        0 => 3,
        3 | 4 => 0,
        1 => 2,
        _ => 1,
    };
    let input = f.part(0, SlotKind::Chi(t, j), 0);
    let found = f.tampered(&[(input, shift(f.get(input), other - i64::from(digit)))]);
    assert_fails(&found, "chi input", Some(f.row(0, SlotKind::Chi(t, j))), &[]);
}

#[test]
fn chi_output() {
    let f = fixture();
    let slot = SlotKind::Chi(6, 4);
    let cell = f.value(0, slot, 0);
    let bit = f.round(0, 6).out[4] & 1;
    let found = f.tampered(&[(cell, shift(f.get(cell), if bit == 1 { -1 } else { 1 }))]);
    assert_fails(&found, "lane output", Some(f.row(0, slot)), &["theta input", "copy"]);
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
    let slot = SlotKind::Rho(t, 0);
    let mut changes = Vec::new();
    for (c, p) in slot.parts(shape().part_width).iter().enumerate() {
        let d: Vec<u64> =
            without[p.offset..p.offset + p.width].iter().map(|&x| u64::from(x)).collect();
        let (i, o) = Table::Parity.entry(&d);
        let (input, output) = part_cells(&f.layout, 0, slot, c);
        changes.push((input, Fr::from(i)));
        changes.push((output, Fr::from(o)));
    }
    let found = f.tampered(&changes);
    assert_fails(&found, "rho input", Some(f.row(0, slot)), &["lane output"]);
}

#[test]
fn iota_on_the_output() {
    let f = fixture();
    let input = f.part(0, SlotKind::Iota, 0);
    let found = f.tampered(&[(input, f.get(input) + Fr::from(2))]);
    assert_fails(&found, "iota input", Some(f.row(0, SlotKind::Iota)), &[]);
}

#[test]
fn lookup_of_an_idle_cell() {
    let f = fixture();
    let idle = f.layout.rows_needed() + 3;
    let found = f.tampered(&[((KeccakColumn::Output(0, 0), idle), Fr::one())]);
    assert_fails(&found, "logup", None, &[]);
}

#[test]
fn lookup_of_a_part_wider_than_its_tag() {
    let f = fixture();
    let t = 2;
    let trace = f.round(0, t);
    // Move one unit from the next part's lowest digit into this part, above its width: the
    // lane's sum stays the same, only the width check can object.
    let (k, c) = (0..25)
        .flat_map(|k| (0..8).map(move |c| (k, c)))
        .find(|&(k, c)| {
            let parts = SlotKind::Rho(t, k).parts(shape().part_width);
            c + 1 < parts.len() && trace.theta[pi_inverse(k)][parts[c + 1].offset] >= 1
        })
        .expect("a non-zero digit");
    let slot = SlotKind::Rho(t, k);
    let parts = slot.parts(shape().part_width);
    let low = f.part(0, slot, c);
    let high = f.part(0, slot, c + 1);
    let found =
        f.tampered(&[(low, f.get(low) + pow7(parts[c].width)), (high, f.get(high) - Fr::one())]);
    assert_fails(&found, "logup", None, &[]);
}

#[test]
fn lookup_of_a_wrong_parity() {
    let f = fixture();
    let slot = SlotKind::Theta(3, 1);
    let (_, output) = part_cells(&f.layout, 0, slot, 0);
    let digit = digits(f.round(0, 3).c[1])[0];
    let found = f.tampered(&[(output, shift(f.get(output), if digit == 1 { -1 } else { 1 }))]);
    assert_fails(&found, "logup", None, &["lane output"]);
}

/// A wrong parity whose fraction the running sum absorbs by a jump into row `from`, so
/// that the sum still ends at zero.
fn absorbed_wrong_parity(f: &Fixture, from: usize) -> Vec<Failure> {
    let slot = SlotKind::Theta(3, 1);
    let (_, output) = part_cells(&f.layout, 0, slot, 0);
    let digit = digits(f.round(0, 3).c[1])[0];
    let changed = shift(f.get(output), if digit == 1 { -1 } else { 1 });
    failures(&f.circuit.with_cells(&[(output.0, output.1, changed)]).with_balanced_bus(from))
}

#[test]
fn logup_running_sum_starts_at_zero() {
    let f = fixture();
    assert!(failures(&f.circuit.clone().with_balanced_bus(0)).is_empty());
    // Only the start (`first · acc = 0` at row 0) objects.
    assert_fails(&absorbed_wrong_parity(&f, 0), "logup", Some(0), &["lane output"]);
}

#[test]
fn logup_running_sum_steps_by_the_helpers() {
    let f = fixture();
    // Only the step into row 1000 (`acc' = acc + Σh`, at row 999) objects.
    assert_fails(&absorbed_wrong_parity(&f, 1000), "logup", Some(999), &["lane output"]);
}

#[test]
fn input_binding() {
    let f = fixture();
    let cell = f.value(0, SlotKind::BinIn(3), 1);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "input binding", Some(f.row(0, SlotKind::BinIn(3))), &["output binding"]);
}

#[test]
fn input_lane_bits() {
    let f = fixture();
    let slot = SlotKind::BinIn(3);
    let (input, output) = part_cells(&f.layout, 1, slot, 2);
    let part = slot.parts(shape().part_width)[2];
    let bits = (f.inputs[1][3] >> part.offset) & ((1 << part.width) - 1) ^ 1;
    let (i, o) = Table::Bin.entry(&(0..part.width).map(|b| (bits >> b) & 1).collect::<Vec<_>>());
    let found = f.tampered(&[(input, Fr::from(i)), (output, Fr::from(o))]);
    assert_fails(&found, "input binding", Some(f.row(1, slot)), &["lane output"]);
}

#[test]
fn output_binding() {
    let f = fixture();
    let cell = f.value(1, SlotKind::BinOut(3), 2);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "output binding", Some(f.row(1, SlotKind::BinOut(3))), &["copy"]);
}

#[test]
fn output_lane_copy() {
    let f = fixture();
    let slot = SlotKind::BinOut(5);
    let out = spec::keccak_f(&f.inputs[0])[5];
    let cell = f.value(0, slot, 0);
    let found = f.tampered(&[(cell, pow_sparse(out ^ 1))]);
    assert_fails(&found, "copy", None, &["lane output"]);
}

#[test]
fn chain_element() {
    let f = fixture();
    let cell = (KeccakColumn::Chain, f.chain_row(0) + POSEIDON_BASE + 5 * 28);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "chain element", None, &["chain element hashed"]);
    let value = (KeccakColumn::Chain, f.chain_row(1) + POSEIDON_BASE + 16 * 28 + 2);
    let found = f.tampered(&[(value, f.get(value) + Fr::one())]);
    assert_fails(&found, "chain element", None, &["copy"]);
}

#[test]
fn chain_poseidon_state() {
    let f = fixture();
    let cell = (KeccakColumn::State(1), f.chain_row(0) + POSEIDON_BASE + 2 * 28 + 5);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "poseidon round", None, &[]);
}

#[test]
fn chain_domain() {
    let f = fixture();
    let cell = (KeccakColumn::State(0), f.chain_row(1) + POSEIDON_BASE + 3 * 28);
    let found = f.tampered(&[(cell, f.get(cell) + Fr::one())]);
    assert_fails(&found, "chain domain", None, &["poseidon round"]);
}

#[test]
fn chain_slot_end_and_active_flag() {
    let f = fixture();
    let out = (KeccakColumn::Chain, f.chain_row(0) + CHAIN_OUT_ROW);
    let found = f.tampered(&[(out, f.get(out) + Fr::one())]);
    assert_fails(&found, "chain slot end", None, &["chain next slot"]);
    let active = (KeccakColumn::Chain, f.chain_row(1) + ACTIVE_ROW);
    let found = f.tampered(&[(active, Fr::from(2))]);
    assert_fails(&found, "active is boolean", None, &["chain slot end"]);
}
