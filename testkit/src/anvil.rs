//! anvil (npm `@foundry-rs/anvil`, installed into `tools/` by `make deps`) as a real
//! Ethereum node for tests: started on a free loopback port, driven over JSON-RPC with its
//! unlocked dev accounts, and killed on drop.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A running anvil node.
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC address.
    pub url: String,
    client: reqwest::Client,
}

impl Anvil {
    /// Starts anvil (Cancun) on a free loopback port, with one second between block
    /// timestamps (anvil otherwise mines blocks with equal timestamps, which the header
    /// rules forbid) and one empty block mined (anvil keeps the genesis base fee in
    /// block 1 where EIP-1559 lowers it, so block 1 does not validate).
    pub async fn start() -> Self {
        let binary =
            workspace_root().join("tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        assert!(binary.exists(), "anvil is missing at {}: run `make deps`", binary.display());
        let port = free_port();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--hardfork", "cancun"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let anvil =
            Self { child, url: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while anvil.request("eth_chainId", json!([])).await.is_err() {
            assert!(Instant::now() < deadline, "anvil did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anvil.rpc("anvil_setBlockTimestampInterval", json!([1])).await;
        anvil.mine(1).await;
        anvil
    }

    /// Calls `method`: its result, or the node's error object (`Value::Null` when the node
    /// could not be reached).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response =
            self.client.post(&self.url).json(&body).send().await.map_err(|_| Value::Null)?;
        let mut value: Value = response.json().await.map_err(|_| Value::Null)?;
        match value.get_mut("error") {
            Some(error) => Err(error.take()),
            None => Ok(value["result"].take()),
        }
    }

    /// Calls `method`; panics on an error.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        match self.request(method, params).await {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// The first dev account.
    pub async fn account(&self) -> String {
        self.rpc("eth_accounts", json!([])).await[0].as_str().unwrap().to_string()
    }

    /// Sends a transaction from the first dev account (anvil signs it) unless `tx` names
    /// its sender; returns its receipt.
    pub async fn send(&self, tx: Value) -> Value {
        let mut tx = tx;
        if tx.get("from").is_none() {
            tx["from"] = json!(self.account().await);
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx])).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let receipt = self.rpc("eth_getTransactionReceipt", json!([hash])).await;
            if !receipt.is_null() {
                return receipt;
            }
            assert!(Instant::now() < deadline, "transaction {hash} was not mined");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Mines `blocks` empty blocks.
    pub async fn mine(&self, blocks: u64) {
        self.rpc("anvil_mine", json!([format!("{blocks:#x}")])).await;
    }

    /// The newest block number.
    pub async fn head(&self) -> u64 {
        parse_u64(&self.rpc("eth_blockNumber", json!([])).await)
    }

    /// The block `number`'s header fields.
    pub async fn block(&self, number: u64) -> Value {
        self.rpc("eth_getBlockByNumber", json!([format!("{number:#x}"), false])).await
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `0x…` as u64.
pub fn parse_u64(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}
