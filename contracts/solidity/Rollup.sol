// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @notice What the proof of one L2 block states, as the guest commits it: the final
/// SNARK's public output is `keccak256(abi.encode(PublicValues))`.
struct PublicValues {
    uint64 chainId;
    uint64 blockNumber;
    bytes32 parentHash;
    bytes32 blockHash;
    bytes32 parentStateRoot;
    bytes32 stateRoot;
}

/// @title Rollup
/// @notice Accepts an L2 block's new state root only with a valid proof that the pinned
/// program, run on that block, committed its public values, and only on top of the last
/// accepted block.
/// @dev `proof` is the wrapper SNARK as the prover emits it for this contract: the 12
/// accumulator limbs (384 bytes), the program id it was made for (32 bytes), then the
/// halo2 transcript. The verifier's public inputs are rebuilt here: the limbs, the pinned
/// program id and the two 128-bit halves of the recomputed public-values digest. So a
/// proof verifies only for this contract's program and these exact public values.
contract Rollup {
    /// @notice Bytes of the accumulator limbs at the start of a proof.
    uint256 internal constant ACCUMULATOR_BYTES = 12 * 32;
    /// @notice Bytes before the transcript: the limbs and the program id.
    uint256 internal constant PROOF_HEADER_BYTES = ACCUMULATOR_BYTES + 32;

    /// @notice The L2 chain's EIP-155 id.
    uint64 public immutable chainId;
    /// @notice The generated halo2 verifier of the final SNARK.
    address public immutable verifier;
    /// @notice May change the program id and hand the role on.
    address public owner;
    /// @notice The number of the last accepted block (shares the owner's slot).
    uint64 public lastBlockNumber;
    /// @notice The guest program whose runs are accepted (the proof's `program_id`).
    bytes32 public programId;
    /// @notice The hash of the last accepted block.
    bytes32 public lastBlockHash;
    /// @notice The state root of the last accepted block.
    bytes32 public lastStateRoot;

    /// @notice A block was proven and its state root accepted.
    event BlockProven(uint64 indexed number, bytes32 blockHash, bytes32 stateRoot);
    /// @notice The accepted program changed.
    event ProgramIdChanged(bytes32 previous, bytes32 current);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previous, address indexed current);

    /// @notice The public values are for another chain.
    error WrongChain(uint64 expected, uint64 found);
    /// @notice The block is at or below the last accepted one.
    error BlockAlreadyProven(uint64 lastAccepted, uint64 found);
    /// @notice The block is not the next one: blocks in between are missing.
    error BlockGap(uint64 expected, uint64 found);
    /// @notice The block's parent is not the last accepted block.
    error WrongParentHash(bytes32 expected, bytes32 found);
    /// @notice The block's pre-state is not the last accepted state root.
    error WrongParentStateRoot(bytes32 expected, bytes32 found);
    /// @notice The proof was made for another program.
    error WrongProgram(bytes32 expected, bytes32 found);
    /// @notice The proof is too short to hold its header.
    error MalformedProof(uint256 length);
    /// @notice The verifier rejected the proof for these public values.
    error InvalidProof();
    /// @notice Only the owner may do this.
    error NotOwner(address caller);
    /// @notice The verifier address holds no code.
    error NoVerifierCode(address verifier);

    /// @param chainId_ The L2 chain's EIP-155 id.
    /// @param genesisNumber The number of the block proofs start after.
    /// @param genesisHash That block's hash.
    /// @param genesisStateRoot That block's state root.
    /// @param programId_ The accepted guest program.
    /// @param verifier_ The final SNARK's verifier.
    constructor(
        uint64 chainId_,
        uint64 genesisNumber,
        bytes32 genesisHash,
        bytes32 genesisStateRoot,
        bytes32 programId_,
        address verifier_
    ) {
        if (verifier_.code.length == 0) revert NoVerifierCode(verifier_);
        chainId = chainId_;
        verifier = verifier_;
        owner = msg.sender;
        programId = programId_;
        lastBlockNumber = genesisNumber;
        lastBlockHash = genesisHash;
        lastStateRoot = genesisStateRoot;
        emit OwnershipTransferred(address(0), msg.sender);
        emit ProgramIdChanged(bytes32(0), programId_);
    }

    /// @notice Accepts the block `pv` describes if `proof` proves it on top of the last
    /// accepted block.
    function submitBlockProof(PublicValues calldata pv, bytes calldata proof) external {
        if (pv.chainId != chainId) revert WrongChain(chainId, pv.chainId);
        uint64 last = lastBlockNumber;
        if (pv.blockNumber <= last) revert BlockAlreadyProven(last, pv.blockNumber);
        if (pv.blockNumber != last + 1) revert BlockGap(last + 1, pv.blockNumber);
        if (pv.parentHash != lastBlockHash) revert WrongParentHash(lastBlockHash, pv.parentHash);
        if (pv.parentStateRoot != lastStateRoot) {
            revert WrongParentStateRoot(lastStateRoot, pv.parentStateRoot);
        }
        if (proof.length < PROOF_HEADER_BYTES) revert MalformedProof(proof.length);
        bytes32 pinned = programId;
        bytes32 claimed = bytes32(proof[ACCUMULATOR_BYTES:PROOF_HEADER_BYTES]);
        if (claimed != pinned) revert WrongProgram(pinned, claimed);

        uint256 digest = uint256(keccak256(abi.encode(pv)));
        bytes memory input = abi.encodePacked(
            proof[:ACCUMULATOR_BYTES],
            pinned,
            digest >> 128,
            digest & type(uint128).max,
            proof[PROOF_HEADER_BYTES:]
        );
        (bool valid,) = verifier.staticcall(input);
        if (!valid) revert InvalidProof();

        lastBlockNumber = pv.blockNumber;
        lastBlockHash = pv.blockHash;
        lastStateRoot = pv.stateRoot;
        emit BlockProven(pv.blockNumber, pv.blockHash, pv.stateRoot);
    }

    /// @notice Pins another guest program (an upgrade); owner only.
    function setProgramId(bytes32 programId_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        emit ProgramIdChanged(programId, programId_);
        programId = programId_;
    }

    /// @notice Hands the owner role to `newOwner`; owner only.
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
