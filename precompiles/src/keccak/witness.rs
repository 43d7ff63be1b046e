//! The witness: a batch of permutations, and the circuit's columns computed from it.

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    circuit::Region,
    halo2curves::ff::{BatchInvert, PrimeField},
    plonk::{Column, Error, Fixed},
};
use rayon::prelude::*;
use std::collections::HashMap;

use super::circuit::{
    poseidon_constants, poseidon_row_kind, KeccakColumn, KeccakConfig, FRACTIONS_PER_HELPER,
    GROUP_ADVICE, STEP_ROWS,
};
use super::gates::{sparse, sparse_digits, sparse_weight, RC_ROW, WRAP_ROW};
use super::layout::{
    cell_position, pi_inverse, KeccakParams, Part, PermLayout, SlotKind, ACTIVE_ROW, CHAIN_OUT_ROW,
    ELEMENTS, GROUP_COLUMNS, POSEIDON_BASE, PUBLIC_ROWS, VALUES_PER_ELEMENT,
};
use super::spec::{self, add_digits, digits, LANES, LANE_BITS, ROUNDS, ROUND_CONSTANTS};
use super::tables::{entries, Table};
use super::KeccakError;
use circuits::chains::{call_values, chain_step, pack_values, Chain, CHAIN_DOMAIN};
use circuits::poseidon::chip::PermutationTrace;
use circuits::Fr;
use vm::trace::PrecompileCall;

/// A batch of keccak-f calls, in call order, and the keccak chain's value before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeccakBatch {
    inputs: Vec<[u64; LANES]>,
    chain_start: Fr,
}

impl KeccakBatch {
    /// A batch of the permutations of `inputs`, continuing the chain from `chain_start`.
    pub fn new(inputs: Vec<[u64; LANES]>, chain_start: Fr) -> Self {
        Self { inputs, chain_start }
    }

    /// The batch of `calls` (all `KECCAK_PERMUTE`, each with its true output).
    pub fn from_calls(calls: &[PrecompileCall], chain_start: Fr) -> Result<Self, KeccakError> {
        let mut inputs = Vec::with_capacity(calls.len());
        for (index, call) in calls.iter().enumerate() {
            let PrecompileCall::KeccakPermute { input, output } = call else {
                return Err(KeccakError::NotKeccak { index });
            };
            if spec::keccak_f(input) != *output {
                return Err(KeccakError::WrongOutput { index });
            }
            inputs.push(*input);
        }
        Ok(Self { inputs, chain_start })
    }

    /// Cuts the keccak calls among `calls` into batches of at most `capacity`, each
    /// starting its chain where the previous one ended (the first from the initial value).
    pub fn split(calls: &[PrecompileCall], capacity: usize) -> Result<Vec<Self>, KeccakError> {
        crate::split_chained(
            calls,
            capacity,
            |c| matches!(c, PrecompileCall::KeccakPermute { .. }),
            Self::from_calls,
            Self::chain_end,
        )
    }

    /// The permutations' inputs.
    pub fn inputs(&self) -> &[[u64; LANES]] {
        &self.inputs
    }

    /// The number of permutations.
    pub fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// The chain's value before the batch.
    pub fn chain_start(&self) -> Fr {
        self.chain_start
    }

    /// The chain's value after the batch: what the VM's keccak chain holds after the same
    /// calls.
    pub fn chain_end(&self) -> Fr {
        self.inputs.iter().fold(self.chain_start, |h, input| {
            elements(input).into_iter().fold(h, |h, e| chain_step(Chain::Keccak, h, e))
        })
    }
}

/// The 17 chain elements of the permutation of `input`.
pub fn elements(input: &[u64; LANES]) -> Vec<Fr> {
    let call = PrecompileCall::KeccakPermute { input: *input, output: spec::keccak_f(input) };
    pack_values(&call_values(&call).1)
}

/// One permutation's values: its input, its rounds and its output.
struct Permutation {
    active: bool,
    input: [u64; LANES],
    rounds: Vec<spec::RoundTrace>,
    output: [u64; LANES],
}

impl Permutation {
    fn new(active: bool, input: [u64; LANES]) -> Self {
        let rounds = spec::rounds(&input);
        let output = spec::output(&rounds[ROUNDS - 1].out);
        Self { active, input, rounds, output }
    }

