//! The keccak-f circuit: its columns and gates, and the assignment of a witness.

use std::sync::OnceLock;

use halo2_base::halo2_proofs::halo2curves::ff::PrimeField;
use halo2_base::halo2_proofs::{
    arithmetic::Field,
    circuit::{Cell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance, Selector},
    poly::Rotation,
};

use super::gates::{self, GroupColumns, Named, SharedFixed, SlotCells};
use super::layout::{
    KeccakParams, PermLayout, CHAIN_OUT_ROW, CHAIN_ROWS, GROUP_COLUMNS, PUBLIC_ROWS,
    VALUES_PER_ELEMENT,
};
use super::witness::{self, KeccakBatch};
use super::KeccakError;
use circuits::chains::{Chain, CHAIN_DOMAIN};
use circuits::logup::{BusSelectors, Fraction, LogUpConfig};
use circuits::poseidon::chip::{
    is_full_row, row_constants, row_constraints, RowCells, AUX_CELLS, ROUND_ROWS,
    ROWS_PER_PERMUTATION, ROW_CONSTANTS,
};
use circuits::poseidon::WIDTH;
use circuits::Fr;

/// Lookup fractions per LogUp helper column.
pub const FRACTIONS_PER_HELPER: usize = 3;

/// The circuit's columns.
#[derive(Debug, Clone)]
pub struct KeccakConfig {
    pub(crate) groups: Vec<GroupColumns>,
    pub(crate) shared: SharedFixed,
    pub(crate) ch: Column<Advice>,
    pub(crate) multiplicity: Column<Advice>,
    pub(crate) state: [Column<Advice>; WIDTH],
    pub(crate) aux: [Column<Advice>; AUX_CELLS],
    pub(crate) table: [Column<Fixed>; 3],
    /// The LogUp bus's rows in one column: 1 on every usable row but the last, which holds
    /// 2, and 0 on the blinding rows. With `u` its value, the helpers are constrained
    /// where `u ≠ 0`, the running sum steps on where `u·(2 − u) = 1` and ends where
    /// `u·(u − 1)/2 = 1`; its start is the selector `bus_first`. One fixed column where
    /// there were three.
    pub(crate) usable: Column<Fixed>,
    pub(crate) constants: [Column<Fixed>; ROW_CONSTANTS],
    pub(crate) selectors: Selectors,
    pub(crate) logup: LogUpConfig,
}

/// The row selectors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Selectors {
    pub(crate) theta: Selector,
    pub(crate) rho: Selector,
    pub(crate) chi: Selector,
    pub(crate) iota: Selector,
    pub(crate) bin_in: Selector,
    pub(crate) bin_out: Selector,
    pub(crate) full: Selector,
    pub(crate) partial: Selector,
    pub(crate) hash_input: Selector,
    pub(crate) hash_link: Selector,
    pub(crate) hash_first: Selector,
    pub(crate) element: Selector,
    pub(crate) element_short: Selector,
    pub(crate) chain_out: Selector,
    pub(crate) chain_next: Selector,
    pub(crate) chain_start: Selector,
    pub(crate) chain_end: Selector,
    pub(crate) public: Selector,
    pub(crate) bus_first: Selector,
}

impl KeccakConfig {
    /// Every first-phase advice column, in the order of the witness columns.
    pub(crate) fn advice(&self) -> Vec<Column<Advice>> {
        let mut all = Vec::new();
        for g in &self.groups {
            all.extend(g.input);
            all.extend(g.output);
            all.push(g.value);
        }
        all.push(self.ch);
        all.push(self.multiplicity);
        all.extend(self.state);
        all.extend(self.aux);
        all
    }

