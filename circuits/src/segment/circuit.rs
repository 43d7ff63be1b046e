//! The segment circuit: configuration (gates and the bus) and synthesis.

use std::sync::OnceLock;

use halo2_base::halo2_proofs::{
    arithmetic::Field,
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Expression, Fixed},
    poly::Rotation,
};

use super::chain::{self, Boundary, ChainNext};
use super::chain_witness;
use super::cpu::{self, NextRow};
use super::expr::{k, Derived};
use super::layout::{Columns, FixedColumns, Row};
use super::memory::{self, FixedRow, PageRows, Riders};
use super::merkle::{self, HashBus, HashColumns, HashFixed};
use super::merkle_witness;
use super::start::SegmentStart;
use super::tables::{table_rows, AND_ROWS};
use super::witness::{build_rows, SegmentPublicInputs, CHAIN_INSTANCES};
use super::SegmentError;
use crate::chains::Chain;
use crate::logup::{BusSelectors, LogUpConfig};
use crate::Fr;
use vm::trace::SegmentRecord;

/// Smallest circuit size: the AND table alone fills 2^16 rows.
pub const MIN_SEGMENT_K: u32 = 17;

/// Rows of a `2^k` circuit the segment may use (the rest are halo2's blinding rows and the
/// closing row).
pub fn usable_rows(k: u32) -> usize {
    (1usize << k) - usize::try_from(vm::SEGMENT_RESERVED_ROWS).unwrap_or(64) + 1
}

/// The circuit's configuration.
#[derive(Debug, Clone)]
pub struct SegmentConfig {
    pub(crate) cols: Columns,
    pub(crate) fixed: FixedColumns,
    pub(crate) hash: HashColumns,
    pub(crate) hash_fixed: HashFixed,
    pub(crate) logup: LogUpConfig,
}

impl SegmentConfig {
    /// Every first-phase advice column: the integer rows', then the hash slots'.
    pub(crate) fn advice(&self) -> Vec<Column<Advice>> {
        let mut all = self.cols.all();
        all.extend(self.hash.all());
        all
    }
}

/// A circuit's witness: the integer rows, the hash slots' field columns and the public
/// inputs.
#[derive(Debug, Clone)]
struct Witness {
    rows: Vec<Row>,
    paging: Vec<Vec<Fr>>,
    public: SegmentPublicInputs,
}

/// The VM segment circuit for one segment record (or, without a witness, for keygen).
#[derive(Debug, Clone)]
pub struct SegmentCircuit {
    k: u32,
    witness: Option<Witness>,
    columns: OnceLock<Vec<Vec<Fr>>>,
}

impl SegmentCircuit {
    /// The circuit proving `record` at size `2^k` from `start`, the memory and chains its
    /// predecessors left (see [`SegmentStart::initial`] and
    /// [`SegmentStart::apply_segment`]).
    pub fn new(k: u32, record: &SegmentRecord, start: &SegmentStart) -> Result<Self, SegmentError> {
        if k < MIN_SEGMENT_K {
            return Err(SegmentError::CircuitTooSmall(k));
        }
        let usable = usable_rows(k);
        let n = 1usize << k;
        let (rows, mut public) = build_rows(record, usable)?;
        let packed = chain_witness::elements(&rows, n);
        let (steps, chains_end) = chain_witness::steps(&start.chains, &packed.elements);
        let mut paging = merkle_witness::build(record, &start.memory, &steps, usable, n)?;
        paging.columns[merkle_witness::CHAIN_PACK] = packed.pack;
        public.mem_root_start = paging.root_start;
        public.mem_root_end = paging.root_end;
        public.chains_start = start.chains;
        public.chains_end = chains_end;
        let witness = Witness { rows, paging: paging.columns, public };
        Ok(Self { k, witness: Some(witness), columns: OnceLock::new() })
    }

    /// A circuit without witness, for key generation.
    pub fn keygen(k: u32) -> Self {
        Self { k, witness: None, columns: OnceLock::new() }
    }

    /// The public inputs (empty for a keygen circuit).
    pub fn public_inputs(&self) -> Option<SegmentPublicInputs> {
        self.witness.as_ref().map(|w| w.public)
    }

    /// The instance column values.
    pub fn instances(&self) -> Vec<Vec<Fr>> {
        vec![self.public_inputs().map(|p| p.to_instances()).unwrap_or_default()]
    }

    /// log2 of the circuit's rows.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// Test support: a copy with first-phase cells replaced (`(row, column, value)`).
    #[doc(hidden)]
    pub fn with_cells(&self, changes: &[(usize, &str, u64)]) -> Option<Self> {
        let mut witness = self.witness.clone()?;
        for &(row, column, value) in changes {
            super::layout::set_by_name(witness.rows.get_mut(row)?, column, value)?;
        }
        Some(self.with_witness(witness))
    }