    /// A slot's input digits and its three `V` values.
    fn slot(&self, slot: SlotKind) -> ([u8; LANE_BITS], [Fr; 3]) {
        let words = |lane: u64| (lane & 0xffff_ffff, lane >> 32);
        match slot {
            SlotKind::BinIn(i) => {
                let (lo, hi) = words(self.input[i]);
                (digits(self.input[i]), [sparse(self.input[i]), Fr::from(lo), Fr::from(hi)])
            }
            SlotKind::Theta(t, x) => {
                let r = &self.rounds[t];
                let values =
                    [sparse(r.c[x]), sparse(r.c[x].rotate_left(1)), sparse_digits(&r.d[x])];
                (r.column_sums[x], values)
            }
            SlotKind::Rho(t, k) => {
                let r = &self.rounds[t];
                let i = pi_inverse(k);
                (r.theta[i], [sparse(r.b[k]), sparse(r.a[i]), sparse_digits(&r.d[i % 5])])
            }
            SlotKind::Chi(t, j) => {
                let r = &self.rounds[t];
                (r.chi_digits[j], [sparse(r.out[j]), Fr::ZERO, Fr::ZERO])
            }
            SlotKind::Iota => {
                let last = self.rounds[ROUNDS - 1].out[0];
                let d = add_digits(&[digits(last), digits(ROUND_CONSTANTS[ROUNDS - 1])]);
                (d, [sparse(self.output[0]), Fr::ZERO, Fr::ZERO])
            }
            SlotKind::BinOut(j) => {
                let (in_lo, in_hi) = words(self.input[j]);
                let (lo, hi) = words(self.output[j]);
                let values = [
                    sparse(self.output[j]),
                    Fr::from(in_lo | (lo << 32)),
                    Fr::from(in_hi | (hi << 32)),
                ];
                (digits(self.output[j]), values)
            }
        }
    }
}

/// Column indices of the witness beyond the groups (see [`KeccakConfig::advice`]): the
/// named ones from [`KeccakColumn::index`], the multiplicities and Poseidon's aux cells
/// around them.
struct Index {
    params: KeccakParams,
}

impl Index {
    fn ch(&self) -> usize {
        KeccakColumn::Chain.index(self.params)
    }
    fn multiplicity(&self) -> usize {
        self.ch() + 1
    }
    fn state(&self, i: usize) -> usize {
        KeccakColumn::State(i).index(self.params)
    }
    fn aux(&self, i: usize) -> usize {
        self.state(circuits::poseidon::WIDTH) + i
    }
    fn count(&self) -> usize {
        self.aux(circuits::poseidon::chip::AUX_CELLS)
    }
}

/// Every slot of a permutation with its parts, in order.
fn slot_parts(params: KeccakParams) -> Vec<(SlotKind, Vec<Part>)> {
    SlotKind::all().into_iter().map(|slot| (slot, slot.parts(params.part_width))).collect()
}

/// Writes one group's slots (`slots`, from [`slot_parts`]) of permutation `perm` from row
/// `base` into its columns (`group[j]` is the group's input `j`, output `j` at
/// `GROUP_COLUMNS + j`, `V` last).
fn write_permutation(
    group: &mut [Vec<Fr>],
    slots: &[(SlotKind, Vec<Part>)],
    layout: &PermLayout,
    perm: &Permutation,
    base: usize,
) {
    for &(slot, ref parts) in slots {
        let row = base + layout.slot_row(slot);
        let (lane, values) = perm.slot(slot);
        let table = slot.table();
        for (c, part) in parts.iter().enumerate() {
            let d: Vec<u64> =
                lane[part.offset..part.offset + part.width].iter().map(|&x| u64::from(x)).collect();
            let (i, o) = table.entry(&d);
            let (r, j) = cell_position(c);
            group[j][row + r] = Fr::from(i);
            group[GROUP_COLUMNS + j][row + r] = Fr::from(o);
        }
        for (v, value) in values.into_iter().enumerate() {
            group[2 * GROUP_COLUMNS][row + v] = value;
        }
    }
}

