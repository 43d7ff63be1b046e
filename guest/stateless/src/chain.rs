//! Which rules a block is validated under: the chain id, the fork (Prague by default;
//! Cancun and Shanghai selectable) and the EIP-6110 deposit contract.

use alloy_eips::eip6110::MAINNET_DEPOSIT_CONTRACT_ADDRESS;
use alloy_eips::eip7840::BlobParams;
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::Address;
use alloy_rlp::{RlpDecodable, RlpEncodable};

/// The post-merge forks a chain can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Fork {
    /// Withdrawals (EIP-4895), PUSH0.
    Shanghai,
    /// Blobs (EIP-4844), the beacon root contract (EIP-4788), transient storage.
    Cancun,
    /// Execution requests (EIP-6110/7002/7251), block hashes in state (EIP-2935),
    /// set-code transactions (EIP-7702).
    #[default]
    Prague,
}

impl Fork {
    /// The alloy hardfork this fork is.
    pub const fn hardfork(self) -> EthereumHardfork {
        match self {
            Self::Shanghai => EthereumHardfork::Shanghai,
            Self::Cancun => EthereumHardfork::Cancun,
            Self::Prague => EthereumHardfork::Prague,
        }
    }

    /// The fork's code in a [`ChainConfig`] encoding.
    pub const fn code(self) -> u8 {
        match self {
            Self::Shanghai => 0,
            Self::Cancun => 1,
            Self::Prague => 2,
        }
    }

    /// The fork with this code.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Shanghai),
            1 => Some(Self::Cancun),
            2 => Some(Self::Prague),
            _ => None,
        }
    }

    /// Blob gas parameters (target, maximum, update fraction), where the fork has blobs.
    pub fn blob_params(self) -> Option<BlobParams> {
        match self {
            Self::Shanghai => None,
            Self::Cancun => Some(BlobParams::cancun()),
            Self::Prague => Some(BlobParams::prague()),
        }
    }
}

/// A chain's validation rules, with every fork up to `fork` active from genesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The fork code ([`Fork::code`]).
    pub fork_code: u8,
    /// The contract whose logs are EIP-6110 deposit requests.
    pub deposit_contract: Address,
}

impl ChainConfig {
    /// A chain at `fork` with mainnet's deposit contract.
    pub const fn new(chain_id: u64, fork: Fork) -> Self {
        Self {
            chain_id,
            fork_code: fork.code(),
            deposit_contract: MAINNET_DEPOSIT_CONTRACT_ADDRESS,
        }
    }

    /// The fork, if the code names one.
    pub const fn fork(&self) -> Option<Fork> {
        Fork::from_code(self.fork_code)
    }
}

impl EthereumHardforks for ChainConfig {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        match self.fork() {
            Some(current) if fork <= current.hardfork() => {
                if fork >= EthereumHardfork::Shanghai {
                    ForkCondition::Timestamp(0)
                } else {
                    ForkCondition::Block(0)
                }
            }
            _ => ForkCondition::Never,
        }
    }
}

impl EthExecutorSpec for ChainConfig {
    fn deposit_contract_address(&self) -> Option<Address> {
        Some(self.deposit_contract)
    }
}
