//! One memory budget for all the workers of a process (`--max-memory`), so that several
//! workers on one machine never run stages whose measured peaks add up to more than the
//! machine has: each claim asks only for the stage kinds that fit what the running
//! stages leave, and holds its kind's peak until the stage ends.
//!
//! Claims are serialized within the process (one claim at a time decides against the
//! reservations made so far), so two idle workers cannot both take a 20 GiB node on a
//! 24 GiB budget. Without a budget every claimable kind is asked for and nothing is
//! reserved.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::model::StageKind;
use crate::store::{ClaimedStage, JobStore, StoreError};

/// The process's memory budget and what its running stages hold of it.
#[derive(Debug)]
pub struct MemoryBudget {
    total_mib: Option<u64>,
    reserved_mib: AtomicU64,
    claiming: tokio::sync::Mutex<()>,
}

/// A running stage's share of the budget, given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    mib: u64,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.reserved_mib.fetch_sub(self.mib, Ordering::AcqRel);
    }
}

impl MemoryBudget {
    /// A budget of `total_mib` (none: unlimited).
    pub fn new(total_mib: Option<u64>) -> Arc<Self> {
        Arc::new(Self {
            total_mib,
            reserved_mib: AtomicU64::new(0),
            claiming: tokio::sync::Mutex::new(()),
        })
    }

    /// MiB held by the running stages.
    pub fn reserved_mib(&self) -> u64 {
        self.reserved_mib.load(Ordering::Acquire)
    }

    /// The kinds among `kinds` whose peak fits beside the running stages.
    pub fn fitting(&self, kinds: &[StageKind]) -> Vec<StageKind> {
        let free = self.total_mib.map(|total| total.saturating_sub(self.reserved_mib()));
        kinds
            .iter()
            .copied()
            .filter(|kind| free.is_none_or(|free| kind.peak_mib() <= free))
            .collect()
    }

    /// Reserves `kind`'s peak (a claim made outside [`MemoryBudget::claim`]).
    pub fn reserve(self: &Arc<Self>, kind: StageKind) -> Reservation {
        let mib = if self.total_mib.is_some() { kind.peak_mib() } else { 0 };
        self.reserved_mib.fetch_add(mib, Ordering::AcqRel);
        Reservation { budget: self.clone(), mib }
    }

    /// Claims a stage of one of `kinds` that fits beside the running stages, and reserves
    /// its peak; `None` when nothing fits or nothing is queued.
    pub async fn claim(
        self: &Arc<Self>,
        store: &JobStore,
        owner: &str,
        lease_ms: i64,
        kinds: &[StageKind],
    ) -> Result<Option<(ClaimedStage, Reservation)>, StoreError> {
        let _one_claim_at_a_time = self.claiming.lock().await;
        let fitting = self.fitting(kinds);
        if fitting.is_empty() {
            return Ok(None);
        }
        Ok(store.claim(owner, lease_ms, &fitting).await?.map(|stage| {
            let reservation = self.reserve(stage.kind);
            (stage, reservation)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_stages_hold_their_peak_until_they_end() {
        let budget = MemoryBudget::new(Some(24 * 1024));
        let all = StageKind::ALL;
        assert_eq!(budget.fitting(&all), all.to_vec(), "an idle 24 GiB machine takes anything");
        let node = budget.reserve(StageKind::Node);
        let beside_a_node = budget.fitting(&all);
        assert!(!beside_a_node.contains(&StageKind::Node), "two nodes need 40 GiB");
        assert!(!beside_a_node.contains(&StageKind::Segment));
        assert!(beside_a_node.contains(&StageKind::Execute));
        assert!(beside_a_node.contains(&StageKind::SecpBatch));
        let batch = budget.reserve(StageKind::SecpBatch);
        assert_eq!(
            budget.reserved_mib(),
            StageKind::Node.peak_mib() + StageKind::SecpBatch.peak_mib()
        );
        drop(node);
        assert!(budget.fitting(&all).contains(&StageKind::Segment));
        drop(batch);
        assert_eq!(budget.reserved_mib(), 0);
    }

    #[test]
    fn without_a_budget_nothing_is_held() {
        let budget = MemoryBudget::new(None);
        let _a = budget.reserve(StageKind::Node);
        let _b = budget.reserve(StageKind::Node);
        assert_eq!(budget.reserved_mib(), 0);
        assert_eq!(budget.fitting(&StageKind::ALL), StageKind::ALL.to_vec());
    }
}
