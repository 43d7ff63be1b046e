//! One memory budget for all the workers of a process (`--max-memory`), so that several
//! workers on one machine never run stages whose measured peaks add up to more than the
//! machine has: each claim asks only for the stage kinds that fit what the running
//! stages leave, and holds its kind's peak until the stage ends.
//!
//! Claims are serialized within the process (one claim at a time decides against the
//! reservations made so far), so two idle workers cannot both take a 16 GiB node on a
//! 24 GiB budget. Without a budget every claimable kind is asked for and nothing is
//! reserved.
//!
//! **Across processes.** With a ledger file (`--memory-ledger`), every process on the
//! machine that names the same file shares one budget: each running stage is a line of
//! the file (its process, that process's start time and its peak), claims hold an
//! exclusive lock on the file from reading it to recording their stage, and the lines
//! of a process that is gone (killed, crashed) are dropped at the next claim.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::model::StageKind;
use crate::store::{ClaimedStage, JobStore, StoreError};

/// Why a claim failed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The job store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The machine's memory ledger could not be read or written.
    #[error("memory ledger {path}: {source}")]
    Ledger {
        /// The ledger file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// The process's memory budget and what its running stages hold of it.
#[derive(Debug)]
pub struct MemoryBudget {
    total_mib: Option<u64>,
    reserved_mib: AtomicU64,
    claiming: tokio::sync::Mutex<()>,
    ledger: Option<Ledger>,
    next_id: AtomicU64,
}

/// A running stage's share of the budget, given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    mib: u64,
    /// Its line in the ledger, if the budget has one.
    line: Option<u64>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.reserved_mib.fetch_sub(self.mib, Ordering::AcqRel);
        if let (Some(ledger), Some(id)) = (&self.budget.ledger, self.line) {
            let removed = ledger.lock().and_then(|mut held| {
                let mut lines = held.read()?;
                lines.retain(|l| !(l.process == ledger.process && l.id == id));
                held.write(&lines)
            });
            if let Err(e) = removed {
                tracing::warn!(ledger = %ledger.path.display(), error = %e, "could not take a finished stage off the memory ledger; it stays until this process ends");
            }
        }
    }
}

impl MemoryBudget {
    /// A budget of `total_mib` for this process's workers (none: unlimited).
    pub fn new(total_mib: Option<u64>) -> Arc<Self> {
        Self::shared(total_mib, None)
    }