    /// Configures the circuit of shape `params`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, params: KeccakParams) -> Self {
        let layout = PermLayout::new(params);
        let groups: Vec<GroupColumns> = (0..params.groups)
            .map(|_| GroupColumns {
                input: [(); GROUP_COLUMNS].map(|_| meta.advice_column()),
                output: [(); GROUP_COLUMNS].map(|_| meta.advice_column()),
                value: meta.advice_column(),
            })
            .collect();
        let ch = meta.advice_column();
        let multiplicity = meta.advice_column();
        let state = [(); WIDTH].map(|_| meta.advice_column());
        let aux = [(); AUX_CELLS].map(|_| meta.advice_column());
        for g in &groups {
            meta.enable_equality(g.value);
        }
        meta.enable_equality(ch);
        let challenges = LogUpConfig::challenges(meta);
        let shared = SharedFixed {
            tag: [(); GROUP_COLUMNS].map(|_| meta.fixed_column()),
            w_in: [(); GROUP_COLUMNS].map(|_| meta.fixed_column()),
            w_out: [(); GROUP_COLUMNS].map(|_| meta.fixed_column()),
            slot_constants: meta.fixed_column(),
        };
        let table = [(); 3].map(|_| meta.fixed_column());
        let usable = meta.fixed_column();
        let constants = [(); ROW_CONSTANTS].map(|_| meta.fixed_column());
        let instance = meta.instance_column();
        let selectors = Selectors {
            theta: meta.selector(),
            rho: meta.selector(),
            chi: meta.selector(),
            iota: meta.selector(),
            bin_in: meta.selector(),
            bin_out: meta.selector(),
            full: meta.selector(),
            partial: meta.selector(),
            hash_input: meta.selector(),
            hash_link: meta.selector(),
            hash_first: meta.selector(),
            element: meta.selector(),
            element_short: meta.selector(),
            chain_out: meta.selector(),
            chain_next: meta.selector(),
            chain_start: meta.selector(),
            chain_end: meta.selector(),
            public: meta.selector(),
            bus_first: meta.selector(),
        };

        type SlotGate = fn(&mut SlotCells<'_, '_>) -> Vec<Named>;
        let slot_gates: [(&str, Selector, SlotGate); 6] = [
            ("keccak theta", selectors.theta, gates::theta),
            ("keccak rho", selectors.rho, gates::rho),
            ("keccak chi", selectors.chi, gates::chi),
            ("keccak iota", selectors.iota, gates::iota),
            ("keccak input binding", selectors.bin_in, gates::input_binding),
            ("keccak output binding", selectors.bin_out, gates::output_binding),
        ];
        for (name, selector, build) in slot_gates {
            meta.create_gate(name, |vc| {
                let q = vc.query_selector(selector);
                let mut out = Vec::new();
                for &group in &groups {
                    let mut cells = SlotCells { vc, group, fixed: shared, layout: &layout };
                    // Every slot composes its output; one selector per slot kind (and
                    // none for the composition alone) lets halo2 compress them into
                    // one fixed column or two.
                    let mut constraints = gates::lane_output(&mut cells);
                    constraints.extend(build(&mut cells));
                    out.extend(constraints.into_iter().map(|(n, e)| (n, q.clone() * e)));
                }
                out
            });
        }
        meta.create_gate("poseidon round", |vc| {
            let q_full = vc.query_selector(selectors.full);
            let q_partial = vc.query_selector(selectors.partial);
            let row = RowCells {
                state: state.map(|c| vc.query_advice(c, Rotation::cur())),
                aux: aux.map(|c| vc.query_advice(c, Rotation::cur())),
                constants: constants.map(|c| vc.query_fixed(c, Rotation::cur())),
                next: state.map(|c| vc.query_advice(c, Rotation::next())),
            };
            row_constraints(&q_full, &q_partial, &row)
                .into_iter()
                .map(|e| ("poseidon round", e))
                .collect::<Vec<_>>()
        });
        Self::configure_chain(meta, params, selectors, ch, state, instance);

        let logup = LogUpConfig::configure(meta, challenges, helper_count(params), |vc| {
            let mut fractions: Vec<Fraction> = Vec::new();
            for g in &groups {
                for j in 0..GROUP_COLUMNS {
                    let tuple = vec![
                        vc.query_fixed(shared.tag[j], Rotation::cur()),
                        vc.query_advice(g.input[j], Rotation::cur()),
                        vc.query_advice(g.output[j], Rotation::cur()),
                    ];
                    fractions.push(Fraction::new(gates::constant(Fr::ONE), tuple));
                }
            }
            let m = vc.query_advice(multiplicity, Rotation::cur());
            let entry = table.map(|c| vc.query_fixed(c, Rotation::cur())).to_vec();
            fractions.push(Fraction::new(gates::constant(Fr::ZERO) - m, entry));
            let groups = fractions.chunks(FRACTIONS_PER_HELPER).map(<[Fraction]>::to_vec).collect();
            let u = vc.query_fixed(usable, Rotation::cur());
            let two = gates::constant(Fr::from(2));
            let sel = BusSelectors {
                step: u.clone() * (two - u.clone()),
                last: u.clone()
                    * (u.clone() - gates::constant(Fr::ONE))
                    * gates::constant(<Fr as PrimeField>::TWO_INV),
                first: vc.query_selector(selectors.bus_first),
                usable: u,
            };
            (groups, sel)
        });

