//! The blocks the sequencer follower has enqueued, by number, so that it resumes where it
//! stopped and can tell, by hash, when the node's chain moved under it.

use sqlx::Row as _;

use super::{to_i64, to_u64, JobStore, StoreError};

/// A block the follower enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedBlock {
    /// Its number.
    pub number: u64,
    /// Its hash, as `0x…`.
    pub hash: String,
    /// The job enqueued for it.
    pub job_id: String,
}

impl JobStore {
    /// The highest followed block of `chain_id`.
    pub async fn followed_tip(&self, chain_id: u64) -> Result<Option<FollowedBlock>, StoreError> {
        let row = sqlx::query(
            "SELECT block_number, block_hash, job_id FROM followed_blocks WHERE chain_id = $1 \
             ORDER BY block_number DESC LIMIT 1",
        )
        .bind(to_i64(chain_id)?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| followed_from_row(&r)).transpose()
    }

    /// The followed block `number` of `chain_id`.
    pub async fn followed(
        &self,
        chain_id: u64,
        number: u64,
    ) -> Result<Option<FollowedBlock>, StoreError> {
        let row = sqlx::query(
            "SELECT block_number, block_hash, job_id FROM followed_blocks \
             WHERE chain_id = $1 AND block_number = $2",
        )
        .bind(to_i64(chain_id)?)
        .bind(to_i64(number)?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| followed_from_row(&r)).transpose()
    }

    /// Records that `block` of `chain_id` was enqueued (replacing an orphaned one).
    pub async fn record_followed(
        &self,
        chain_id: u64,
        block: &FollowedBlock,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM followed_blocks WHERE chain_id = $1 AND block_number = $2")
            .bind(to_i64(chain_id)?)
            .bind(to_i64(block.number)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO followed_blocks (chain_id, block_number, block_hash, job_id) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(to_i64(chain_id)?)
        .bind(to_i64(block.number)?)
        .bind(&block.hash)
        .bind(&block.job_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the followed blocks of `chain_id` above `number` (orphaned by a reorg).
    pub async fn forget_followed_above(
        &self,
        chain_id: u64,
        number: u64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM followed_blocks WHERE chain_id = $1 AND block_number > $2")
            .bind(to_i64(chain_id)?)
            .bind(to_i64(number)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn followed_from_row(row: &sqlx::any::AnyRow) -> Result<FollowedBlock, StoreError> {
    Ok(FollowedBlock {
        number: to_u64(row.try_get("block_number")?)?,
        hash: row.try_get("block_hash")?,
        job_id: row.try_get("job_id")?,
    })
}
