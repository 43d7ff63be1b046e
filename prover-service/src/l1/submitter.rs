//! The submitter's loop: each tick reads the rollup's accepted head on L1 and acts on the
//! one submission that can land next, `head + 1`. Blocks go in order and none is skipped:
//! a later proof waits for its parent, and a proof the rollup refuses stops the queue.
//!
//! Every transaction is signed and recorded before it is broadcast, so that a restart
//! finds it, broadcasts it again if the node lost it, and waits for its receipt instead
//! of sending a second one. A transaction not mined in time is replaced (same nonce, fees
//! raised by a set percentage, up to a cap). A mined transaction that reverted is run
//! again as a call: if the call now succeeds (the state it raced has settled) the block is
//! sent afresh, with more gas; if the rollup refuses it, the submission fails with the
//! decoded reason.

use std::time::Duration;

use alloy_consensus::{Transaction as _, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718 as _, Encodable2718 as _};
use alloy_network::{Ethereum, EthereumWallet, NetworkTransactionBuilder, TransactionBuilder as _};
use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use tokio_util::sync::CancellationToken;

use super::chain::{L1Client, L1Error, Receipt, Revert};
use crate::model::now_ms;
use crate::store::{JobStore, SentTransaction, StoreError, SubmissionRecord, SubmissionStatus};

/// How the submitter paces, prices and retries.
#[derive(Debug, Clone)]
pub struct SubmitterOptions {
    /// Between two ticks with nothing to do.
    pub poll: Duration,
    /// How long a transaction may stay unmined before it is replaced.
    pub bump_after: Duration,
    /// How much each replacement raises both fees, in percent (nodes want at least 10).
    pub fee_bump_percent: u32,
    /// The highest max fee per gas ever offered, in wei.
    pub max_fee_per_gas: u128,
    /// Gas above the estimate, in percent (25 more for each earlier revert).
    pub gas_margin_percent: u32,
    /// Reverted transactions before a submission fails.
    pub max_attempts: u32,
    /// The lease on submitting to the rollup (renewed every tick).
    pub lease: Duration,
}

impl Default for SubmitterOptions {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(2),
            bump_after: Duration::from_secs(60),
            fee_bump_percent: 20,
            max_fee_per_gas: 500_000_000_000,
            gas_margin_percent: 20,
            max_attempts: 5,
            lease: Duration::from_secs(30),
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tick {
    /// Another process holds the lease on this rollup.
    NotLeader,
    /// No proof of the next block yet.
    Idle {
        /// The block the rollup needs next.
        next: u64,
    },
    /// A transaction for `block` went out.
    Sent {
        /// The L2 block.
        block: u64,
        /// The transaction.
        hash: B256,
    },
    /// A stuck transaction was replaced with higher fees.
    Replaced {
        /// The L2 block.
        block: u64,
        /// The replacement.
        hash: B256,
    },
    /// The recorded transaction was broadcast again (the node did not know it).
    Rebroadcast {
        /// The L2 block.
        block: u64,
    },
    /// A transaction is out; no receipt yet.
    Waiting {
        /// The L2 block.
        block: u64,
    },
    /// The rollup accepted `block` through our transaction.
    Confirmed {
        /// The L2 block.
        block: u64,
        /// The transaction.
        hash: B256,
    },
    /// The block goes back to the queue to be sent afresh.
    Requeued {
        /// The L2 block.
        block: u64,
        /// Why.
        reason: String,
    },
    /// The submission of `block` failed for good; nothing after it is sent.
    Blocked {
        /// The L2 block.
        block: u64,
        /// Why.
        error: String,
    },
}

/// Why a tick failed (it is tried again at the next one).
#[derive(Debug, thiserror::Error)]
pub enum SubmitterError {
    /// The job store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// L1.
    #[error(transparent)]
    L1(#[from] L1Error),
}

/// Submits the proofs queued for one rollup contract, from one account.
#[derive(Debug)]
pub struct Submitter {
    store: JobStore,
    chain: L1Client,
    wallet: EthereumWallet,
    from: Address,
    chain_id: u64,
    rollup: String,
    owner: String,
    options: SubmitterOptions,
}

/// The store's name of a rollup contract: `0x` + lower-case hex.
pub fn rollup_key(rollup: Address) -> String {
    format!("{rollup:#x}")
}

fn parse_hash(text: &str) -> Result<B256, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("transaction hash `{text}`")))
}