        Self {
            groups,
            shared,
            ch,
            multiplicity,
            state,
            aux,
            table,
            usable,
            constants,
            selectors,
            logup,
        }
    }

    /// The chain gates: each block hashes its permutation's 17 elements from the chain's
    /// value at its start (or passes the value on when inactive), each element packs the
    /// three values copied below it, blocks follow one another, and the first and last
    /// values are the public inputs.
    fn configure_chain(
        meta: &mut ConstraintSystem<Fr>,
        params: KeccakParams,
        s: Selectors,
        ch: Column<Advice>,
        state: [Column<Advice>; WIDTH],
        instance: Column<Instance>,
    ) {
        let domain = Fr::from(CHAIN_DOMAIN + Chain::Keccak as u64);
        let last_out = (PUBLIC_ROWS + (params.capacity - 1) * CHAIN_ROWS + CHAIN_OUT_ROW) as i32;
        meta.create_gate("keccak chain", |vc| {
            let at = |vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>, c, r: i32| {
                vc.query_advice(c, Rotation(r))
            };
            let [s0, s1, s2] = state.map(|c| vc.query_advice(c, Rotation::cur()));
            let prev_digest = vc.query_advice(state[1], Rotation::prev());
            let ch_cur = at(vc, ch, 0);
            let ch_prev = at(vc, ch, -1);
            let chain_in = at(vc, ch, -(CHAIN_OUT_ROW as i32));
            let active = at(vc, ch, 1);
            let next_block = at(vc, ch, (CHAIN_ROWS - CHAIN_OUT_ROW) as i32);
            let chain_start = at(vc, ch, -(PUBLIC_ROWS as i32));
            let chain_end = at(vc, ch, 1 - last_out);
            let values: Vec<_> = (1..=VALUES_PER_ELEMENT as i32).map(|r| at(vc, ch, r)).collect();
            let public = vc.query_instance(instance, Rotation::cur());
            let q =
                |sel: Selector, vc: &mut halo2_base::halo2_proofs::plonk::VirtualCells<'_, Fr>| {
                    vc.query_selector(sel)
                };
            let one = gates::constant(Fr::ONE);
            let shift = Fr::from(1u64 << 32).square();
            let packed = |n: usize| {
                values.iter().take(n).rev().fold(gates::constant(Fr::ZERO), |acc, v| {
                    acc * gates::constant(shift) + v.clone()
                })
            };
            vec![
                ("chain domain", q(s.hash_input, vc) * (s0 - gates::constant(domain))),
                ("chain element hashed", q(s.hash_input, vc) * (s2 - ch_cur.clone())),
                ("chain element", q(s.element, vc) * (ch_cur.clone() - packed(3))),
                ("chain element", q(s.element_short, vc) * (ch_cur.clone() - packed(2))),
                ("chain step", q(s.hash_link, vc) * (s1.clone() - prev_digest.clone())),
                ("chain slot start", q(s.hash_first, vc) * (s1 - ch_prev)),
                (
                    "active is boolean",
                    q(s.chain_out, vc) * active.clone() * (one.clone() - active.clone()),
                ),
                (
                    "chain slot end",
                    q(s.chain_out, vc)
                        * (ch_cur.clone()
                            - active.clone() * prev_digest
                            - (one - active) * chain_in),
                ),
                ("chain next slot", q(s.chain_next, vc) * (next_block - ch_cur.clone())),
                ("chain start", q(s.chain_start, vc) * (ch_cur.clone() - chain_start)),
                ("chain end", q(s.chain_end, vc) * (ch_cur.clone() - chain_end)),
                ("public input", q(s.public, vc) * (ch_cur - public)),
            ]
        });
    }
}

/// LogUp helper columns of a circuit with `params`.
pub fn helper_count(params: KeccakParams) -> usize {
    (params.groups * GROUP_COLUMNS + 1).div_ceil(FRACTIONS_PER_HELPER)
}

/// Rows of a `2^k` circuit that are not halo2's blinding rows.
pub fn usable_rows(params: KeccakParams) -> usize {
    let mut cs = ConstraintSystem::<Fr>::default();
    let _ = KeccakConfig::configure(&mut cs, params);
    (1usize << params.k).saturating_sub(cs.blinding_factors() + 1)
}

