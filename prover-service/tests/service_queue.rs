//! The job store's queue on both backends (SQLite, and PostgreSQL under `make test`):
//! claims, leases, expiry, bounded retries with backoff, concurrent claimers that never
//! share a stage, and a prove job's parts, each claimable once its children are proved.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::B256;
use prover_service::model::{Mode, StageKind, Status};
use prover_service::store::{JobStore, NewJob, PlannedStage, StageOutcome};
use prover_service::worker::MemoryBudget;
use support::{backends, database_url};

fn job(n: u8, max_attempts: i64) -> NewJob {
    NewJob {
        chain_id: 1,
        block_number: u64::from(n),
        block_hash: B256::repeat_byte(n),
        program_id: "test-program".to_string(),
        mode: Mode::Execute,
        priority: 0,
        input_artifact: None,
        max_attempts,
        program_artifact: None,
    }
}

fn finished() -> StageOutcome {
    StageOutcome::Finished { result: "{}".to_string(), artifact: "00".repeat(32) }
}

async fn stores() -> Vec<(JobStore, tempfile::TempDir)> {
    let mut stores = Vec::new();
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(&backend, dir.path()).await;
        stores.push((JobStore::connect(&url, 16).await.unwrap(), dir));
    }
    stores
}

/// `part` of kind `kind`, taking `children`.
fn planned(kind: StageKind, part: &str, children: &[&str]) -> PlannedStage {
    PlannedStage {
        kind,
        part: part.to_string(),
        children: children.iter().map(ToString::to_string).collect(),
    }
}

/// A plan of two segments, one keccak-f batch, their leaves, an inner node, the keccak
/// node and the wrapper.
fn plan() -> StageOutcome {
    let stages = vec![
        planned(StageKind::Segment, "segment-0", &[]),
        planned(StageKind::Segment, "segment-1", &[]),
        planned(StageKind::KeccakBatch, "keccak-batch-0", &[]),
        planned(StageKind::Node, "leaf-0", &["segment-0"]),
        planned(StageKind::Node, "leaf-1", &["segment-1"]),
        planned(StageKind::Node, "inner-1-0", &["leaf-0", "leaf-1"]),
        planned(StageKind::Node, "keccak-node-0", &["inner-1-0", "keccak-batch-0"]),
        planned(StageKind::Wrapper, "wrapper", &["keccak-node-0"]),
    ];
    StageOutcome::Planned { input: "33".repeat(32), stages }
}

fn proved(n: u8) -> StageOutcome {
    StageOutcome::Proved { artifact: format!("{n:02x}").repeat(32) }
}

/// A prove job already past `witness`: its `execute` stage claimed.
async fn executing(store: &JobStore, n: u8) -> (String, prover_service::store::ClaimedStage) {
    let job = NewJob { mode: Mode::Prove, input_artifact: Some("33".repeat(32)), ..job(n, 2) };
    let (record, _) = store.submit(&job).await.unwrap();
    let execute = store.claim("planner", 10_000, &[StageKind::Execute]).await.unwrap().unwrap();
    assert_eq!(execute.job_id, record.id);
    (record.id, execute)
}

/// A worker whose memory budget is below a stage's peak never claims it; one with room
/// does, and the claim carries the job's mode.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_claims_only_the_stages_its_memory_fits() {
    for (store, _dir) in stores().await {
        let (record, _) = store.submit(&NewJob { mode: Mode::Prove, ..job(9, 3) }).await.unwrap();
        let small: Vec<StageKind> =
            StageKind::ALL.into_iter().filter(|k| k.peak_mib() <= 2_048).collect();
        assert_eq!(small, [StageKind::Witness, StageKind::Execute]);
        let witness = store.claim("small", 10_000, &small).await.unwrap().unwrap();
        assert_eq!((witness.kind, witness.mode), (StageKind::Witness, Mode::Prove));
        let next = StageOutcome::Next { kind: StageKind::Execute, artifact: "33".repeat(32) };
        assert!(store.complete(&witness, "small", 1, &next).await.unwrap());
        let execute = store.claim("small", 10_000, &small).await.unwrap().unwrap();
        assert!(store.complete(&execute, "small", 1, &plan()).await.unwrap());
        assert!(store.claim("small", 10_000, &small).await.unwrap().is_none(), "no part fits");
        assert!(store.claim("none", 10_000, &[]).await.unwrap().is_none());
        let part = store.claim("big", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!((part.kind, part.job_id.as_str()), (StageKind::Segment, record.id.as_str()));
        assert_eq!(part.part.as_deref(), Some("segment-0"));
    }
}