    /// A budget of `total_mib` shared with every process that names the same `ledger`
    /// file (none: this process's alone).
    pub fn shared(total_mib: Option<u64>, ledger: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            total_mib,
            reserved_mib: AtomicU64::new(0),
            claiming: tokio::sync::Mutex::new(()),
            ledger: ledger
                .filter(|_| total_mib.is_some())
                .map(|path| Ledger { path, process: Process::current() }),
            next_id: AtomicU64::new(0),
        })
    }

    /// MiB held by this process's running stages.
    pub fn reserved_mib(&self) -> u64 {
        self.reserved_mib.load(Ordering::Acquire)
    }

    /// MiB held by the running stages of every process that shares the budget (of this
    /// process alone without a ledger).
    pub fn reserved_on_machine_mib(&self) -> std::io::Result<u64> {
        match &self.ledger {
            Some(ledger) => Ok(ledger.lock()?.live()?.iter().map(|l| l.mib).sum()),
            None => Ok(self.reserved_mib()),
        }
    }

    /// The kinds among `kinds` whose peak fits beside the running stages.
    pub fn fitting(&self, kinds: &[StageKind]) -> Vec<StageKind> {
        let reserved = self.reserved_on_machine_mib().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the memory ledger cannot be read: nothing is claimed");
            u64::MAX
        });
        self.fitting_beside(kinds, reserved)
    }

    fn fitting_beside(&self, kinds: &[StageKind], reserved: u64) -> Vec<StageKind> {
        let free = self.total_mib.map(|total| total.saturating_sub(reserved));
        kinds
            .iter()
            .copied()
            .filter(|kind| free.is_none_or(|free| kind.peak_mib() <= free))
            .collect()
    }

    /// Reserves `kind`'s peak (a claim made outside [`MemoryBudget::claim`]).
    pub fn reserve(self: &Arc<Self>, kind: StageKind) -> std::io::Result<Reservation> {
        match &self.ledger {
            Some(ledger) => {
                let mut held = ledger.lock()?;
                let lines = held.live()?;
                self.record(ledger, &mut held, lines, kind)
            }
            None => Ok(self.hold(kind, None)),
        }
    }

    fn hold(self: &Arc<Self>, kind: StageKind, line: Option<u64>) -> Reservation {
        let mib = if self.total_mib.is_some() { kind.peak_mib() } else { 0 };
        self.reserved_mib.fetch_add(mib, Ordering::AcqRel);
        Reservation { budget: self.clone(), mib, line }
    }

    /// Adds `kind`'s line to the ledger's `lines` and writes them back.
    fn record(
        self: &Arc<Self>,
        ledger: &Ledger,
        held: &mut HeldLedger,
        mut lines: Vec<Line>,
        kind: StageKind,
    ) -> std::io::Result<Reservation> {
        let id = self.next_id.fetch_add(1, Ordering::AcqRel);
        lines.push(Line { process: ledger.process, id, mib: kind.peak_mib() });
        held.write(&lines)?;
        Ok(self.hold(kind, Some(id)))
    }

    /// Claims a stage of one of `kinds` that fits beside the running stages, and reserves
    /// its peak; `None` when nothing fits or nothing is queued.
    pub async fn claim(
        self: &Arc<Self>,
        store: &JobStore,
        owner: &str,
        lease_ms: i64,
        kinds: &[StageKind],
    ) -> Result<Option<(ClaimedStage, Reservation)>, ClaimError> {
        let _one_claim_at_a_time = self.claiming.lock().await;
        let Some(ledger) = &self.ledger else {
            let fitting = self.fitting_beside(kinds, self.reserved_mib());
            if fitting.is_empty() {
                return Ok(None);
            }
            return Ok(store.claim(owner, lease_ms, &fitting).await?.map(|stage| {
                let held = self.hold(stage.kind, None);
                (stage, held)
            }));
        };
        // The file stays locked from reading the machine's reservations to recording
        // this one, so two processes cannot both fill the same free memory.
        let ledger_error =
            |source: std::io::Error| ClaimError::Ledger { path: ledger.path.clone(), source };
        let path = ledger.clone();
        let (mut held, lines) = tokio::task::spawn_blocking(move || {
            let mut held = path.lock()?;
            let lines = held.live()?;
            Ok::<_, std::io::Error>((held, lines))
        })
        .await
        .map_err(|e| ledger_error(std::io::Error::other(e)))?
        .map_err(ledger_error)?;
        let reserved: u64 = lines.iter().map(|l| l.mib).sum();
        let fitting = self.fitting_beside(kinds, reserved);
        if fitting.is_empty() {
            held.write(&lines).map_err(ledger_error)?;
            return Ok(None);
        }
        let Some(stage) = store.claim(owner, lease_ms, &fitting).await? else {
            held.write(&lines).map_err(ledger_error)?;
            return Ok(None);
        };
        let reservation =
            self.record(ledger, &mut held, lines, stage.kind).map_err(ledger_error)?;
        Ok(Some((stage, reservation)))
    }
}

/// The machine's ledger of running stages: a file of lines `pid start mib id`.
#[derive(Debug, Clone)]
struct Ledger {
    path: PathBuf,
    /// This process, as its lines name it.
    process: Process,
}

/// The ledger file, locked exclusively until dropped.
struct HeldLedger {
    file: File,
}

/// A process, told apart from a later one with the same pid by its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Process {
    pid: u32,
    start: u64,
}

/// One running stage of some process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line {
    process: Process,
    id: u64,
    mib: u64,
}

impl Process {
    /// This process.
    fn current() -> Self {
        let pid = std::process::id();
        Self { pid, start: start_time(pid).unwrap_or(0) }
    }

    /// Whether the process is still running (always, where `/proc` cannot tell).
    fn is_alive(self) -> bool {
        if !Path::new("/proc/self/stat").exists() {
            return true;
        }
        start_time(self.pid) == Some(self.start)
    }
}

/// A process's start time (clock ticks after boot, `/proc/PID/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

