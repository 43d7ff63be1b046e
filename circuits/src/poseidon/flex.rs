//! The chains' Poseidon (width 3, x⁵, 8 full and 57 partial rounds, the constants of
//! [`super`]) as halo2-base flex-gate operations, about 1,100 cells per permutation:
//! the tree's root folds the program's output with it, the tree's nodes hash their
//! children's verifying keys with its sponge, and the secp256k1 circuit folds its chain.

use super::{PoseidonConstants, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};
use crate::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::QuantumCell::{Constant, Existing};
use halo2_base::{AssignedValue, Context};

fn sbox(ctx: &mut Context<Fr>, gate: &GateChip<Fr>, x: AssignedValue<Fr>) -> AssignedValue<Fr> {
    let sq = gate.mul(ctx, x, x);
    let quad = gate.mul(ctx, sq, sq);
    gate.mul(ctx, quad, x)
}

/// The permutation of `state`, constrained.
pub fn permute(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    mut state: [AssignedValue<Fr>; WIDTH],
) -> [AssignedValue<Fr>; WIDTH] {
    let constants = PoseidonConstants::get();
    for r in 0..FULL_ROUNDS + PARTIAL_ROUNDS {
        let full = PoseidonConstants::is_full_round(r);
        let mut after = state;
        for i in 0..WIDTH {
            let x = gate.add(ctx, Existing(state[i]), Constant(constants.round_constants[r][i]));
            after[i] = if full || i == 0 { sbox(ctx, gate, x) } else { x };
        }
        for (i, word) in state.iter_mut().enumerate() {
            *word = gate.inner_product(
                ctx,
                after.iter().map(|a| Existing(*a)),
                constants.mds[i].iter().map(|c| Constant(*c)),
            );
        }
    }
    state
}

/// `hash_node(domain, left, right)`: the permutation's word 1 on `[domain, left, right]`.
pub fn hash_node(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    domain: Fr,
    left: AssignedValue<Fr>,
    right: AssignedValue<Fr>,
) -> AssignedValue<Fr> {
    let domain = ctx.load_constant(domain);
    permute(ctx, gate, [domain, left, right])[1]
}

/// [`super::native::Sponge`]'s hash of `elements` under `domain`, constrained: pairs
/// absorbed into words 1 and 2 (an odd tail padded with zero), one permutation each; the
/// digest is word 1.
pub fn sponge_hash(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    domain: Fr,
    elements: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    let domain = ctx.load_constant(domain);
    let zero = ctx.load_zero();
    let mut state = [domain, zero, zero];
    for pair in elements.chunks(2) {
        state[1] = gate.add(ctx, state[1], pair[0]);
        if let Some(second) = pair.get(1) {
            state[2] = gate.add(ctx, state[2], *second);
        }
        state = permute(ctx, gate, state);
    }
    state[1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
    use halo2_base::halo2_proofs::dev::MockProver;

    /// Hashes in-circuit and constrains the output to equal `claimed`.
    fn satisfied(claimed: Fr) -> bool {
        let (domain, left, right) = (Fr::from(7), Fr::from(11), Fr::from(13));
        let mut builder = BaseCircuitBuilder::<Fr>::new(false).use_k(12).use_lookup_bits(8);
        let gate = GateChip::<Fr>::default();
        let ctx = builder.main(0);
        let (l, r) = (ctx.load_witness(left), ctx.load_witness(right));
        let out = hash_node(ctx, &gate, domain, l, r);
        let claimed = ctx.load_witness(claimed);
        ctx.constrain_equal(&out, &claimed);
        builder.calculate_params(Some(9));
        MockProver::run(12, &builder, vec![]).expect("mock").verify().is_ok()
    }

    /// Sponges `elements` in-circuit and constrains the output to equal `claimed`.
    fn sponge_satisfied(elements: &[Fr], claimed: Fr) -> bool {
        let mut builder = BaseCircuitBuilder::<Fr>::new(false).use_k(13).use_lookup_bits(8);
        let gate = GateChip::<Fr>::default();
        let ctx = builder.main(0);
        let cells: Vec<_> = elements.iter().map(|e| ctx.load_witness(*e)).collect();
        let out = sponge_hash(ctx, &gate, Fr::from(5), &cells);
        let claimed = ctx.load_witness(claimed);
        ctx.constrain_equal(&out, &claimed);
        builder.calculate_params(Some(9));
        MockProver::run(13, &builder, vec![]).expect("mock").verify().is_ok()
    }

    #[test]
    fn in_circuit_sponge_equals_the_native_one_for_odd_and_even_lengths() {
        for len in [0u64, 1, 2, 5] {
            let elements: Vec<Fr> = (0..len).map(|i| Fr::from(100 + i)).collect();
            let native = crate::poseidon::native::Sponge::new(Fr::from(5)).hash(&elements);
            assert!(sponge_satisfied(&elements, native), "{len} elements");
            assert!(!sponge_satisfied(&elements, native + Fr::one()), "{len}: a wrong digest");
        }
    }

    #[test]
    fn in_circuit_hash_node_equals_the_native_one() {
        let native = crate::poseidon::native::hash_node(Fr::from(7), Fr::from(11), Fr::from(13));
        assert!(satisfied(native));
        assert!(!satisfied(native + Fr::one()), "a wrong output is refused");
    }
}