/// The first-phase advice columns (multiplicities still zero), `2^k` rows each.
pub(crate) fn columns(params: KeccakParams, batch: &KeccakBatch) -> Vec<Vec<Fr>> {
    let layout = PermLayout::new(params);
    let ix = Index { params };
    let n = 1usize << params.k;
    let perms: Vec<Permutation> = (0..params.capacity)
        .into_par_iter()
        .map(|p| match batch.inputs.get(p) {
            Some(input) => Permutation::new(true, *input),
            None => Permutation::new(false, [0u64; LANES]),
        })
        .collect();
    let slots = slot_parts(params);
    let mut columns = vec![vec![Fr::ZERO; n]; ix.count()];
    let (groups, rest) = columns.split_at_mut(ix.ch());
    groups.par_chunks_mut(GROUP_ADVICE).enumerate().for_each(|(g, group)| {
        for (p, perm) in perms.iter().enumerate().filter(|(p, _)| layout.group(*p) == g) {
            write_permutation(group, &slots, &layout, perm, layout.perm_row(p));
        }
    });
    let ch = 0;
    let state = |i: usize| ix.state(i) - ix.ch();
    let aux = |i: usize| ix.aux(i) - ix.ch();
    let domain = Fr::from(CHAIN_DOMAIN + Chain::Keccak as u64);
    rest[ch][0] = batch.chain_start;
    rest[ch][1] = batch.chain_end();
    let mut chain = batch.chain_start;
    for (p, perm) in perms.iter().enumerate() {
        let base = layout.chain_row(p);
        rest[ch][base] = chain;
        let call = PrecompileCall::KeccakPermute { input: perm.input, output: perm.output };
        let values = call_values(&call).1;
        let mut h = chain;
        for (q, e) in pack_values(&values).into_iter().enumerate() {
            let row = base + POSEIDON_BASE + q * STEP_ROWS;
            rest[ch][row] = e;
            for (m, v) in
                values.iter().skip(q * VALUES_PER_ELEMENT).take(VALUES_PER_ELEMENT).enumerate()
            {
                rest[ch][row + 1 + m] = Fr::from(*v);
            }
            let trace = PermutationTrace::new([domain, h, e]);
            for (r, s) in trace.states.iter().enumerate() {
                for (w, v) in s.iter().enumerate() {
                    rest[state(w)][row + r] = *v;
                }
            }
            for (r, a) in trace.aux.iter().enumerate() {
                for (w, v) in a.iter().enumerate() {
                    rest[aux(w)][row + r] = *v;
                }
            }
            h = trace.output()[1];
        }
        chain = if perm.active { h } else { rest[ch][base] };
        rest[ch][base + CHAIN_OUT_ROW] = chain;
        rest[ch][base + ACTIVE_ROW] = Fr::from(u64::from(perm.active));
    }
    columns
}

/// The copy constraints, as `((witness column, row), (witness column, row))`: each ρ slot's
/// `A[π⁻¹(k)]` and `D[x]`, the output lanes, and the chain's values.
pub(crate) fn copies(layout: &PermLayout) -> Vec<((usize, usize), (usize, usize))> {
    let params = layout.params;
    let ix = Index { params };
    let mut out = Vec::new();
    for p in 0..params.capacity {
        let v = KeccakColumn::Value(layout.group(p)).index(params);
        let base = layout.perm_row(p);
        let cell = |slot: SlotKind, i: usize| (v, base + layout.slot_row(slot) + i);
        for t in 0..ROUNDS {
            for k in 0..LANES {
                let i = pi_inverse(k);
                let a = if t == 0 { SlotKind::BinIn(i) } else { SlotKind::Chi(t - 1, i) };
                out.push((cell(SlotKind::Rho(t, k), 1), cell(a, 0)));
                out.push((cell(SlotKind::Rho(t, k), 2), cell(SlotKind::Theta(t, i % 5), 2)));
            }
        }
        for j in 0..LANES {
            let lane = if j == 0 { SlotKind::Iota } else { SlotKind::Chi(ROUNDS - 1, j) };
            out.push((cell(SlotKind::BinOut(j), 0), cell(lane, 0)));
        }
        for k in 0..2 * LANES {
            let (q, m) = (k / VALUES_PER_ELEMENT, k % VALUES_PER_ELEMENT);
            let row = layout.chain_row(p) + POSEIDON_BASE + q * STEP_ROWS + 1 + m;
            out.push((cell(SlotKind::BinOut(k / 2), 1 + k % 2), (ix.ch(), row)));
        }
    }
    out
}