impl Ledger {
    /// Opens the file (creating it) and waits for its exclusive lock.
    fn lock(&self) -> std::io::Result<HeldLedger> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file =
            File::options().read(true).write(true).create(true).truncate(false).open(&self.path)?;
        file.lock()?;
        Ok(HeldLedger { file })
    }
}

impl HeldLedger {
    /// Every well-formed line (a malformed one is dropped: it holds nothing).
    fn read(&mut self) -> std::io::Result<Vec<Line>> {
        let mut text = String::new();
        self.file.rewind()?;
        self.file.read_to_string(&mut text)?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let v: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                let [pid, start, mib, id] = v[..] else { return None };
                let pid = u32::try_from(pid).ok()?;
                Some(Line { process: Process { pid, start }, id, mib })
            })
            .collect())
    }

    /// The lines of the processes still running.
    fn live(&mut self) -> std::io::Result<Vec<Line>> {
        Ok(self.read()?.into_iter().filter(|l| l.process.is_alive()).collect())
    }

    /// Replaces the file's lines with `lines`.
    fn write(&mut self, lines: &[Line]) -> std::io::Result<()> {
        let text: String = lines
            .iter()
            .map(|l| format!("{} {} {} {}\n", l.process.pid, l.process.start, l.mib, l.id))
            .collect();
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
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
        let node = budget.reserve(StageKind::Node).unwrap();
        let beside_a_node = budget.fitting(&all);
        assert!(!beside_a_node.contains(&StageKind::Node), "two nodes need 32 GiB");
        assert!(beside_a_node.contains(&StageKind::KeccakBatch));
        assert!(!beside_a_node.contains(&StageKind::Segment));
        assert!(beside_a_node.contains(&StageKind::Execute));
        assert!(beside_a_node.contains(&StageKind::SecpBatch));
        let batch = budget.reserve(StageKind::SecpBatch).unwrap();
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
        let _a = budget.reserve(StageKind::Node).unwrap();
        let _b = budget.reserve(StageKind::Node).unwrap();
        assert_eq!(budget.reserved_mib(), 0);
        assert_eq!(budget.fitting(&StageKind::ALL), StageKind::ALL.to_vec());
    }

    #[test]
    fn processes_naming_one_ledger_share_one_budget() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("memory.ledger");
        // Two budgets on one file stand for two worker processes on one machine.
        let first = MemoryBudget::shared(Some(24 * 1024), Some(ledger.clone()));
        let second = MemoryBudget::shared(Some(24 * 1024), Some(ledger));
        let node = first.reserve(StageKind::Node).unwrap();
        assert_eq!(second.reserved_on_machine_mib().unwrap(), StageKind::Node.peak_mib());
        let beside = second.fitting(&StageKind::ALL);
        assert!(!beside.contains(&StageKind::Node) && !beside.contains(&StageKind::Segment));
        assert!(beside.contains(&StageKind::SecpBatch));
        drop(node);
        assert_eq!(second.reserved_on_machine_mib().unwrap(), 0);
        assert!(second.fitting(&StageKind::ALL).contains(&StageKind::Node));
    }

    #[test]
    fn a_gone_process_holds_nothing_and_malformed_lines_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("memory.ledger");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let start = start_time(pid).unwrap_or(1);
        child.wait().unwrap();
        std::fs::write(&ledger, format!("{pid} {start} 20480 0\nnot a line\n")).unwrap();
        let budget = MemoryBudget::shared(Some(24 * 1024), Some(ledger.clone()));
        assert_eq!(budget.reserved_on_machine_mib().unwrap(), 0);
        assert!(budget.fitting(&StageKind::ALL).contains(&StageKind::Node));
        let held = budget.reserve(StageKind::Segment).unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        assert_eq!(text.lines().count(), 1, "only the live stage is left: {text}");
        drop(held);
        assert_eq!(std::fs::read_to_string(&ledger).unwrap(), "");
    }

    #[test]
    fn a_ledger_without_a_budget_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("memory.ledger");
        let budget = MemoryBudget::shared(None, Some(ledger.clone()));
        let _held = budget.reserve(StageKind::Node).unwrap();
        assert!(!ledger.exists());
    }
}
