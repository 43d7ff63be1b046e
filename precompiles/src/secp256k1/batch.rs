//! A batch of recovery calls, in call order, and the secp chain's value before them.

use circuits::chains::{chain_step, Chain};
use circuits::Fr;
use vm::trace::PrecompileCall;

use super::call::SecpCall;
use super::SecpError;

/// A batch of `SECP256K1_RECOVER` calls and the secp chain's value before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecpBatch {
    calls: Vec<SecpCall>,
    chain_start: Fr,
}

impl SecpBatch {
    /// A batch of `calls`, continuing the chain from `chain_start`. The calls' outputs are
    /// what the batch claims; the circuit proves them or fails.
    pub fn new(calls: Vec<SecpCall>, chain_start: Fr) -> Self {
        Self { calls, chain_start }
    }

    /// The batch of a trace's `calls` (all `SECP256K1_RECOVER`, each with the executor's
    /// answer).
    pub fn from_trace(calls: &[PrecompileCall], chain_start: Fr) -> Result<Self, SecpError> {
        let calls = calls
            .iter()
            .enumerate()
            .map(|(index, call)| SecpCall::from_trace(call, index))
            .collect::<Result<_, _>>()?;
        Ok(Self { calls, chain_start })
    }

    /// Cuts the recovery calls among `calls` into batches of at most `capacity`, each
    /// starting its chain where the previous one ended (the first from the initial value).
    pub fn split(calls: &[PrecompileCall], capacity: usize) -> Result<Vec<Self>, SecpError> {
        crate::split_chained(
            calls,
            capacity,
            |c| matches!(c, PrecompileCall::Secp256k1Recover { .. }),
            Self::from_trace,
            Self::chain_end,
        )
    }

    /// The calls.
    pub fn calls(&self) -> &[SecpCall] {
        &self.calls
    }

    /// The number of calls.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The chain's value before the batch.
    pub fn chain_start(&self) -> Fr {
        self.chain_start
    }

    /// The chain's value after the batch: what the VM's secp chain holds after the same
    /// calls.
    pub fn chain_end(&self) -> Fr {
        self.calls.iter().fold(self.chain_start, |h, call| {
            call.elements().into_iter().fold(h, |h, e| chain_step(Chain::Secp, h, e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use circuits::chains::Chains;

    #[test]
    fn split_batches_meet_the_vm_chain() {
        let mut input = [0u8; 100];
        input[40] = 9;
        let calls: Vec<PrecompileCall> = (0..5)
            .map(|i| {
                input[0] = i;
                SecpCall::new(input).to_trace()
            })
            .collect();
        let batches = SecpBatch::split(&calls, 2).expect("split");
        assert_eq!(batches.iter().map(SecpBatch::len).collect::<Vec<_>>(), [2, 2, 1]);
        let mut vm = Chains::initial();
        for call in &calls {
            let (chain, values) = circuits::chains::call_values(call);
            vm.absorb(chain, &values);
        }
        assert_eq!(batches[0].chain_start(), Fr::zero());
        assert_eq!(batches[1].chain_start(), batches[0].chain_end());
        assert_eq!(batches[2].chain_end(), vm.get(Chain::Secp));
    }
}