impl Submitter {
    /// A submitter signing with `signer`; `owner` names this process in the lease.
    pub async fn new(
        store: JobStore,
        chain: L1Client,
        signer: PrivateKeySigner,
        owner: String,
        options: SubmitterOptions,
    ) -> Result<Self, L1Error> {
        let chain_id = chain.chain_id().await?;
        let from = signer.address();
        Ok(Self {
            store,
            rollup: rollup_key(chain.rollup()),
            chain,
            wallet: EthereumWallet::from(signer),
            from,
            chain_id,
            owner,
            options,
        })
    }

    /// The account that sends.
    pub fn from(&self) -> Address {
        self.from
    }

    /// Ticks until `shutdown`, then gives the lease up.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(rollup = %self.rollup, from = %self.from, "L1 submitter started");
        loop {
            let again = match self.tick().await {
                Ok(tick) => {
                    log_tick(&tick);
                    matches!(tick, Tick::Confirmed { .. } | Tick::Requeued { .. })
                }
                Err(e) => {
                    tracing::warn!(error = %e, "L1 submitter tick failed; trying again");
                    false
                }
            };
            if !again {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(self.options.poll) => {}
                }
            } else if shutdown.is_cancelled() {
                break;
            }
        }
        if let Err(e) = self.store.release_submitter_lease(&self.rollup, &self.owner).await {
            tracing::warn!(error = %e, "releasing the L1 submitter lease");
        }
    }

    /// Looks at L1 once and does the one thing due.
    pub async fn tick(&self) -> Result<Tick, SubmitterError> {
        let lease_ms = u64::try_from(self.options.lease.as_millis()).unwrap_or(u64::MAX);
        if !self.store.claim_submitter_lease(&self.rollup, &self.owner, lease_ms).await? {
            return Ok(Tick::NotLeader);
        }
        let head = self.chain.rollup_head().await?;
        for accepted in self.store.unsettled_submissions_through(&self.rollup, head).await? {
            self.settle(&accepted).await?;
        }
        let next = head + 1;
        let Some(submission) = self.store.submission(&self.rollup, next).await? else {
            return Ok(Tick::Idle { next });
        };
        match submission.status {
            SubmissionStatus::Queued => self.send_new(&submission).await,
            SubmissionStatus::Submitted => self.follow_up(&submission).await,
            SubmissionStatus::Failed => {
                Ok(Tick::Blocked { block: next, error: submission.error.unwrap_or_default() })
            }
            SubmissionStatus::Confirmed | SubmissionStatus::Superseded => {
                // The rollup's head is below a block it accepted: L1 reorganised.
                let reason = "L1 reorganised: the rollup no longer holds this block".to_string();
                self.requeue(&submission, false, &reason).await
            }
        }
    }

    /// Records that our transaction `hash` landed `block`.
    async fn confirm(
        &self,
        block: u64,
        hash: &str,
        receipt: Receipt,
    ) -> Result<(), SubmitterError> {
        self.store
            .mark_submission_confirmed(&self.rollup, block, hash, receipt.block, receipt.gas_used)
            .await?;
        Ok(())
    }

    /// A block the rollup holds: ours if one of our transactions succeeded.
    async fn settle(&self, submission: &SubmissionRecord) -> Result<(), SubmitterError> {
        for text in &submission.tx_hashes {
            let hash = parse_hash(text)?;
            if let Some(receipt) = self.chain.receipt(hash).await? {
                if receipt.success {
                    return self.confirm(submission.block_number, text, receipt).await;
                }
            }
        }
        self.store
            .set_submission_status(
                &self.rollup,
                submission.block_number,
                SubmissionStatus::Superseded,
                false,
                Some("the rollup accepted this block through a transaction that is not ours"),
            )
            .await?;
        Ok(())
    }

    async fn send_new(&self, submission: &SubmissionRecord) -> Result<Tick, SubmitterError> {
        let block = submission.block_number;
        let gas = match self.chain.estimate_gas(self.from, &submission.calldata).await {
            Ok(gas) => gas,
            Err(L1Error::Reverted(revert)) => return self.refused(submission, revert, false).await,
            Err(e) => return Err(e.into()),
        };
        let margin = u64::from(self.options.gas_margin_percent + 25 * submission.attempts);
        let gas_limit = gas.saturating_mul(100 + margin) / 100;
        let fees = self.chain.fees().await?;
        let max_fee = fees.max_fee_per_gas.min(self.options.max_fee_per_gas);
        let priority_fee = fees.max_priority_fee_per_gas.min(max_fee);
        let nonce = self.chain.nonce(self.from, true).await?;
        let sent = self.sign(&submission.calldata, nonce, gas_limit, max_fee, priority_fee).await?;
        let hash = parse_hash(&sent.hash)?;
        self.store.record_sent_transaction(&self.rollup, block, &sent).await?;
        self.broadcast(&sent.raw).await?;
        Ok(Tick::Sent { block, hash })
    }

    async fn follow_up(&self, submission: &SubmissionRecord) -> Result<Tick, SubmitterError> {
        let block = submission.block_number;
        for text in submission.tx_hashes.iter().rev() {
            let hash = parse_hash(text)?;
            if let Some(receipt) = self.chain.receipt(hash).await? {
                if receipt.success {
                    self.confirm(block, text, receipt).await?;
                    return Ok(Tick::Confirmed { block, hash });
                }
                return self.after_revert(submission, hash).await;
            }
        }
        let (Some(nonce), Some(raw), Some(latest)) =
            (submission.nonce, &submission.raw_tx, &submission.tx_hash)
        else {
            return Err(StoreError::Corrupt(format!(
                "submission {block} sent without a transaction"
            ))
            .into());
        };
        if self.chain.nonce(self.from, false).await? > nonce {
            let reason = format!("nonce {nonce} was taken by a transaction that is not ours");
            return self.requeue(submission, false, &reason).await;
        }
        let sent_at = submission.sent_at.unwrap_or_default();
        let age = Duration::from_millis(u64::try_from(now_ms() - sent_at).unwrap_or_default());
        if age >= self.options.bump_after {
            return self.replace(submission, raw).await;
        }
        if !self.chain.knows_transaction(parse_hash(latest)?).await? {
            self.broadcast(raw).await?;
            return Ok(Tick::Rebroadcast { block });
        }
        Ok(Tick::Waiting { block })
    }

    /// Our transaction `hash` was mined and reverted: send again if the call succeeds now.
    async fn after_revert(
        &self,
        submission: &SubmissionRecord,
        hash: B256,
    ) -> Result<Tick, SubmitterError> {
        match self.chain.simulate(self.from, &submission.calldata).await {
            Ok(()) if submission.attempts + 1 < self.options.max_attempts => {
                let reason = format!("transaction {hash} reverted; the call succeeds now");
                self.requeue(submission, true, &reason).await
            }
            Ok(()) => {
                let error = format!(
                    "transaction {hash} reverted; {} reverted attempts in all",
                    submission.attempts + 1
                );
                self.fail(submission, true, &error).await
            }
            Err(L1Error::Reverted(revert)) => self.refused(submission, revert, true).await,
            Err(e) => Err(e.into()),
        }
    }

    /// The rollup refuses the submission: it fails, unless the head moved under it.
    async fn refused(
        &self,
        submission: &SubmissionRecord,
        revert: Revert,
        attempted: bool,
    ) -> Result<Tick, SubmitterError> {
        if revert.head_moved {
            return Ok(Tick::Waiting { block: submission.block_number });
        }
        self.fail(submission, attempted, &revert.reason).await
    }

    async fn fail(
        &self,
        submission: &SubmissionRecord,
        attempted: bool,
        error: &str,
    ) -> Result<Tick, SubmitterError> {
        let block = submission.block_number;
        tracing::error!(block, error, "the L1 submission failed; later blocks wait for it");
        self.store
            .set_submission_status(
                &self.rollup,
                block,
                SubmissionStatus::Failed,
                attempted,
                Some(error),
            )
            .await?;
        Ok(Tick::Blocked { block, error: error.to_string() })
    }

    async fn requeue(
        &self,
        submission: &SubmissionRecord,
        attempted: bool,
        reason: &str,
    ) -> Result<Tick, SubmitterError> {
        let block = submission.block_number;
        self.store
            .set_submission_status(
                &self.rollup,
                block,
                SubmissionStatus::Queued,
                attempted,
                Some(reason),
            )
            .await?;
        Ok(Tick::Requeued { block, reason: reason.to_string() })
    }

    /// Sends the stuck transaction again with the same nonce and higher fees.
    async fn replace(
        &self,
        submission: &SubmissionRecord,
        raw: &[u8],
    ) -> Result<Tick, SubmitterError> {
        let block = submission.block_number;
        let old = TxEnvelope::decode_2718(&mut &raw[..])
            .map_err(|e| L1Error::Transaction(format!("the recorded transaction: {e}")))?;
        let bump = |fee: u128| fee + fee * u128::from(self.options.fee_bump_percent) / 100 + 1;
        let fees = self.chain.fees().await?;
        let old_priority = old.max_priority_fee_per_gas().unwrap_or_default();
        let max_fee =
            bump(old.max_fee_per_gas()).max(fees.max_fee_per_gas).min(self.options.max_fee_per_gas);
        if max_fee <= old.max_fee_per_gas() {
            tracing::warn!(block, max_fee, "the L1 fee cap is reached; the transaction waits");
            self.broadcast(raw).await?;
            return Ok(Tick::Waiting { block });
        }
        let priority_fee = bump(old_priority).max(fees.max_priority_fee_per_gas).min(max_fee);
        let sent = self
            .sign(&submission.calldata, old.nonce(), old.gas_limit(), max_fee, priority_fee)
            .await?;
        let hash = parse_hash(&sent.hash)?;
        self.store.record_sent_transaction(&self.rollup, block, &sent).await?;
        self.broadcast(&sent.raw).await?;
        Ok(Tick::Replaced { block, hash })
    }

    async fn sign(
        &self,
        calldata: &[u8],
        nonce: u64,
        gas_limit: u64,
        max_fee: u128,
        priority_fee: u128,
    ) -> Result<SentTransaction, L1Error> {
        let request = TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.chain.rollup())
            .with_input(calldata.to_vec())
            .with_chain_id(self.chain_id)
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(priority_fee);
        let envelope: TxEnvelope =
            <TransactionRequest as NetworkTransactionBuilder<Ethereum>>::build(
                request,
                &self.wallet,
            )
            .await
            .map_err(|e| L1Error::Transaction(format!("signing: {e}")))?;
        Ok(SentTransaction {
            nonce,
            hash: envelope.tx_hash().to_string(),
            raw: envelope.encoded_2718(),
            max_fee,
        })
    }

    /// Broadcasts `raw`; a node that already has it, or has mined its nonce, is fine (the
    /// receipts tell the rest).
    async fn broadcast(&self, raw: &[u8]) -> Result<(), L1Error> {
        match self.chain.send_raw(raw).await {
            Err(L1Error::Refused { message, .. })
                if message.contains("already known") || message.contains("nonce too low") =>
            {
                tracing::debug!(message, "the node has this transaction or its nonce");
                Ok(())
            }
            other => other,
        }
    }
}

fn log_tick(tick: &Tick) {
    match tick {
        Tick::NotLeader | Tick::Idle { .. } | Tick::Waiting { .. } => {
            tracing::debug!(?tick, "L1 submitter")
        }
        Tick::Blocked { block, error } => {
            tracing::error!(block, error, "the L1 queue is blocked")
        }
        other => tracing::info!(tick = ?other, "L1 submitter"),
    }
}