    /// Test support: a copy with paging cells replaced (`(row, column, value)`; columns
    /// are named `old.s0`…`old.vb`, `new.s0`…`new.vb`, `leaf`, `node`, `first`, `last`,
    /// `touched_left`, `touched_right`, `index`, `level`, `recv_index`, `pack_in`,
    /// `pack_out`, `chain`, `pair`, `chain_pack`).
    #[doc(hidden)]
    pub fn with_paging_cells(&self, changes: &[(usize, &str, Fr)]) -> Option<Self> {
        let mut witness = self.witness.clone()?;
        for &(row, column, value) in changes {
            *witness.paging.get_mut(merkle_witness::column(column)?)?.get_mut(row)? = value;
        }
        Some(self.with_witness(witness))
    }

    /// Test support: a copy with other public inputs.
    #[doc(hidden)]
    pub fn with_public_inputs(&self, public: SegmentPublicInputs) -> Option<Self> {
        let witness = Witness { public, ..self.witness.clone()? };
        Some(self.with_witness(witness))
    }

    fn with_witness(&self, witness: Witness) -> Self {
        Self { k: self.k, witness: Some(witness), columns: OnceLock::new() }
    }

    /// Test support: a first-phase cell.
    #[doc(hidden)]
    pub fn cell(&self, row: usize, column: &str) -> Option<u64> {
        super::layout::get_by_name(self.witness.as_ref()?.rows.get(row)?, column)
    }

    /// Test support: a paging cell (names as in [`Self::with_paging_cells`]).
    #[doc(hidden)]
    pub fn paging_cell(&self, row: usize, column: &str) -> Option<Fr> {
        let witness = self.witness.as_ref()?;
        witness.paging.get(merkle_witness::column(column)?)?.get(row).copied()
    }
}

/// Every fixed column with its values.
pub(crate) fn fixed_values(config: &SegmentConfig, k: u32) -> Vec<(Column<Fixed>, Vec<Fr>)> {
    let f = &config.fixed;
    let n = 1usize << k;
    let usable = usable_rows(k);
    let pos = |v: bool| if v { Fr::ONE } else { Fr::ZERO };
    let mut q_usable = vec![Fr::ZERO; n];
    let mut q_first = vec![Fr::ZERO; n];
    let mut q_step = vec![Fr::ZERO; n];
    let mut q_last = vec![Fr::ZERO; n];
    let mut ts_base = vec![Fr::ZERO; n];
    let mut pg_word = vec![Fr::ZERO; n];
    let mut pg_block_start = vec![Fr::ZERO; n];
    let mut q_machine = vec![Fr::ZERO; n];
    let mut q_pc_word = vec![Fr::ZERO; n];
    for i in 0..usable {
        q_usable[i] = Fr::ONE;
        q_first[i] = pos(i == 0);
        q_step[i] = pos(i + 1 < usable);
        q_last[i] = pos(i + 1 == usable);
        ts_base[i] = Fr::from(5 * i as u64);
        pg_word[i] = Fr::from((i % abi::memory::PAGE_WORDS) as u64);
        pg_block_start[i] = pos(i % abi::memory::PAGE_WORDS == 0);
        q_machine[i] = pos(i < abi::memory::PAGE_WORDS);
        q_pc_word[i] = pos(i == (abi::memory::PC_ADDR / 4) as usize);
    }
    let mut tag = vec![Fr::ZERO; n];
    let mut t: Vec<Vec<Fr>> = vec![vec![Fr::ZERO; n]; 7];
    let mut q_pair = vec![Fr::ZERO; n];
    for (i, (row_tag, fields)) in table_rows().into_iter().enumerate() {
        tag[i] = Fr::from(row_tag);
        for (column, value) in t.iter_mut().zip(fields) {
            column[i] = Fr::from(value);
        }
        q_pair[i] = pos(i < AND_ROWS);
    }
    let mut out = vec![
        (f.q_usable, q_usable),
        (f.q_first, q_first),
        (f.q_step, q_step),
        (f.q_last, q_last),
        (f.ts_base, ts_base),
        (f.pg_word, pg_word),
        (f.pg_block_start, pg_block_start),
        (f.q_machine, q_machine),
        (f.q_pc_word, q_pc_word),
        (f.tag, tag),
        (f.q_pair, q_pair),
    ];
    out.extend(f.t.into_iter().zip(t));
    out.extend(config.hash_fixed.all().into_iter().zip(merkle_witness::fixed_values(usable, n)));
    out
}

