# The two commands a newcomer needs: `make run` and `make test`. Both install what is
# missing first (scripts/install-deps.sh).

CARGO ?= cargo
GUEST_ELFS := target/guests

.PHONY: fmt-check deps run run-guests bench-service bench-service-prove bench-gas contracts-fixture test test-e2e test-e2e-service test-full bench bench-prover bench-tree bench-keccak bench-secp profile-guest conformance-vm lint fmt

deps:
	@./scripts/install-deps.sh

## Serve the job API on 127.0.0.1:8080 with one worker, on embedded SQLite (data/).
## RPC_URL=http://... adds the L2 node (blocks by number or hash); FOLLOW=1 follows it.
RPC_URL ?=
FORK ?= prague
run: deps
	$(CARGO) build --release -p prover-service --locked
	./target/release/prover-service serve --fork $(FORK) $(if $(RPC_URL),$(if $(FOLLOW),--follow,--rpc-url) $(RPC_URL))

## Run the executor on the example guests.
run-guests: deps
	$(CARGO) build --release -p prover-service -p guests
	./target/release/prover-service execute --elf $(GUEST_ELFS)/fibonacci.elf --frame-hex 5a
	./target/release/prover-service execute --elf $(GUEST_ELFS)/keccak.elf --frame-hex 616263
	./target/release/prover-service execute --elf $(GUEST_ELFS)/revm-smoke.elf \
	    --frame-hex 000000000000000000000000000000000000000000000000000000000000002a

# guest/abi and guest/stateless belong to the guest workspace, not the host's, so they
# are tested and linted (for the host) through the guest manifest.
GUEST_LIBS := $(CARGO)
GUEST_LIBS_ARGS := --manifest-path guest/Cargo.toml --target-dir target/guest-host --locked -p abi -p stateless

## Build everything and run every test (what CI runs). PostgreSQL is started for the
## service tests (scripts/postgres.sh) and stopped afterwards. Formatting is checked here;
## clippy (`make lint`, about 12 minutes from cold caches) is left to the developer
## before each commit, to keep CI within its budget.
test: deps fmt-check
	PROVER_TEST_DATABASE_URL=$$(./scripts/postgres.sh start) && export PROVER_TEST_DATABASE_URL && \
	  $(CARGO) test --workspace --lib --bins --tests --locked --profile ci; \
	  status=$$?; ./scripts/postgres.sh stop; exit $$status
	$(CARGO) test --workspace --doc --locked --profile ci
	$(GUEST_LIBS) test $(GUEST_LIBS_ARGS)

fmt-check:
	$(CARGO) fmt --all -- --check
	cd guest && $(CARGO) fmt --all -- --check

## Formatting and clippy -D warnings on both workspaces: run it before every commit.
lint: fmt-check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(GUEST_LIBS) clippy $(GUEST_LIBS_ARGS) --all-targets -- -D warnings

## The whole proof stack on real programs (about four hours on 2 cores from cold caches):
## fibonacci-digest over two segments, the keccak guest with its permutations in a
## keccak-f batch, and three recoveries (one failing) in a secp256k1 batch, each proved
## down to the wrapper and verified; then a program job proved through the service's HTTP
## API by worker processes on PostgreSQL, its proof checked by `prover-service verify`;
## last, the operator's loop: a transfer mined by anvil as L2 is proved by the service
## (a server and a worker process) and accepted by Rollup.sol on a second anvil as L1
## (about two and a half hours more with cold keys).
E2E_SERVICE_TESTS ?= service_prove block_to_l1
test-e2e: deps
	$(CARGO) test --profile ci -p circuits --test segment_proof --locked -- --ignored --nocapture
	$(CARGO) test --profile ci -p prover --test end_to_end --locked -- --ignored --nocapture
	$(MAKE) test-e2e-service

## The service's end-to-end tests alone (E2E_SERVICE_TESTS picks which).
test-e2e-service: deps
	PROVER_TEST_DATABASE_URL=$$(./scripts/postgres.sh start) && export PROVER_TEST_DATABASE_URL && \
	  export TEST_CHILD_LOG="warn,prover_service::worker=info" && \
	  $(CARGO) test --profile ci -p prover-service $(foreach t,$(E2E_SERVICE_TESTS),--test $(t)) --locked -- --ignored --nocapture; \
	  status=$$?; ./scripts/postgres.sh stop; exit $$status

