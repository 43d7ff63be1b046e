//! The L1 submitter's record of each block proof it owes a rollup contract: queued, then
//! sent (the signed transaction is stored before it is broadcast, so that a restart finds
//! it), then confirmed, superseded or failed. Also the lease that lets one process at a
//! time submit to a rollup.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::ToSchema;

use super::{to_i64, to_u64, JobStore, StoreError};
use crate::model::now_ms;

/// Where a block's submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Waiting for its turn (its parent block accepted on L1) or for a retry.
    Queued,
    /// A transaction is out; no receipt yet.
    Submitted,
    /// Our transaction was mined and the rollup accepted the block.
    Confirmed,
    /// The rollup accepted this block number through a transaction that is not ours.
    Superseded,
    /// The rollup refuses this proof for good (or retries ran out); the submitter stops
    /// here and never skips it.
    Failed,
}

impl SubmissionStatus {
    const ALL: [Self; 5] =
        [Self::Queued, Self::Submitted, Self::Confirmed, Self::Superseded, Self::Failed];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Submitted => "submitted",
            Self::Confirmed => "confirmed",
            Self::Superseded => "superseded",
            Self::Failed => "failed",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether nothing more will be sent for it.
    pub const fn is_settled(self) -> bool {
        matches!(self, Self::Confirmed | Self::Superseded)
    }
}

/// A block proof to submit.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The rollup contract, `0x…` (lower case).
    pub rollup: String,
    /// The L2 block's number.
    pub block_number: u64,
    /// Its hash, `0x…`.
    pub block_hash: String,
    /// The job that proved it, if a job did.
    pub job_id: Option<String>,
    /// The calldata of `submitBlockProof(pv, proof)`.
    pub calldata: Vec<u8>,
}

/// A submission as stored.
#[derive(Debug, Clone)]
pub struct SubmissionRecord {
    /// The rollup contract.
    pub rollup: String,
    /// The L2 block's number.
    pub block_number: u64,
    /// Its hash.
    pub block_hash: String,
    /// The job that proved it.
    pub job_id: Option<String>,
    /// The calldata.
    pub calldata: Vec<u8>,
    /// Where it stands.
    pub status: SubmissionStatus,
    /// Transactions that were mined and reverted.
    pub attempts: u32,
    /// The nonce of the transaction out (with its replacements).
    pub nonce: Option<u64>,
    /// The newest transaction sent.
    pub tx_hash: Option<String>,
    /// That transaction, signed (EIP-2718 bytes), to broadcast again.
    pub raw_tx: Option<Vec<u8>>,
    /// Every transaction sent for this block, oldest first.
    pub tx_hashes: Vec<String>,
    /// The max fee per gas of the newest transaction, in wei.
    pub max_fee: Option<u128>,
    /// When the newest transaction was signed (ms since the epoch).
    pub sent_at: Option<i64>,
    /// The L1 block that included the accepted transaction.
    pub l1_block: Option<u64>,
    /// Its gas.
    pub gas_used: Option<u64>,
    /// The last error.
    pub error: Option<String>,
}

/// A transaction about to be broadcast for a submission.
#[derive(Debug, Clone)]
pub struct SentTransaction {
    /// Its nonce.
    pub nonce: u64,
    /// Its hash, `0x…`.
    pub hash: String,
    /// Its signed bytes.
    pub raw: Vec<u8>,
    /// Its max fee per gas, in wei.
    pub max_fee: u128,
}

const COLUMNS: &str = "rollup, block_number, block_hash, job_id, calldata, status, attempts, \
                       nonce, tx_hash, raw_tx, tx_hashes, max_fee, sent_at, l1_block, gas_used, \
                       error";

