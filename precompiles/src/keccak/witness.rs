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
    poseidon_constants, poseidon_row_kind, KeccakConfig, FRACTIONS_PER_HELPER, STEP_ROWS,
};
use super::gates::sparse;
use super::layout::{
    Block, KeccakParams, Part, SlotLayout, ACTIVE_ROW, B_ROW, CHAIN_OUT_ROW, D_ROW, ELEMENTS,
    IOTA_INDEX, POSEIDON_BASE, PUBLIC_ROWS,
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

/// The input and output of `part` of a lane with `digits` in `table`.
fn part_values(table: Table, digits: &[u8; LANE_BITS], part: &Part) -> (Fr, Fr) {
    let d: Vec<u64> =
        digits[part.offset..part.offset + part.width].iter().map(|&x| u64::from(x)).collect();
    let (i, o) = table.entry(&d);
    (Fr::from(i), Fr::from(o))
}

/// The sparse value of a digit vector.
fn sparse_digits(d: &[u8; LANE_BITS]) -> Fr {
    d.iter()
        .enumerate()
        .map(|(z, &v)| super::gates::sparse_weight(z) * Fr::from(u64::from(v)))
        .sum()
}

/// Column indices of the witness (see [`KeccakConfig::advice`]).
struct Index {
    lookup_columns: usize,
}

impl Index {
    const LANE: usize = 0;
    const LANE_B: usize = 1;
    const CH: usize = 2;
    fn input(&self, j: usize) -> usize {
        3 + j
    }
    fn output(&self, j: usize) -> usize {
        3 + self.lookup_columns + j
    }
    fn multiplicity(&self) -> usize {
        3 + 2 * self.lookup_columns
    }
    fn state(&self, i: usize) -> usize {
        self.multiplicity() + 1 + i
    }
    fn aux(&self, i: usize) -> usize {
        self.state(circuits::poseidon::WIDTH) + i
    }
    fn count(&self) -> usize {
        self.aux(circuits::poseidon::chip::AUX_CELLS)
    }
}

/// Writes the parts of `block`'s decomposition `d` for lane digits `lane`, at `base`.
fn write_parts(
    columns: &mut [Vec<Fr>],
    ix: &Index,
    block: &Block,
    d: usize,
    lane: &[u8; LANE_BITS],
    base: usize,
) {
    let decomposition = &block.decompositions[d];
    for part in &decomposition.parts {
        let (i, o) = part_values(decomposition.table, lane, part);
        columns[ix.input(part.column)][base + part.row] = i;
        columns[ix.output(part.column)][base + part.row] = o;
    }
}

/// The first-phase advice columns (multiplicities still zero), `2^k` rows each.
pub(crate) fn columns(params: KeccakParams, batch: &KeccakBatch) -> Vec<Vec<Fr>> {
    let layout = SlotLayout::new(params);
    let ix = Index { lookup_columns: params.lookup_columns };
    let n = 1usize << params.k;
    let mut columns = vec![vec![Fr::ZERO; n]; ix.count()];
    let domain = Fr::from(CHAIN_DOMAIN + Chain::Keccak as u64);
    let mut chain = batch.chain_start;
    columns[Index::CH][0] = batch.chain_start;
    columns[Index::CH][1] = batch.chain_end();
    // Slots are independent except for the chain value: compute their traces in parallel.
    let slots: Vec<(bool, [u64; LANES], Vec<spec::RoundTrace>)> = (0..params.capacity)
        .into_par_iter()
        .map(|s| {
            let (active, input) = match batch.inputs.get(s) {
                Some(input) => (true, *input),
                None => (false, [0u64; LANES]),
            };
            (active, input, spec::rounds(&input))
        })
        .collect();
    for (s, (active, input, traces)) in slots.iter().enumerate() {
        let base = layout.slot_row(s);
        for (t, trace) in traces.iter().enumerate() {
            let b = base + layout.round_row(t);
            for i in 0..LANES {
                columns[Index::LANE][b + i] = sparse(trace.a[i]);
                columns[Index::LANE_B][b + B_ROW + i] = sparse(trace.b[i]);
            }
            for x in 0..5 {
                columns[Index::LANE][b + D_ROW + x] = sparse_digits(&trace.d[x]);
                write_parts(
                    &mut columns,
                    &ix,
                    &layout.round,
                    super::layout::theta_index(x),
                    &trace.column_sums[x],
                    b,
                );
            }
            for i in 0..LANES {
                write_parts(
                    &mut columns,
                    &ix,
                    &layout.round,
                    super::layout::rho_index(i),
                    &trace.theta[i],
                    b,
                );
                write_parts(
                    &mut columns,
                    &ix,
                    &layout.round,
                    super::layout::chi_index(i),
                    &trace.chi_digits[i],
                    b,
                );
            }
        }
        let last = traces[ROUNDS - 1].out;
        let output = spec::output(&last);
        let tb = base + layout.tail_row();
        for i in 0..LANES {
            columns[Index::LANE][tb + i] = sparse(last[i]);
            write_parts(
                &mut columns,
                &ix,
                &layout.tail,
                super::layout::input_index(i),
                &digits(input[i]),
                tb,
            );
            write_parts(
                &mut columns,
                &ix,
                &layout.tail,
                super::layout::output_index(i),
                &digits(output[i]),
                tb,
            );
        }
        let iota = add_digits(&[digits(last[0]), digits(ROUND_CONSTANTS[ROUNDS - 1])]);
        write_parts(&mut columns, &ix, &layout.tail, IOTA_INDEX, &iota, tb);

        let chain_in = chain;
        columns[Index::CH][base] = chain_in;
        let mut h = chain_in;
        for (q, e) in elements(input).into_iter().enumerate() {
            let row = base + POSEIDON_BASE + q * STEP_ROWS;
            columns[Index::CH][row] = e;
            let trace = PermutationTrace::new([domain, h, e]);
            for (r, state) in trace.states.iter().enumerate() {
                for (w, v) in state.iter().enumerate() {
                    columns[ix.state(w)][row + r] = *v;
                }
            }
            for (r, aux) in trace.aux.iter().enumerate() {
                for (w, v) in aux.iter().enumerate() {
                    columns[ix.aux(w)][row + r] = *v;
                }
            }
            h = trace.output()[1];
        }
        chain = if *active { h } else { chain_in };
        columns[Index::CH][base + CHAIN_OUT_ROW] = chain;
        columns[Index::CH][base + ACTIVE_ROW] = Fr::from(u64::from(*active));
    }
    columns
}

/// The tag of every row.
fn tags(layout: &SlotLayout, n: usize) -> Vec<u64> {
    let mut tags = vec![0u64; n];
    for s in 0..layout.params.capacity {
        let base = layout.slot_row(s);
        for t in 0..ROUNDS {
            for (r, &tag) in layout.round.tags.iter().enumerate() {
                tags[base + layout.round_row(t) + r] = tag;
            }
        }
        for (r, &tag) in layout.tail.tags.iter().enumerate() {
            tags[base + layout.tail_row() + r] = tag;
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
    let layout = SlotLayout::new(params);
    let ix = Index { lookup_columns: params.lookup_columns };
    let n = 1usize << params.k;
    let usable = super::circuit::usable_rows(params);
    let table = entries(params.part_width);
    let index: HashMap<(u64, u64, u64), usize> =
        table.iter().enumerate().map(|(i, &e)| (e, i)).collect();
    let tags = tags(&layout, n);
    let mut counts = vec![0u64; table.len()];
    for row in 0..usable {
        for j in 0..params.lookup_columns {
            let (Some(i), Some(o)) =
                (small(&columns[ix.input(j)][row]), small(&columns[ix.output(j)][row]))
            else {
                continue;
            };
            if let Some(&e) = index.get(&(tags[row], i, o)) {
                counts[e] += 1;
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
    layout: &SlotLayout,
    usable: usize,
) -> Vec<(Column<Fixed>, Vec<Fr>)> {
    let n = 1usize << layout.params.k;
    let tag: Vec<Fr> = tags(layout, n).into_iter().map(Fr::from).collect();
    let mut rc = vec![Fr::ZERO; n];
    let mut constants = vec![vec![Fr::ZERO; n]; config.constants.len()];
    for s in 0..layout.params.capacity {
        let base = layout.slot_row(s);
        for t in 1..ROUNDS {
            rc[base + layout.round_row(t)] = sparse(ROUND_CONSTANTS[t - 1]);
        }
        for q in 0..ELEMENTS {
            for r in 0..STEP_ROWS {
                if let Some(values) = poseidon_constants(r) {
                    for (c, v) in values.iter().enumerate() {
                        constants[c][base + POSEIDON_BASE + q * STEP_ROWS + r] = *v;
                    }
                }
            }
        }
    }
    let mut table = [vec![Fr::ZERO; n], vec![Fr::ZERO; n], vec![Fr::ZERO; n]];
    for (row, (t, i, o)) in entries(layout.params.part_width).into_iter().enumerate() {
        table[0][row] = Fr::from(t);
        table[1][row] = Fr::from(i);
        table[2][row] = Fr::from(o);
    }
    let mut bus = [vec![Fr::ZERO; n], vec![Fr::ZERO; n], vec![Fr::ZERO; n]];
    bus[0][..usable].iter_mut().for_each(|v| *v = Fr::ONE);
    bus[1][0] = Fr::ONE;
    bus[2][usable - 1] = Fr::ONE;
    let mut out = vec![(config.tag, tag), (config.rc, rc)];
    out.extend(config.table.iter().copied().zip(table));
    out.extend(config.bus.iter().copied().zip(bus));
    out.extend(config.constants.iter().copied().zip(constants));
    for (_, values) in &mut out {
        values.truncate(usable);
    }
    out
}

/// Switches the row selectors on.
pub(crate) fn enable_selectors(
    config: &KeccakConfig,
    layout: &SlotLayout,
    region: &mut Region<'_, Fr>,
) -> Result<(), Error> {
    let s = &config.selectors;
    let capacity = layout.params.capacity;
    for row in 0..PUBLIC_ROWS {
        s.public.enable(region, row)?;
    }
    for slot in 0..capacity {
        let base = layout.slot_row(slot);
        for t in 0..ROUNDS {
            s.round.enable(region, base + layout.round_row(t))?;
        }
        s.tail.enable(region, base + layout.tail_row())?;
        for q in 0..ELEMENTS {
            let input = base + POSEIDON_BASE + q * STEP_ROWS;
            s.hash_input.enable(region, input)?;
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
        if slot + 1 < capacity {
            s.chain_next.enable(region, base + CHAIN_OUT_ROW)?;
        } else {
            s.chain_end.enable(region, base + CHAIN_OUT_ROW)?;
        }
    }
    s.chain_start.enable(region, layout.slot_row(0))?;
    Ok(())
}

/// The LogUp helper columns and running sum over the usable rows.
pub(crate) fn helpers(
    config: &KeccakConfig,
    layout: &SlotLayout,
    columns: &[Vec<Fr>],
    usable: usize,
    (alpha, beta): (Fr, Fr),
) -> (Vec<Vec<Fr>>, Vec<Fr>) {
    let params = layout.params;
    let ix = Index { lookup_columns: params.lookup_columns };
    let n = 1usize << params.k;
    let tags = tags(layout, n);
    let table = entries(params.part_width);
    let compress = |t: Fr, i: Fr, o: Fr| beta - (t + alpha * (i + alpha * o));
    // Every row's fractions in configuration order: the lookups, then the table entry.
    let fraction = |row: usize, f: usize| -> (Fr, Fr) {
        if f < params.lookup_columns {
            let t = Fr::from(tags[row]);
            (Fr::ONE, compress(t, columns[ix.input(f)][row], columns[ix.output(f)][row]))
        } else {
            let (t, i, o) = table.get(row).copied().unwrap_or((0, 0, 0));
            (-columns[ix.multiplicity()][row], compress(Fr::from(t), Fr::from(i), Fr::from(o)))
        }
    };
    let fractions = params.lookup_columns + 1;
    let helpers: Vec<Vec<Fr>> = (0..config.logup.helpers.len())
        .into_par_iter()
        .map(|g| {
            let group: Vec<usize> = (g * FRACTIONS_PER_HELPER
                ..((g + 1) * FRACTIONS_PER_HELPER).min(fractions))
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