/// The keccak-f circuit for a batch of permutations (or, without a witness, for keygen).
#[derive(Debug, Clone)]
pub struct KeccakCircuit {
    params: KeccakParams,
    batch: Option<KeccakBatch>,
    columns: OnceLock<Vec<Vec<Fr>>>,
    tampered: Vec<(usize, usize, Fr)>,
    /// Set for `create_proof`, which takes the fixed columns, the selectors and the copy
    /// constraints from the proving key: synthesis then skips them.
    prover_only: bool,
    /// For tamper tests: the running sum is shifted by minus its total from this row on,
    /// so that it ends at zero whatever was looked up.
    balanced_bus: Option<usize>,
}

impl KeccakCircuit {
    /// The circuit proving `batch` with shape `params`.
    pub fn new(params: KeccakParams, batch: &KeccakBatch) -> Result<Self, KeccakError> {
        check_shape(params)?;
        if batch.len() > params.capacity {
            return Err(KeccakError::BatchTooLarge {
                calls: batch.len(),
                capacity: params.capacity,
            });
        }
        Ok(Self {
            params,
            batch: Some(batch.clone()),
            columns: OnceLock::new(),
            tampered: Vec::new(),
            prover_only: false,
            balanced_bus: None,
        })
    }

    /// The circuit without a witness, for keygen.
    pub fn keygen(params: KeccakParams) -> Result<Self, KeccakError> {
        check_shape(params)?;
        Ok(Self {
            params,
            batch: None,
            columns: OnceLock::new(),
            tampered: Vec::new(),
            prover_only: false,
            balanced_bus: None,
        })
    }

    /// The same circuit for `create_proof` only, which reads the fixed columns, selectors
    /// and copy constraints from the proving key: synthesis skips them. (MockProver and
    /// keygen need the circuit as [`Self::new`] makes it.)
    pub fn for_prover(mut self) -> Self {
        self.prover_only = true;
        self
    }

    /// The same circuit with the LogUp running sum shifted by minus its total from row
    /// `from` on, so that it ends at zero even over a looked-up tuple that is no table
    /// entry. For tamper tests: the bus's start (`from = 0`) or its step into row `from`
    /// is then what must object.
    pub fn with_balanced_bus(mut self, from: usize) -> Self {
        self.balanced_bus = Some(from);
        self
    }

    /// The shape.
    pub fn shape(&self) -> KeccakParams {
        self.params
    }

    /// The public inputs `[chain start, chain end]` (empty without a witness).
    pub fn instances(&self) -> Vec<Vec<Fr>> {
        match &self.batch {
            Some(batch) => vec![vec![batch.chain_start(), batch.chain_end()]],
            None => vec![vec![]],
        }
    }

    /// The same circuit with first-phase advice cells changed: `(column, row, value)`, the
    /// column indexed as in [`KeccakColumn`]. For tamper tests: the LogUp helpers are
    /// recomputed from the changed cells, so only the constraints that read them object.
    pub fn with_cells(&self, changes: &[(KeccakColumn, usize, Fr)]) -> Self {
        let mut out = self.clone();
        out.columns = OnceLock::new();
        out.tampered = changes.iter().map(|&(c, row, v)| (c.index(self.params), row, v)).collect();
        out
    }

    /// A first-phase advice cell of the witness.
    pub fn cell(&self, column: KeccakColumn, row: usize) -> Option<Fr> {
        let batch = self.batch.as_ref()?;
        let columns = self.columns.get_or_init(|| self.witness_columns(batch));
        columns.get(column.index(self.params))?.get(row).copied()
    }

    fn witness_columns(&self, batch: &KeccakBatch) -> Vec<Vec<Fr>> {
        let mut columns = witness::columns(self.params, batch);
        for &(c, row, v) in &self.tampered {
            columns[c][row] = v;
        }
        witness::set_multiplicities(self.params, &mut columns);
        columns
    }
}

/// A first-phase advice column of the circuit, for [`KeccakCircuit::with_cells`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeccakColumn {
    /// Lookup inputs of column `j` of group `g`: `Input(g, j)`.
    Input(usize, usize),
    /// Lookup outputs of column `j` of group `g`.
    Output(usize, usize),
    /// The `V` column of group `g`.
    Value(usize),
    /// The chain column.
    Chain,
    /// A Poseidon state word.
    State(usize),
}

/// First-phase advice columns of each group: the inputs, the outputs and `V`.
pub(crate) const GROUP_ADVICE: usize = 2 * GROUP_COLUMNS + 1;