impl JobStore {
    /// Queues `submission` unless its block is already there. A queued or failed row
    /// of another block hash (the L2 chain reorganised) is replaced; a row with a
    /// transaction out is kept. Returns whether the row now holds `submission`.
    pub async fn enqueue_submission(&self, submission: &NewSubmission) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM l1_submissions WHERE rollup = $1 AND block_number = $2 \
             AND block_hash <> $3 AND status IN ('queued', 'failed')",
        )
        .bind(&submission.rollup)
        .bind(to_i64(submission.block_number)?)
        .bind(&submission.block_hash)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO l1_submissions (rollup, block_number, block_hash, job_id, calldata, \
             status, attempts, tx_hashes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', 0, '', $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&submission.rollup)
        .bind(to_i64(submission.block_number)?)
        .bind(&submission.block_hash)
        .bind(submission.job_id.clone())
        .bind(hex::encode(&submission.calldata))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let stored: String = sqlx::query_scalar(
            "SELECT block_hash FROM l1_submissions WHERE rollup = $1 AND block_number = $2",
        )
        .bind(&submission.rollup)
        .bind(to_i64(submission.block_number)?)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(stored == submission.block_hash)
    }

    /// The submission of block `number` to `rollup`.
    pub async fn submission(
        &self,
        rollup: &str,
        number: u64,
    ) -> Result<Option<SubmissionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM l1_submissions WHERE rollup = $1 AND block_number = $2"
        ))
        .bind(rollup)
        .bind(to_i64(number)?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| submission_from_row(&r)).transpose()
    }

    /// The submission of `job_id`'s block, if one was queued.
    pub async fn submission_of_job(
        &self,
        job_id: &str,
    ) -> Result<Option<SubmissionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM l1_submissions WHERE job_id = $1 \
             ORDER BY updated_at DESC LIMIT 1"
        ))
        .bind(job_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| submission_from_row(&r)).transpose()
    }

    /// The newest `limit` submissions to `rollup`, highest block first.
    pub async fn submissions(
        &self,
        rollup: &str,
        limit: u32,
    ) -> Result<Vec<SubmissionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM l1_submissions WHERE rollup = $1 \
             ORDER BY block_number DESC LIMIT $2"
        ))
        .bind(rollup)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(submission_from_row).collect()
    }

    /// The unsettled submissions to `rollup` at or below block `number` (the rollup has
    /// accepted those blocks, through our transaction or another).
    pub async fn unsettled_submissions_through(
        &self,
        rollup: &str,
        number: u64,
    ) -> Result<Vec<SubmissionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM l1_submissions WHERE rollup = $1 AND block_number <= $2 \
             AND status NOT IN ('confirmed', 'superseded') ORDER BY block_number"
        ))
        .bind(rollup)
        .bind(to_i64(number)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(submission_from_row).collect()
    }

    /// Records `sent` as the submission's newest transaction, before it is broadcast.
    pub async fn record_sent_transaction(
        &self,
        rollup: &str,
        number: u64,
        sent: &SentTransaction,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE l1_submissions SET status = 'submitted', nonce = $3, tx_hash = $4, \
             raw_tx = $5, tx_hashes = CASE WHEN tx_hashes = '' THEN $4 \
             ELSE tx_hashes || ',' || $4 END, max_fee = $6, sent_at = $7, updated_at = $7 \
             WHERE rollup = $1 AND block_number = $2",
        )
        .bind(rollup)
        .bind(to_i64(number)?)
        .bind(to_i64(sent.nonce)?)
        .bind(&sent.hash)
        .bind(hex::encode(&sent.raw))
        .bind(sent.max_fee.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        expect_one_row(done.rows_affected(), rollup, number)
    }

    /// Marks the submission accepted on L1 through `tx_hash`.
    pub async fn mark_submission_confirmed(
        &self,
        rollup: &str,
        number: u64,
        tx_hash: &str,
        l1_block: u64,
        gas_used: u64,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE l1_submissions SET status = 'confirmed', tx_hash = $3, l1_block = $4, \
             gas_used = $5, error = NULL, updated_at = $6 \
             WHERE rollup = $1 AND block_number = $2",
        )
        .bind(rollup)
        .bind(to_i64(number)?)
        .bind(tx_hash)
        .bind(to_i64(l1_block)?)
        .bind(to_i64(gas_used)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        expect_one_row(done.rows_affected(), rollup, number)
    }

    /// Moves the submission to `status` with `error` (a revert counts as an attempt when
    /// `attempted`); a requeued one is sent afresh, with a new nonce.
    pub async fn set_submission_status(
        &self,
        rollup: &str,
        number: u64,
        status: SubmissionStatus,
        attempted: bool,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE l1_submissions SET status = $3, attempts = attempts + $4, error = $5, \
             updated_at = $6 WHERE rollup = $1 AND block_number = $2",
        )
        .bind(rollup)
        .bind(to_i64(number)?)
        .bind(status.as_str())
        .bind(i64::from(attempted))
        .bind(error.map(str::to_string))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        expect_one_row(done.rows_affected(), rollup, number)
    }

    /// Takes or renews the lease on submitting to `rollup` for `owner`; false while
    /// another owner's lease runs.
    pub async fn claim_submitter_lease(
        &self,
        rollup: &str,
        owner: &str,
        lease_ms: u64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let expires = now.saturating_add(i64::try_from(lease_ms).unwrap_or(i64::MAX));
        sqlx::query(
            "INSERT INTO l1_submitter_leases (rollup, owner, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (rollup) DO UPDATE SET owner = $2, expires_at = $3 \
             WHERE l1_submitter_leases.owner = $2 OR l1_submitter_leases.expires_at < $4",
        )
        .bind(rollup)
        .bind(owner)
        .bind(expires)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let holder: String =
            sqlx::query_scalar("SELECT owner FROM l1_submitter_leases WHERE rollup = $1")
                .bind(rollup)
                .fetch_one(&self.pool)
                .await?;
        Ok(holder == owner)
    }

    /// Gives the lease up (a clean shutdown), so that another process may take over.
    pub async fn release_submitter_lease(
        &self,
        rollup: &str,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM l1_submitter_leases WHERE rollup = $1 AND owner = $2")
            .bind(rollup)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn expect_one_row(rows: u64, rollup: &str, number: u64) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("no submission of block {number} to {rollup}")))
    }
}