/// The fixed values of one permutation's rows: each cell's tag and weights, and each
/// slot's constants (its round constant and wrap switches, a row each).
struct PermFixed {
    tag: [Vec<u64>; GROUP_COLUMNS],
    w_in: [Vec<Fr>; GROUP_COLUMNS],
    w_out: [Vec<Fr>; GROUP_COLUMNS],
    slot_constants: Vec<Fr>,
}

impl PermFixed {
    fn new(layout: &PermLayout) -> Self {
        let rows = layout.rows;
        let cells = || [(); GROUP_COLUMNS].map(|_| vec![Fr::ZERO; rows]);
        let mut out = Self {
            tag: [(); GROUP_COLUMNS].map(|_| vec![0u64; rows]),
            w_in: cells(),
            w_out: cells(),
            slot_constants: vec![Fr::ZERO; rows],
        };
        // Every slot has a row for each of its constants (`PermLayout` gives it at least 3).
        debug_assert!(layout.slot_rows > WRAP_ROW + 1);
        let bit = |b: bool| Fr::from(u64::from(b));
        for (slot, parts) in slot_parts(layout.params) {
            let row = layout.slot_row(slot);
            let table = slot.table();
            let rotation = slot.rotation();
            for (c, part) in parts.iter().enumerate() {
                let (r, j) = cell_position(c);
                out.tag[j][row + r] = table.tag(part.width);
                out.w_in[j][row + r] = match table {
                    Table::Bin => Fr::from(1u64 << (part.offset % 32)),
                    _ => sparse_weight(part.offset),
                };
                out.w_out[j][row + r] = sparse_weight((part.offset + rotation) % LANE_BITS);
            }
            let constants = &mut out.slot_constants;
            match slot {
                SlotKind::Theta(t, 0) | SlotKind::Rho(t, 0) if t > 0 => {
                    constants[row + RC_ROW] = sparse(ROUND_CONSTANTS[t - 1]);
                }
                SlotKind::Iota => constants[row + RC_ROW] = sparse(ROUND_CONSTANTS[ROUNDS - 1]),
                _ => {}
            }
            let wraps = match slot {
                SlotKind::Theta(_, x) => Some([x == 0, x == 4]),
                SlotKind::Chi(_, j) => Some([j % 5 == 4, j % 5 >= 3]),
                _ => None,
            };
            for (i, wraps) in wraps.into_iter().flat_map(|w| w.into_iter().enumerate()) {
                constants[row + WRAP_ROW + i] = bit(wraps);
            }
        }
        out
    }
}

/// Each lookup column's tag on every row.
fn tags(layout: &PermLayout, n: usize) -> [Vec<u64>; GROUP_COLUMNS] {
    let perm = PermFixed::new(layout);
    let mut tags = [(); GROUP_COLUMNS].map(|_| vec![0u64; n]);
    for m in 0..layout.params.capacity / layout.params.groups {
        let base = layout.perm_row(m * layout.params.groups);
        for (dst, src) in tags.iter_mut().zip(&perm.tag) {
            dst[base..base + layout.rows].copy_from_slice(src);
        }
    }
    tags
}

