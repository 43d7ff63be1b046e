//! The `witness` stage: the block's guest input from the node, validated natively, stored
//! as an artifact for the `execute` stage.

use alloy_primitives::B256;
use stateless::ChainConfig;

use super::{StageError, WorkerContext};
use crate::model::StageKind;
use crate::node::build_guest_input;
use crate::store::{ClaimedStage, StageOutcome};

pub(super) async fn run(
    context: &WorkerContext,
    stage: &ClaimedStage,
) -> Result<StageOutcome, StageError> {
    let node = context
        .node
        .as_ref()
        .ok_or_else(|| StageError::Permanent("no node configured (rpc_url)".to_string()))?;
    let hash: B256 = stage
        .block_hash
        .parse()
        .map_err(|_| StageError::Permanent(format!("bad block hash `{}`", stage.block_hash)))?;
    let chain = ChainConfig::new(stage.chain_id, context.fork);
    let input = build_guest_input(node, chain, hash).await.map_err(|e| {
        if e.is_retryable() {
            StageError::Retryable(e.to_string())
        } else {
            StageError::Permanent(e.to_string())
        }
    })?;
    let artifact = context.store(input.to_bytes()).await?;
    Ok(StageOutcome::Next { kind: StageKind::Execute, artifact })
}