fn optional_u64(row: &AnyRow, column: &str) -> Result<Option<u64>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?.map(to_u64).transpose()
}

fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, StoreError> {
    hex::decode(text).map_err(|_| StoreError::Corrupt(format!("{what} is not hex")))
}

fn submission_from_row(row: &AnyRow) -> Result<SubmissionRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let hashes: String = row.try_get("tx_hashes")?;
    let raw: Option<String> = row.try_get("raw_tx")?;
    let max_fee: Option<String> = row.try_get("max_fee")?;
    Ok(SubmissionRecord {
        rollup: row.try_get("rollup")?,
        block_number: to_u64(row.try_get("block_number")?)?,
        block_hash: row.try_get("block_hash")?,
        job_id: row.try_get("job_id")?,
        calldata: hex_bytes(&row.try_get::<String, _>("calldata")?, "calldata")?,
        status: SubmissionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("submission status `{status}`")))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?)
            .map_err(|_| StoreError::Corrupt("attempts".into()))?,
        nonce: optional_u64(row, "nonce")?,
        tx_hash: row.try_get("tx_hash")?,
        raw_tx: raw.as_deref().map(|r| hex_bytes(r, "raw_tx")).transpose()?,
        tx_hashes: hashes.split(',').filter(|h| !h.is_empty()).map(str::to_string).collect(),
        max_fee: max_fee
            .map(|f| f.parse().map_err(|_| StoreError::Corrupt(format!("max_fee `{f}`"))))
            .transpose()?,
        sent_at: row.try_get("sent_at")?,
        l1_block: optional_u64(row, "l1_block")?,
        gas_used: optional_u64(row, "gas_used")?,
        error: row.try_get("error")?,
    })
}