## The long runs: guest builds reproduce byte for byte elsewhere (a second full guest
## build), and the differential run against qemu on 10,000 random programs.
test-full: deps
	$(CARGO) test --profile ci -p guests --test reproducible --locked -- --ignored
	QEMU_DIFF_PROGRAMS=10000 $(CARGO) test --release -p vm --test qemu_differential --locked -- --nocapture

## Executor throughput (fast and trace mode).
bench: deps
	$(CARGO) bench -p vm --bench executor --locked

## Segment proving: keygen, cycles/s, proof size, peak memory (SEGMENT_BENCH_K=17,18).
bench-prover: deps
	$(CARGO) bench -p circuits --bench segment_prover --locked

## The keccak-f circuit: columns, permutations per proof, keygen and proving time,
## permutations/s, peak memory, aggregation cells (KECCAK_BENCH_SHAPES=k:part_width:lookups).
bench-keccak: deps
	$(CARGO) bench -p precompiles --bench keccak --locked

## The secp256k1 recovery circuit: recoveries per proof, columns, keygen and proving time,
## seconds per recovery, peak memory, aggregation cells (SECP_BENCH_SHAPES=k:capacity,...).
bench-secp: deps
	$(CARGO) bench -p precompiles --bench secp256k1 --locked

## The proof tree: each node kind's shape, key and proving time, peak memory, and the whole
## program end to end (fibonacci-digest at about 1M cycles; TREE_BENCH_N, TREE_BENCH_PO2).
bench-tree: deps
	$(CARGO) bench -p prover --bench tree --locked

## What a proof costs on L1, on anvil with the committed proof: gas of submitBlockProof and
## of the verifier alone, the verifier's bytecode size, calldata sizes.
bench-gas: deps
	$(CARGO) bench -p contracts --bench gas --locked

## Make the contracts' test fixture again: prove the public-values guest (about 32 minutes
## on 2 cores with every key cold, 13.4 GiB), write contracts/fixtures/ and the generated
## contracts/solidity/Halo2Verifier.sol.
contracts-fixture: deps
	$(CARGO) run --profile ci -p contracts --example fixture --locked

## The API under load: submissions/s and status reads/s on SQLite and PostgreSQL.
bench-service: deps
	PROVER_TEST_DATABASE_URL=$$(./scripts/postgres.sh start) && export PROVER_TEST_DATABASE_URL && \
	  $(CARGO) bench -p prover-service --bench api_load --locked; \
	  status=$$?; ./scripts/postgres.sh stop; exit $$status

## The service proving one job end to end with 1, then 2 worker processes on PostgreSQL
## (hours on 2 cores): wall time, stage times, each worker's peak, the speed-up.
## BENCH_PROVE_JOB=block|program, BENCH_PROVE_WORKERS=1,2, BENCH_PROVE_MEMORY=23GiB.
bench-service-prove: deps
	PROVER_TEST_DATABASE_URL=$$(./scripts/postgres.sh start) && export PROVER_TEST_DATABASE_URL && \
	  $(CARGO) bench -p prover-service --bench prove_fleet --locked; \
	  status=$$?; ./scripts/postgres.sh stop; exit $$status

FIXTURES ?= ../shared/fixtures
PROFILE_FIXTURE ?= $(FIXTURES)/blockchain_tests/static/state_tests/stTransactionTest/TransactionSendingToEmpty.json
SOFTWARE_GUEST := target/riscv-guest-software/riscv32im-risc0-zkvm-elf/release/block-validator

## All fixtures natively and in the block-validator guest (both must agree).
conformance-vm: deps
	$(CARGO) build --release -p prover-service --locked
	./target/release/prover-service conformance --vm $(FIXTURES)/blockchain_tests
	./target/release/prover-service conformance --vm $(FIXTURES)/invalid_blocks

## Where a block's guest cycles go (PROFILE_FIXTURE=file or dir), with the precompile
## syscalls and with the software-crypto baseline build of the guest.
profile-guest: deps
	$(CARGO) build --release -p prover-service --locked
	$(CARGO) run --release -p guests --example software_baseline --locked -- block-validator target/riscv-guest-software
	@echo "== block-validator with keccak and secp256k1 through the syscalls"
	./target/release/prover-service conformance --vm --profile $(PROFILE_FIXTURE)
	@echo "== block-validator with keccak and secp256k1 in software"
	./target/release/prover-service conformance --vm --profile --guest-elf $(SOFTWARE_GUEST) $(PROFILE_FIXTURE)

fmt:
	$(CARGO) fmt --all
	cd guest && $(CARGO) fmt --all