fn fixed_row(
    vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>,
    f: &FixedColumns,
) -> FixedRow {
    let q = |vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>, c| {
        vc.query_fixed(c, Rotation::cur())
    };
    FixedRow {
        ts_base: q(vc, f.ts_base),
        pg_word: q(vc, f.pg_word),
        q_machine: q(vc, f.q_machine),
        q_pc_word: q(vc, f.q_pc_word),
        q_pair: q(vc, f.q_pair),
        tag: q(vc, f.tag),
        t: f.t.map(|c| q(vc, c)),
    }
}

impl Circuit<Fr> for SegmentCircuit {
    type Config = SegmentConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::keygen(self.k)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> SegmentConfig {
        let cols = Columns::new(meta);
        let hash = HashColumns::new(meta);
        assert_eq!(hash.all().len(), merkle_witness::COLUMN_NAMES.len(), "paging witness width");
        let fixed = FixedColumns::new(meta);
        let hash_fixed = HashFixed::new(meta);
        let instance = meta.instance_column();

        meta.create_gate("segment row", |vc| {
            let r = cols.query(vc, Rotation::cur());
            let d = Derived::new(&r);
            let f = fixed_row(vc, &fixed);
            let q = vc.query_fixed(fixed.q_usable, Rotation::cur());
            let pages = PageRows {
                next_block_start: vc.query_fixed(fixed.pg_block_start, Rotation::next()),
                prev_block_start: vc.query_fixed(fixed.pg_block_start, Rotation::prev()),
                next_active: vc.query_advice(cols.pg_active, Rotation::next()),
                next_page: vc.query_advice(cols.pg_page, Rotation::next()),
                next_gap: vc.query_advice(cols.pgd0, Rotation::next())
                    + vc.query_advice(cols.pgd1, Rotation::next()) * k(256)
                    + vc.query_advice(cols.pgd2, Rotation::next()) * k(65536),
                pc_first_row: vc.query_advice(cols.pc, Rotation(-32)),
            };
            let mut all = cpu::row_decode(&r, &d);
            all.extend(cpu::row_control(&r, &d));
            all.extend(cpu::row_alu(&r, &d));
            all.extend(cpu::row_load_store(&r, &d));
            all.extend(cpu::row_syscall(&r, &d));
            all.extend(memory::row_timestamps(&r, &d, &f.ts_base));
            all.extend(memory::row_pages(&r, &f, &pages));
            all.extend(chain::row(&r, &d));
            let mut out: Vec<(&'static str, Expression<Fr>)> =
                all.into_iter().map(|(name, e)| (name, q.clone() * e)).collect();
            let step = vc.query_fixed(fixed.q_step, Rotation::cur());
            let next = NextRow {
                active: vc.query_advice(cols.active, Rotation::next()),
                pc: vc.query_advice(cols.pc, Rotation::next()),
                next_pc: vc.query_advice(cols.next_pc, Rotation::next()),
                f_data: vc.query_advice(cols.f_data, Rotation::next()),
                data_left: vc.query_advice(cols.data_left, Rotation::next()),
                maddr: vc.query_advice(cols.maddr, Rotation::next()),
                out_ptr: vc.query_advice(cols.out_ptr, Rotation::next()),
                secp_out: vc.query_advice(cols.secp_out, Rotation::next()),
                syscalls: [
                    cols.s_halt,
                    cols.s_read,
                    cols.s_commit,
                    cols.s_log,
                    cols.s_keccak,
                    cols.s_secp,
                ]
                .map(|c| vc.query_advice(c, Rotation::next())),
                pc_end: vc.query_advice(cols.pc_end, Rotation::next()),
                halted: vc.query_advice(cols.halted, Rotation::next()),
                exit_code: vc.query_advice(cols.exit_code, Rotation::next()),
            };
            let mut steps = cpu::step(&r, &d, &next);
            steps.extend(memory::step_pages(&r, &pages));
            let chain_pack = vc.query_advice(hash.chain_pack, Rotation::cur());
            steps.extend(chain::step(&r, &chain_pack, &ChainNext::query(vc, &cols, &hash)));
            out.extend(steps.into_iter().map(|(name, e)| (name, step.clone() * e)));

            let first = vc.query_fixed(fixed.q_first, Rotation::cur());
            out.extend(merkle::constraints(vc, &hash, &hash_fixed, &r, (q.clone(), first.clone())));
            out.extend(chain::slots(vc, &hash, &hash_fixed, &q));
            let last = vc.query_fixed(fixed.q_last, Rotation::cur());
            out.extend(chain::last(&r).into_iter().map(|(name, e)| (name, last.clone() * e)));
            let inst = |vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>, i: i32| {
                vc.query_instance(instance, Rotation(i))
            };
            let boundary = [
                ("pc_start", r.pc.clone() - inst(vc, 0)),
                ("pc_end public", r.pc_end.clone() - inst(vc, 1)),
                ("halted public", r.halted.clone() - inst(vc, 4)),
                ("exit code public", r.exit_code.clone() - inst(vc, 5)),
                ("segment not empty", k(1) - r.active.clone()),
                ("segment starts with an instruction", r.f_data.clone()),
            ];
            out.extend(boundary.into_iter().map(|(name, e)| (name, first.clone() * e)));
            out.push(("closing row inactive", last.clone() * r.active.clone()));
            out.push(("closing row has no page", last * r.pg_active.clone()));
            out
        });

        let challenges = LogUpConfig::challenges(meta);
        let groups = memory::GROUPS + merkle::GROUPS + chain::GROUPS;
        let logup = LogUpConfig::configure(meta, challenges, groups, |vc| {
            let r = cols.query(vc, Rotation::cur());
            let d = Derived::new(&r);
            let f = fixed_row(vc, &fixed);
            let sel = BusSelectors {
                usable: vc.query_fixed(fixed.q_usable, Rotation::cur()),
                first: vc.query_fixed(fixed.q_first, Rotation::cur()),
                step: vc.query_fixed(fixed.q_step, Rotation::cur()),
                last: vc.query_fixed(fixed.q_last, Rotation::cur()),
            };
            let [root_start, root_end] = [2, 3].map(|i| {
                let root = vc.query_instance(instance, Rotation(i));
                merkle::root_receive(&sel.first, (i - 2) as u64, root)
            });
            let chain_value = |vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>,
                               i: usize| {
                vc.query_instance(instance, Rotation(CHAIN_INSTANCES as i32 + i as i32))
            };
            let boundary = Boundary {
                q_first: sel.first.clone(),
                start: [0, 2, 4].map(|i| chain_value(vc, i)),
                end: [1, 3, 5].map(|i| chain_value(vc, i)),
            };
            let riders = Riders {
                table: root_start,
                page: root_end,
                fetch: boundary.end(Chain::Keccak),
                rs1: boundary.end(Chain::Secp),
            };
            let mut groups = memory::fractions(&r, &d, &f, riders);
            groups.extend(merkle::fractions(&HashBus::query(vc, &hash, &hash_fixed), &r));
            groups.extend(chain::fractions(vc, &hash, &r, &boundary));
            (groups, sel)
        });
        SegmentConfig { cols, fixed, hash, hash_fixed, logup }
    }

    fn synthesize(
        &self,
        config: SegmentConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let alpha = layouter.get_challenge(config.logup.alpha);
        let beta = layouter.get_challenge(config.logup.beta);
        let mut challenges = None;
        alpha.zip(beta).map(|c| challenges = Some(c));
        let n = 1usize << self.k;
        let fixed = fixed_values(&config, self.k);
        layouter.assign_region(
            || "segment",
            |mut region| {
                if challenges.is_none() {
                    for (column, values) in &fixed {
                        for (row, value) in values.iter().take(usable_rows(self.k)).enumerate() {
                            if !bool::from(value.is_zero()) {
                                region.assign_fixed(*column, row, *value);
                            }
                        }
                    }
                }
                let Some(witness) = &self.witness else { return Ok(()) };
                let columns = self.columns.get_or_init(|| {
                    super::bus_witness::with_multiplicities(
                        &config,
                        &witness.rows,
                        &witness.paging,
                        &fixed,
                        n,
                    )
                });
                let advice = config.advice();
                let usable = usable_rows(self.k);
                match challenges {
                    None => {
                        for (column, values) in advice.iter().zip(columns) {
                            // Unassigned cells are zero, and most cells are.
                            for (row, value) in values.iter().take(usable).enumerate() {
                                if !bool::from(value.is_zero()) {
                                    region.assign_advice(*column, row, Value::known(*value));
                                }
                            }
                        }
                    }
                    Some((alpha, beta)) => {
                        let instance = witness.public.to_instances();
                        let (helpers, acc) = super::bus_witness::helpers(
                            &config,
                            columns,
                            &fixed,
                            &instance,
                            usable,
                            (alpha, beta),
                        );
                        for (column, values) in config.logup.helpers.iter().zip(&helpers) {
                            for (row, value) in values.iter().enumerate() {
                                region.assign_advice(*column, row, Value::known(*value));
                            }
                        }
                        for (row, value) in acc.iter().enumerate() {
                            region.assign_advice(config.logup.acc, row, Value::known(*value));
                        }
                    }
                }
                Ok(())
            },
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constraint_has_degree_at_most_five() {
        let mut meta = ConstraintSystem::<Fr>::default();
        SegmentCircuit::configure(&mut meta);
        let worst =
            meta.gates().iter().flat_map(|gate| gate.polynomials()).map(Expression::degree).max();
        assert_eq!(worst, Some(5));
        assert_eq!(meta.degree(), 5);
    }
}
