//! The sequencer follower: polls the node for new heads and enqueues a job for each
//! block, once, in the configured mode (`execute`, or `prove`: proved and, with a rollup
//! configured, submitted to L1). A block whose parent hash differs from the hash followed at the
//! height below, or a followed block that is no longer canonical, is a reorg: the jobs
//! of the orphaned blocks are cancelled and the new branch is enqueued.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::config::ServiceConfig;
use crate::node::{NodeClient, NodeError};
use crate::store::{FollowedBlock, JobStore, NewJob, StoreError};

/// Why one poll failed (the follower logs it and polls again).
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The follower of one node.
pub struct Follower {
    store: JobStore,
    node: NodeClient,
    program_id: String,
    config: Arc<ServiceConfig>,
}

impl Follower {
    /// A follower enqueueing jobs for `program_id`.
    pub fn new(
        store: JobStore,
        node: NodeClient,
        program_id: String,
        config: Arc<ServiceConfig>,
    ) -> Self {
        Self { store, node, program_id, config }
    }

    /// Polls until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let poll = Duration::from_millis(self.config.follow_poll_ms.max(50));
        let mut start = self.config.follow_from;
        let mut chain_id = None;
        while !shutdown.is_cancelled() {
            let step = async {
                let chain = match chain_id {
                    Some(chain) => chain,
                    None => *chain_id.insert(self.node.chain_id().await?),
                };
                let first = match start {
                    Some(first) => first,
                    None => *start.insert(self.node.head().await?),
                };
                self.poll(chain, first).await
            };
            if let Err(e) = step.await {
                tracing::warn!(error = %e, "follower poll failed");
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = shutdown.cancelled() => {}
            }
        }
    }

    /// One poll: unwind orphaned blocks, then enqueue every new block up to the head.
    pub async fn poll(&self, chain_id: u64, first: u64) -> Result<(), FollowError> {
        let mut tip = self.unwind_orphans(chain_id).await?;
        let head = self.node.head().await?;
        let next = tip.as_ref().map_or(first, |t| t.number + 1);
        for number in next..=head {
            let Some((hash, header)) = self.node.header_by_number(number).await? else {
                break; // The head moved back under us; the next poll unwinds.
            };
            if let Some(below) = &tip {
                if below.number + 1 == number && below.hash != header.parent_hash.to_string() {
                    tracing::warn!(number, "reorg: the parent hash changed");
                    return Ok(()); // The next poll unwinds the orphaned blocks.
                }
            }
            let job = NewJob {
                chain_id,
                block_number: number,
                block_hash: hash,
                program_id: self.program_id.clone(),
                mode: self.config.follow_mode,
                priority: 0,
                input_artifact: None,
                max_attempts: i64::from(self.config.max_attempts),
                program_artifact: None,
            };
            let (record, created) = self.store.submit(&job).await?;
            let block = FollowedBlock { number, hash: hash.to_string(), job_id: record.id };
            self.store.record_followed(chain_id, &block).await?;
            if created {
                tracing::info!(number, %hash, job = %block.job_id, "enqueued");
            }
            tip = Some(block);
        }
        Ok(())
    }

    /// Walks back from the highest followed block while it is no longer canonical,
    /// cancelling each orphaned block's job (a running stage stops within a heartbeat, and
    /// a `prove` stage's prover is killed); returns the highest block still canonical.
    async fn unwind_orphans(&self, chain_id: u64) -> Result<Option<FollowedBlock>, FollowError> {
        let mut tip = self.store.followed_tip(chain_id).await?;
        while let Some(block) = tip {
            let canonical = self.node.header_by_number(block.number).await?;
            if canonical.is_some_and(|(hash, _)| hash.to_string() == block.hash) {
                return Ok(Some(block));
            }
            tracing::warn!(number = block.number, hash = %block.hash, "reorg: orphaned block");
            metrics::counter!("prover_orphaned_blocks_total").increment(1);
            self.store.cancel(&block.job_id, "the block was orphaned by a reorg").await?;
            let below = block.number.checked_sub(1);
            self.store.forget_followed_above(chain_id, below.unwrap_or(0)).await?;
            tip = match below {
                Some(number) => self.store.followed(chain_id, number).await?,
                None => None,
            };
        }
        Ok(None)
    }
}