/// Workers sharing one machine's budget: while one runs a segment (14 GiB of 16), the
/// other is offered nothing that does not fit beside it, though segments and a batch are
/// queued; once the segment ends, the next one is claimed.
#[tokio::test(flavor = "multi_thread")]
async fn workers_of_one_process_share_its_memory_budget() {
    for (store, _dir) in stores().await {
        let budget = MemoryBudget::new(Some(16 * 1024));
        share_a_budget(&store, &budget, &budget).await;
    }
}

/// The same for two processes' budgets that name one memory ledger file.
#[tokio::test(flavor = "multi_thread")]
async fn processes_naming_one_memory_ledger_share_one_budget() {
    for (store, _dir) in stores().await {
        let ledger = tempfile::tempdir().unwrap();
        let path = Some(ledger.path().join("memory.ledger"));
        let first = MemoryBudget::shared(Some(16 * 1024), path.clone());
        let second = MemoryBudget::shared(Some(16 * 1024), path);
        share_a_budget(&store, &first, &second).await;
    }
}

/// Claims through `a` and then `b`, which share a 16 GiB budget.
async fn share_a_budget(store: &JobStore, a: &Arc<MemoryBudget>, b: &Arc<MemoryBudget>) {
    let (_, execute) = executing(store, 21).await;
    assert!(store.complete(&execute, "planner", 1, &plan()).await.unwrap());
    let all = StageKind::ALL;
    let (first, held) = a.claim(store, "a", 10_000, &all).await.unwrap().unwrap();
    assert_eq!(first.part.as_deref(), Some("segment-0"));
    assert_eq!(a.reserved_mib(), StageKind::Segment.peak_mib());
    assert_eq!(b.reserved_on_machine_mib().unwrap(), StageKind::Segment.peak_mib());
    assert!(
        b.claim(store, "b", 10_000, &all).await.unwrap().is_none(),
        "a second segment or the 5 GiB batch would pass 16 GiB"
    );
    drop(held);
    let (second, _held) = b.claim(store, "b", 10_000, &all).await.unwrap().unwrap();
    assert_eq!(second.part.as_deref(), Some("segment-1"));
}

/// The parts of a planned proof: the bottom row is claimable at once (by several
/// workers), a node only once all its children are proved (also when the last two
/// finish at the same moment), with their outputs in order; the job runs while any part
/// runs and finishes with the wrapper.
#[tokio::test(flavor = "multi_thread")]
async fn a_planned_proof_runs_each_part_once_its_children_are_proved() {
    for (store, _dir) in stores().await {
        let (id, execute) = executing(&store, 20).await;
        assert!(store.complete(&execute, "planner", 1, &plan()).await.unwrap());
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.stages.len(), 9, "execute and eight parts");
        let waiting = job.stages.iter().filter(|s| s.status == Status::Waiting).count();
        assert_eq!(waiting, 5);

        let claim = |owner: &'static str| {
            let store = store.clone();
            async move { store.claim(owner, 10_000, &StageKind::ALL).await.unwrap() }
        };
        let base: Vec<_> = [claim("a").await, claim("b").await, claim("c").await]
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let names: Vec<_> = base.iter().map(|s| s.part.clone().unwrap()).collect();
        assert_eq!(names, ["segment-0", "segment-1", "keccak-batch-0"], "in plan order");
        assert!(claim("d").await.is_none(), "no node is ready");
        assert_eq!(store.get(&id).await.unwrap().unwrap().status, Status::Running);

        // Only a part that succeeded keeps its prover's peak memory.
        store.record_peak(&base[1].id, 99).await.unwrap();
        assert!(store.complete(&base[0], "a", 1, &proved(0xa0)).await.unwrap());
        store.record_peak(&base[0].id, 13_600).await.unwrap();
        let peaks: Vec<_> =
            store.get(&id).await.unwrap().unwrap().stages.iter().map(|s| s.peak_mib).collect();
        assert_eq!(peaks[1..4], [Some(13_600), None, None], "{peaks:?}");
        let leaf0 = claim("a").await.unwrap();
        assert_eq!(leaf0.part.as_deref(), Some("leaf-0"));
        assert_eq!(store.child_outputs(&leaf0).await.unwrap(), ["a0".repeat(32)]);
        assert!(store.complete(&base[1], "b", 1, &proved(0xa1)).await.unwrap());
        let leaf1 = claim("b").await.unwrap();
        assert_eq!(leaf1.part.as_deref(), Some("leaf-1"));

        // Both leaves finish at once: the inner node over them is queued all the same.
        let (b0, b1) = (proved(0xb0), proved(0xb1));
        let (left, right) =
            tokio::join!(store.complete(&leaf0, "a", 1, &b0), store.complete(&leaf1, "b", 1, &b1));
        assert!(left.unwrap() && right.unwrap());
        let inner = claim("a").await.unwrap();
        assert_eq!(inner.part.as_deref(), Some("inner-1-0"));
        assert_eq!(store.child_outputs(&inner).await.unwrap(), ["b0".repeat(32), "b1".repeat(32)]);
        assert!(store.complete(&inner, "a", 1, &proved(0xc0)).await.unwrap());
        assert!(claim("a").await.is_none(), "the keccak node waits for its batch");
        assert!(store.complete(&base[2], "c", 1, &proved(0xa2)).await.unwrap());
        let node = claim("c").await.unwrap();
        assert_eq!(store.child_outputs(&node).await.unwrap(), ["c0".repeat(32), "a2".repeat(32)]);
        assert!(store.complete(&node, "c", 1, &proved(0xd0)).await.unwrap());
        let wrapper = claim("a").await.unwrap();
        assert_eq!(wrapper.kind, StageKind::Wrapper);
        assert!(store.complete(&wrapper, "a", 1, &finished()).await.unwrap());
        let done = store.get(&id).await.unwrap().unwrap();
        assert_eq!(done.status, Status::Succeeded);
        assert!(done.stages.iter().all(|s| s.status == Status::Succeeded && s.attempts == 1));
        let order: Vec<_> = done.stages.iter().filter_map(|s| s.part.clone()).collect();
        assert_eq!(order[..3], ["segment-0", "segment-1", "keccak-batch-0"], "listed as planned");
        // Each stage keeps the worker that ran it, after its lease has ended.
        let workers: Vec<_> = done.stages.iter().map(|s| s.worker.as_deref()).collect();
        assert_eq!(
            workers,
            [
                Some("planner"),
                Some("a"),
                Some("b"),
                Some("c"),
                Some("a"),
                Some("b"),
                Some("a"),
                Some("c"),
                Some("a")
            ],
            "execute, segments, keccak batch, leaves, inner, keccak node, wrapper"
        );
    }
}