impl KeccakColumn {
    /// The column's index among the witness columns.
    pub(crate) fn index(self, params: KeccakParams) -> usize {
        let rest = params.groups * GROUP_ADVICE;
        match self {
            Self::Input(g, j) => g * GROUP_ADVICE + j,
            Self::Output(g, j) => g * GROUP_ADVICE + GROUP_COLUMNS + j,
            Self::Value(g) => g * GROUP_ADVICE + 2 * GROUP_COLUMNS,
            Self::Chain => rest,
            Self::State(i) => rest + 2 + i,
        }
    }
}

fn check_shape(params: KeccakParams) -> Result<(), KeccakError> {
    if !(4..=6).contains(&params.part_width)
        || params.groups == 0
        || params.capacity == 0
        || params.capacity % params.groups != 0
    {
        return Err(KeccakError::Shape(format!(
            "part width {} (4..=6), {} groups, capacity {} (a positive multiple of the groups)",
            params.part_width, params.groups, params.capacity
        )));
    }
    let usable = usable_rows(params);
    let layout = PermLayout::new(params);
    let table = super::tables::entries(params.part_width).len();
    if layout.rows_needed() > usable || table > usable {
        return Err(KeccakError::Shape(format!(
            "2^{} rows hold {usable} usable rows; {} permutations need {} and the tables {table}",
            params.k,
            params.capacity,
            layout.rows_needed()
        )));
    }
    Ok(())
}

impl Circuit<Fr> for KeccakCircuit {
    type Config = KeccakConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = KeccakParams;

    fn params(&self) -> KeccakParams {
        self.params
    }

    fn without_witnesses(&self) -> Self {
        Self {
            params: self.params,
            batch: None,
            columns: OnceLock::new(),
            tampered: Vec::new(),
            prover_only: false,
            balanced_bus: None,
        }
    }

    fn configure_with_params(
        meta: &mut ConstraintSystem<Fr>,
        params: KeccakParams,
    ) -> KeccakConfig {
        KeccakConfig::configure(meta, params)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> KeccakConfig {
        KeccakConfig::configure(meta, KeccakParams::default())
    }

    fn synthesize(
        &self,
        config: KeccakConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let alpha = layouter.get_challenge(config.logup.alpha);
        let beta = layouter.get_challenge(config.logup.beta);
        let mut challenges = None;
        alpha.zip(beta).map(|c| challenges = Some(c));
        let usable = usable_rows(self.params);
        let layout = PermLayout::new(self.params);
        layouter.assign_region(
            || "keccak",
            |mut region| {
                if challenges.is_none() && !self.prover_only {
                    for (column, values) in witness::fixed(&config, &layout, usable) {
                        for (row, value) in values.iter().enumerate() {
                            if !bool::from(value.is_zero()) {
                                region.assign_fixed(column, row, *value);
                            }
                        }
                    }
                    witness::enable_selectors(&config, &layout, &mut region)?;
                    let advice = config.advice();
                    for ((a, ra), (b, rb)) in witness::copies(&layout) {
                        let cell =
                            |c: usize, row| Cell { row_offset: row, column: advice[c].into() };
                        region.constrain_equal(cell(a, ra), cell(b, rb));
                    }
                }
                let Some(batch) = &self.batch else { return Ok(()) };
                let columns = self.columns.get_or_init(|| self.witness_columns(batch));
                match challenges {
                    None => {
                        for (column, values) in config.advice().iter().zip(columns) {
                            for (row, value) in values.iter().take(usable).enumerate() {
                                if !bool::from(value.is_zero()) {
                                    region.assign_advice(*column, row, Value::known(*value));
                                }
                            }
                        }
                    }
                    Some((alpha, beta)) => {
                        let (helpers, mut acc) =
                            witness::helpers(&config, &layout, columns, usable, (alpha, beta));
                        if let Some(from) = self.balanced_bus {
                            let last = usable - 1;
                            let total =
                                helpers.iter().fold(acc[last], |sum, column| sum + column[last]);
                            acc.iter_mut().skip(from).for_each(|a| *a -= total);
                        }
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

/// Poseidon rows of one chain step: whether row `r` of a permutation is a full round.
pub(crate) fn poseidon_row_kind(r: usize) -> Option<bool> {
    (r < ROUND_ROWS).then(|| is_full_row(r))
}

/// The Poseidon fixed constants of permutation row `r`.
pub(crate) fn poseidon_constants(r: usize) -> Option<[Fr; ROW_CONSTANTS]> {
    (r < ROUND_ROWS).then(|| row_constants(r))
}

/// Rows of one chain step.
pub(crate) const STEP_ROWS: usize = ROWS_PER_PERMUTATION;
