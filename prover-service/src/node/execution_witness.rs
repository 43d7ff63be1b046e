//! `debug_executionWitness`: the node's own record of every trie node, code and header
//! a block's execution reads. Clients differ in its shape (reth, Nethermind and Erigon
//! send headers as RLP, geth as JSON objects); both are read. An answer that does not
//! parse is logged and ignored, so the caller falls back to `eth_getProof`.

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use alloy_provider::Provider as _;
use alloy_rlp::Decodable as _;
use serde::Deserialize;
use stateless::{ChainConfig, GuestInput};

use super::{NodeClient, NodeError};

/// `debug_executionWitness`'s answer.
#[derive(Debug, Deserialize)]
pub(super) struct ExecutionWitness {
    state: Preimages,
    codes: Preimages,
    #[serde(default)]
    headers: Vec<WitnessHeader>,
}

/// Trie nodes or codes: a list, or (early geth and op-geth) a map from hash to preimage.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Preimages {
    /// The preimages.
    List(Vec<Bytes>),
    /// The preimages by their hash.
    ByHash(std::collections::BTreeMap<String, Bytes>),
}

impl Preimages {
    fn into_vec(self) -> Vec<Bytes> {
        match self {
            Self::List(list) => list,
            Self::ByHash(map) => map.into_values().collect(),
        }
    }
}

/// A header as a client sends it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum WitnessHeader {
    /// RLP bytes (reth, Nethermind, Erigon).
    Rlp(Bytes),
    /// A JSON header object (geth).
    Json(Box<alloy_rpc_types_eth::Header>),
}

impl ExecutionWitness {
    /// Parses a node's answer.
    pub(super) fn parse(value: serde_json::Value) -> Result<Self, String> {
        let witness: Self = serde_json::from_value(value).map_err(|e| e.to_string())?;
        for header in &witness.headers {
            if let WitnessHeader::Rlp(encoded) = header {
                Header::decode(&mut encoded.as_ref()).map_err(|e| format!("a header: {e}"))?;
            }
        }
        Ok(witness)
    }

    /// The guest input of `block_rlp` over this witness; the ancestors are the witness's
    /// headers below the parent, newest first.
    pub(super) fn into_input(
        self,
        chain: ChainConfig,
        block_rlp: &Bytes,
        parent: &Header,
    ) -> GuestInput {
        let mut ancestors: Vec<Header> = self
            .headers
            .into_iter()
            .filter_map(|header| match header {
                WitnessHeader::Rlp(encoded) => Header::decode(&mut encoded.as_ref()).ok(),
                WitnessHeader::Json(header) => Some(header.inner),
            })
            .filter(|header| header.number < parent.number)
            .collect();
        ancestors.sort_by_key(|h| std::cmp::Reverse(h.number));
        GuestInput {
            chain,
            block: block_rlp.clone(),
            parent: parent.clone(),
            state: self.state.into_vec(),
            codes: self.codes.into_vec(),
            ancestors,
        }
    }
}

/// The node's witness of block `number`, or `None` when it does not serve one (anvil,
/// Hardhat) or serves one that does not parse.
pub(super) async fn execution_witness(
    node: &NodeClient,
    number: u64,
) -> Result<Option<ExecutionWitness>, NodeError> {
    let tag = alloy_eips::BlockNumberOrTag::Number(number);
    let answer: serde_json::Value = match node
        .call("debug_executionWitness", || {
            node.provider.raw_request("debug_executionWitness".into(), (tag,))
        })
        .await
    {
        Ok(answer) => answer,
        Err(NodeError::Refused { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match ExecutionWitness::parse(answer) {
        Ok(witness) => Ok(Some(witness)),
        Err(e) => {
            tracing::warn!(block = number, error = %e, "debug_executionWitness does not parse");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(number: u64) -> Header {
        Header { number, gas_limit: 30_000_000, timestamp: 1000 + number, ..Default::default() }
    }

    #[test]
    fn reth_geth_and_map_shapes_give_the_same_input() {
        let parent = header(9);
        let ancestors = [header(7), header(8)];
        let rlp: Vec<Bytes> =
            ancestors.iter().chain([&parent]).map(|h| alloy_rlp::encode(h).into()).collect();
        let json_headers: Vec<serde_json::Value> = ancestors
            .iter()
            .chain([&parent])
            .map(|h| {
                let rpc = alloy_rpc_types_eth::Header::new(h.clone());
                serde_json::to_value(rpc).unwrap_or_default()
            })
            .collect();
        let reth = json!({"state": ["0xc0"], "codes": ["0x00"], "keys": ["0x01"], "headers": rlp});
        let geth =
            json!({"state": ["0xc0"], "codes": ["0x00"], "keys": null, "headers": json_headers});
        let chain = ChainConfig::new(1, stateless::Fork::Cancun);
        let block = Bytes::from_static(&[0xc0]);
        let by_hash = json!({
            "state": {format!("{}", alloy_primitives::keccak256([0xc0])): "0xc0"},
            "codes": {format!("{}", alloy_primitives::keccak256([0x00])): "0x00"},
            "headers": rlp,
        });
        let mut inputs = Vec::new();
        for answer in [reth, geth, by_hash] {
            let witness = ExecutionWitness::parse(answer);
            let input = witness.map(|w| w.into_input(chain, &block, &parent));
            let input = input.unwrap_or_else(|e| panic!("{e}"));
            let numbers: Vec<u64> = input.ancestors.iter().map(|h| h.number).collect();
            assert_eq!(numbers, [8, 7], "the parent is not an ancestor, newest first");
            inputs.push(input.to_bytes());
        }
        assert!(inputs.iter().all(|i| *i == inputs[0]));
    }

    #[test]
    fn an_answer_of_another_shape_is_refused() {
        for answer in [
            json!({"state": "0x01", "codes": []}),
            json!({"state": [], "codes": [], "headers": ["0x01"]}),
            json!(null),
        ] {
            assert!(ExecutionWitness::parse(answer).is_err());
        }
    }
}