/// A part that fails for good fails its job and cancels every other part, waiting ones
/// included; a cancelled job's waiting parts are cancelled too. Nothing is claimable after.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_or_cancelled_proof_leaves_no_part_to_claim() {
    for (store, _dir) in stores().await {
        let (id, execute) = executing(&store, 21).await;
        assert!(store.complete(&execute, "planner", 1, &plan()).await.unwrap());
        let segment = store.claim("a", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        let running = store.claim("b", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert!(store.fail(&segment, "a", "the prover failed (1): bad", false, 0).await.unwrap());
        let failed = store.get(&id).await.unwrap().unwrap();
        assert_eq!(failed.status, Status::Failed);
        let open = failed.stages.iter().filter(|s| !s.status.is_final()).count();
        assert_eq!(open, 0, "{:?}", failed.stages);
        assert!(!store.heartbeat(&running, "b", 10_000, 0).await.unwrap(), "its lease is gone");
        assert!(store.claim("c", 10_000, &StageKind::ALL).await.unwrap().is_none());

        let (id, execute) = executing(&store, 22).await;
        assert!(store.complete(&execute, "planner", 1, &plan()).await.unwrap());
        store.cancel(&id, "by a test").await.unwrap();
        let cancelled = store.get(&id).await.unwrap().unwrap();
        let parts = cancelled.stages.iter().filter(|s| s.part.is_some());
        assert!(parts.clone().all(|s| s.status == Status::Cancelled));
        assert_eq!(parts.count(), 8);
        assert!(store.claim("c", 10_000, &StageKind::ALL).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stages_flow_and_submissions_are_idempotent() {
    for (store, _dir) in stores().await {
        let (first, created) = store.submit(&job(1, 3)).await.unwrap();
        assert!(created);
        let (again, created) = store.submit(&job(1, 3)).await.unwrap();
        assert!(!created);
        assert_eq!(first.id, again.id);

        let witness = store.claim("a", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!((witness.kind, witness.attempt), (StageKind::Witness, 1));
        assert!(
            store.claim("b", 10_000, &StageKind::ALL).await.unwrap().is_none(),
            "one stage, one claim"
        );
        assert!(store.heartbeat(&witness, "a", 10_000, 7).await.unwrap());
        assert!(!store.heartbeat(&witness, "b", 10_000, 7).await.unwrap(), "not b's lease");
        let next = StageOutcome::Next { kind: StageKind::Execute, artifact: "11".repeat(32) };
        assert!(store.complete(&witness, "a", 7, &next).await.unwrap());
        let execute = store.claim("b", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!(execute.kind, StageKind::Execute);
        assert_eq!(execute.input_artifact.as_deref(), Some("11".repeat(32).as_str()));
        assert!(store.complete(&execute, "b", 99, &finished()).await.unwrap());
        let done = store.get(&first.id).await.unwrap().unwrap();
        assert_eq!(done.status, Status::Succeeded);
        assert_eq!(done.stages.len(), 2);
        assert!(done.stages.iter().all(|s| s.status == Status::Succeeded && s.attempts == 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_lease_is_taken_over_and_the_old_owner_can_write_nothing() {
    for (store, _dir) in stores().await {
        let (record, _) = store.submit(&job(2, 2)).await.unwrap();
        let lost = store.claim("dead", 300, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!(store.requeue_expired().await.unwrap(), 0, "not expired yet");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(store.requeue_expired().await.unwrap(), 1);
        assert_eq!(store.get(&record.id).await.unwrap().unwrap().status, Status::Queued);
        let taken = store.claim("alive", 300, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!(taken.attempt, 2);
        let stages = store.get(&record.id).await.unwrap().unwrap().stages;
        assert_eq!(stages[0].worker.as_deref(), Some("alive"), "the last claim names the worker");
        assert!(!store.heartbeat(&lost, "dead", 300, 0).await.unwrap());
        assert!(!store.complete(&lost, "dead", 0, &finished()).await.unwrap(), "exactly once");
        assert!(!store.fail(&lost, "dead", "late", false, 0).await.unwrap());

        // The second lease expires too, on the last attempt: the job fails.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(store.requeue_expired().await.unwrap(), 1);
        let failed = store.get(&record.id).await.unwrap().unwrap();
        assert_eq!(failed.status, Status::Failed);
        assert!(failed.error.unwrap().contains("lease expired"));
        assert!(store.claim("alive", 300, &StageKind::ALL).await.unwrap().is_none());

        // A worker shutting down hands its stage back without using an attempt.
        let (record, _) = store.submit(&job(5, 1)).await.unwrap();
        let stage = store.claim("leaving", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert!(store.release(&stage, "leaving").await.unwrap());
        let again = store.claim("next", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!((again.id.as_str(), again.attempt), (stage.id.as_str(), 1));
        assert!(store.complete(&again, "next", 0, &finished()).await.unwrap());
        assert_eq!(store.get(&record.id).await.unwrap().unwrap().status, Status::Succeeded);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_back_off_and_are_bounded() {
    for (store, _dir) in stores().await {
        let (record, _) = store.submit(&job(3, 3)).await.unwrap();
        let first = store.claim("w", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert!(store.fail(&first, "w", "node down", true, 300).await.unwrap());
        assert!(store.claim("w", 10_000, &StageKind::ALL).await.unwrap().is_none(), "backing off");
        tokio::time::sleep(Duration::from_millis(350)).await;
        let second = store.claim("w", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!(second.attempt, 2);
        assert!(store.fail(&second, "w", "node down", true, 400).await.unwrap());
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert!(
            store.claim("w", 10_000, &StageKind::ALL).await.unwrap().is_none(),
            "the backoff doubled"
        );
        tokio::time::sleep(Duration::from_millis(450)).await;
        let third = store.claim("w", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert_eq!(third.attempt, 3);
        assert!(store.fail(&third, "w", "node down", true, 100).await.unwrap());
        let failed = store.get(&record.id).await.unwrap().unwrap();
        assert_eq!(failed.status, Status::Failed, "attempts exhausted");
        assert_eq!(failed.stages[0].attempts, 3);

        let (permanent, _) = store.submit(&job(4, 3)).await.unwrap();
        let stage = store.claim("w", 10_000, &StageKind::ALL).await.unwrap().unwrap();
        assert!(store.fail(&stage, "w", "invalid block", false, 100).await.unwrap());
        let failed = store.get(&permanent.id).await.unwrap().unwrap();
        assert_eq!((failed.status, failed.stages[0].attempts), (Status::Failed, 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_claimers_never_share_a_stage() {
    for (store, _dir) in stores().await {
        for n in 0..40 {
            store.submit(&job(10 + n, 3)).await.unwrap();
        }
        let mut tasks = tokio::task::JoinSet::new();
        for worker in 0..8 {
            let store = store.clone();
            tasks.spawn(async move {
                let owner = format!("w{worker}");
                let mut claimed = Vec::new();
                while let Some(stage) = store.claim(&owner, 10_000, &StageKind::ALL).await.unwrap()
                {
                    claimed.push(stage.id.clone());
                    assert!(store.complete(&stage, &owner, 0, &finished()).await.unwrap());
                }
                claimed
            });
        }
        let mut all = Vec::new();
        while let Some(claimed) = tasks.join_next().await {
            all.extend(claimed.unwrap());
        }
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (40, 40), "each stage claimed exactly once");
        let counts = store.count_by_status().await.unwrap();
        assert!(counts.contains(&(Status::Succeeded, 40)), "{counts:?}");
    }
}