/// A small field element as an integer.
fn small(x: &Fr) -> Option<u64> {
    let repr = x.to_repr();
    let bytes = repr.as_ref();
    if bytes[8..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    Some(u64::from_le_bytes(low))
}

/// Counts each table entry's lookups into the multiplicity column. A looked-up tuple that
/// is no entry is not counted, and the LogUp sum then does not vanish.
pub(crate) fn set_multiplicities(params: KeccakParams, columns: &mut [Vec<Fr>]) {
    let layout = PermLayout::new(params);
    let ix = Index { params };
    let n = 1usize << params.k;
    let usable = super::circuit::usable_rows(params);
    let table = entries(params.part_width);
    let index: HashMap<(u64, u64, u64), usize> =
        table.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let tags = tags(&layout, n);
    let mut counts = vec![0u64; table.len()];
    for row in 0..usable {
        for g in 0..params.groups {
            for (j, tags) in tags.iter().enumerate() {
                let input = KeccakColumn::Input(g, j).index(params);
                let output = KeccakColumn::Output(g, j).index(params);
                let (Some(i), Some(o)) =
                    (small(&columns[input][row]), small(&columns[output][row]))
                else {
                    continue;
                };
                if let Some(&e) = index.get(&(tags[row], i, o)) {
                    counts[e] += 1;
                }
            }
        }
    }
    let m = &mut columns[ix.multiplicity()];
    m.iter_mut().for_each(|v| *v = Fr::ZERO);
    for (row, count) in counts.into_iter().enumerate() {
        m[row] = Fr::from(count);
    }
}

/// The fixed columns' values over the usable rows.
pub(crate) fn fixed(
    config: &KeccakConfig,
    layout: &PermLayout,
    usable: usize,
) -> Vec<(Column<Fixed>, Vec<Fr>)> {
    let params = layout.params;
    let n = 1usize << params.k;
    let perm = PermFixed::new(layout);
    let zeros = || vec![Fr::ZERO; n];
    let mut tag = [(); GROUP_COLUMNS].map(|_| zeros());
    let mut w_in = [(); GROUP_COLUMNS].map(|_| zeros());
    let mut w_out = [(); GROUP_COLUMNS].map(|_| zeros());
    let mut slot_constants = zeros();
    for m in 0..params.capacity / params.groups {
        let base = layout.perm_row(m * params.groups);
        let span = base..base + layout.rows;
        for j in 0..GROUP_COLUMNS {
            for (dst, &t) in tag[j][span.clone()].iter_mut().zip(&perm.tag[j]) {
                *dst = Fr::from(t);
            }
            w_in[j][span.clone()].copy_from_slice(&perm.w_in[j]);
            w_out[j][span.clone()].copy_from_slice(&perm.w_out[j]);
        }
        slot_constants[span.clone()].copy_from_slice(&perm.slot_constants);
    }
    let mut constants = vec![zeros(); config.constants.len()];
    for p in 0..params.capacity {
        for q in 0..ELEMENTS {
            for r in 0..STEP_ROWS {
                if let Some(values) = poseidon_constants(r) {
                    let row = layout.chain_row(p) + POSEIDON_BASE + q * STEP_ROWS + r;
                    for (c, v) in values.iter().enumerate() {
                        constants[c][row] = *v;
                    }
                }
            }
        }
    }
    let mut table = [zeros(), zeros(), zeros()];
    for (row, (t, i, o)) in entries(params.part_width).into_iter().enumerate() {
        table[0][row] = Fr::from(t);
        table[1][row] = Fr::from(i);
        table[2][row] = Fr::from(o);
    }
    let mut usable_column = zeros();
    usable_column[..usable].iter_mut().for_each(|v| *v = Fr::ONE);
    usable_column[usable - 1] = Fr::from(2);
    let shared = &config.shared;
    let mut out: Vec<(Column<Fixed>, Vec<Fr>)> = Vec::new();
    out.extend(shared.tag.iter().copied().zip(tag));
    out.extend(shared.w_in.iter().copied().zip(w_in));
    out.extend(shared.w_out.iter().copied().zip(w_out));
    out.push((shared.slot_constants, slot_constants));
    out.extend(config.table.iter().copied().zip(table));
    out.push((config.usable, usable_column));
    out.extend(config.constants.iter().copied().zip(constants));
    for (_, values) in &mut out {
        values.truncate(usable);
    }
    out
}

/// Switches the row selectors on.
pub(crate) fn enable_selectors(
    config: &KeccakConfig,
    layout: &PermLayout,
    region: &mut Region<'_, Fr>,
) -> Result<(), Error> {
    let s = &config.selectors;
    let params = layout.params;
    for row in 0..PUBLIC_ROWS {
        s.public.enable(region, row)?;
    }
    for m in 0..params.capacity / params.groups {
        let base = layout.perm_row(m * params.groups);
        for slot in SlotKind::all() {
            let row = base + layout.slot_row(slot);
            let kind = match slot {
                SlotKind::BinIn(_) => s.bin_in,
                SlotKind::Theta(..) => s.theta,
                SlotKind::Rho(..) => s.rho,
                SlotKind::Chi(..) => s.chi,
                SlotKind::Iota => s.iota,
                SlotKind::BinOut(_) => s.bin_out,
            };
            kind.enable(region, row)?;
        }
    }
    let values = 2 * LANES;
    for p in 0..params.capacity {
        let base = layout.chain_row(p);
        for q in 0..ELEMENTS {
            let input = base + POSEIDON_BASE + q * STEP_ROWS;
            s.hash_input.enable(region, input)?;
            if values - q * VALUES_PER_ELEMENT >= VALUES_PER_ELEMENT {
                s.element.enable(region, input)?;
            } else {
                s.element_short.enable(region, input)?;
            }
            if q == 0 {
                s.hash_first.enable(region, input)?;
            } else {
                s.hash_link.enable(region, input)?;
            }
            for r in 0..STEP_ROWS {
                match poseidon_row_kind(r) {
                    Some(true) => s.full.enable(region, input + r)?,
                    Some(false) => s.partial.enable(region, input + r)?,
                    None => {}
                }
            }
        }
        s.chain_out.enable(region, base + CHAIN_OUT_ROW)?;
        if p + 1 < params.capacity {
            s.chain_next.enable(region, base + CHAIN_OUT_ROW)?;
        } else {
            s.chain_end.enable(region, base + CHAIN_OUT_ROW)?;
        }
    }
    s.chain_start.enable(region, layout.chain_row(0))?;
    s.bus_first.enable(region, 0)?;
    Ok(())
}

/// The LogUp helper columns and running sum over the usable rows.
pub(crate) fn helpers(
    config: &KeccakConfig,
    layout: &PermLayout,
    columns: &[Vec<Fr>],
    usable: usize,
    (alpha, beta): (Fr, Fr),
) -> (Vec<Vec<Fr>>, Vec<Fr>) {
    let params = layout.params;
    let ix = Index { params };
    let n = 1usize << params.k;
    let tags = tags(layout, n);
    let table = entries(params.part_width);
    let compress = |t: Fr, i: Fr, o: Fr| beta - (t + alpha * (i + alpha * o));
    let lookups = params.groups * GROUP_COLUMNS;
    // Every row's fractions in configuration order: the lookups, then the table entry.
    let fraction = |row: usize, f: usize| -> (Fr, Fr) {
        if f < lookups {
            let (g, j) = (f / GROUP_COLUMNS, f % GROUP_COLUMNS);
            let t = Fr::from(tags[j][row]);
            let i = columns[KeccakColumn::Input(g, j).index(params)][row];
            let o = columns[KeccakColumn::Output(g, j).index(params)][row];
            (Fr::ONE, compress(t, i, o))
        } else {
            let (t, i, o) = table.get(row).copied().unwrap_or((0, 0, 0));
            (-columns[ix.multiplicity()][row], compress(Fr::from(t), Fr::from(i), Fr::from(o)))
        }
    };
    let fractions = lookups + 1;
    let helpers: Vec<Vec<Fr>> = (0..config.logup.helpers.len())
        .into_par_iter()
        .map(|h| {
            let group: Vec<usize> = (h * FRACTIONS_PER_HELPER
                ..((h + 1) * FRACTIONS_PER_HELPER).min(fractions))
                .collect();
            let mut numerators = Vec::with_capacity(usable * group.len());
            let mut denominators = Vec::with_capacity(usable * group.len());
            for row in 0..usable {
                for &f in &group {
                    let (m, d) = fraction(row, f);
                    numerators.push(m);
                    denominators.push(d);
                }
            }
            denominators.iter_mut().batch_invert();
            numerators
                .chunks(group.len())
                .zip(denominators.chunks(group.len()))
                .map(|(m, d)| m.iter().zip(d).fold(Fr::ZERO, |acc, (m, d)| acc + *m * d))
                .collect()
        })
        .collect();
    let mut acc = Vec::with_capacity(usable);
    let mut running = Fr::ZERO;
    for row in 0..usable {
        acc.push(running);
        running += helpers.iter().fold(Fr::ZERO, |s, h| s + h[row]);
    }
    (helpers, acc)
}
