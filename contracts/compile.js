#!/usr/bin/env node
// Compiles contracts/solidity/*.sol (or the .sol files of another directory) with solc 0.8.19 (npm `solc`, installed into tools/ by
// scripts/install-deps.sh) through its standard-JSON interface, and writes one artifact per
// contract, `<out>/<Name>.json` = { abi, bytecode, deployedBytecode } (hex without 0x).
//
// The legacy optimizer only (`details.yul = false`): solcjs's Yul optimizer runs out of
// wasm memory on the generated verifier. No metadata hash is appended, so an artifact
// depends on nothing but the sources and these settings: compiling twice gives the same
// bytes.
//
//   node contracts/compile.js <out-dir> [<sources-dir>]
//
// <sources-dir> defaults to contracts/solidity; an operator points it at the directory of
// a verifier exported with `prover-service export-verifier`.
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const solc = require(path.join(root, 'tools', 'node_modules', 'solc'));
const EXPECTED_VERSION = '0.8.19+commit.7dd6d404';

function main() {
  const out = process.argv[2];
  if (!out) {
    fail('usage: node contracts/compile.js <out-dir> [<sources-dir>]');
  }
  if (solc.version() !== EXPECTED_VERSION + '.Emscripten.clang') {
    fail(`expected solc ${EXPECTED_VERSION}, found ${solc.version()}`);
  }
  const dir = process.argv[3] ? path.resolve(process.argv[3]) : path.join(__dirname, 'solidity');
  const sources = {};
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort()) {
    sources[name] = { content: fs.readFileSync(path.join(dir, name), 'utf8') };
  }
  if (Object.keys(sources).length === 0) {
    fail(`no .sol file in ${dir}`);
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200, details: { yul: false } },
      evmVersion: 'paris',
      metadata: { bytecodeHash: 'none', appendCBOR: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) {
    process.stderr.write(e.formattedMessage + '\n');
  }
  if (errors.length > 0) {
    fail(`${errors.length} compilation error(s)`);
  }
  fs.mkdirSync(out, { recursive: true });
  for (const file of Object.keys(output.contracts).sort()) {
    for (const [name, contract] of Object.entries(output.contracts[file])) {
      const artifact = {
        abi: contract.abi,
        bytecode: contract.evm.bytecode.object,
        deployedBytecode: contract.evm.deployedBytecode.object,
      };
      fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n');
    }
  }
}

function fail(message) {
  process.stderr.write(`compile.js: ${message}\n`);
  process.exit(1);
}

main();
