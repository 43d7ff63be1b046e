//! The segment records are internally consistent and chain into one execution: replaying
//! each segment's access log from its paged-in pages reproduces its paged-out pages, the
//! boundary states meet, timestamps increase, and the outputs and precompile calls add up.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::HashMap;

use abi::io::InputBuilder;
use abi::memory::{page_of, PAGE_SIZE, PAGE_WORDS, PC_ADDR};
use vm::trace::{page_in_timestamp, AccessKind, PrecompileCall, SegmentRecord};
use vm::{ExecutionSummary, ExecutorConfig, Program};

fn check_records(elf: &[u8], summary: &ExecutionSummary, segments: &[SegmentRecord]) {
    let program = Program::from_elf(elf).unwrap();
    // Memory as the records say it is between segments: word address → value.
    let mut memory: HashMap<u32, u32> = program.image.clone().into_iter().collect();
    memory.insert(PC_ADDR, program.entry);
    let mut output: Vec<u8> = Vec::new();
    let mut calls = 0;
    let mut previous_end = None;
    let mut row = 0;
    for (i, seg) in segments.iter().enumerate() {
        assert_eq!(seg.index as usize, i);
        assert_eq!(seg.first_row, row, "segments are contiguous in rows");
        assert!(seg.rows <= (1 << seg.segment_po2) - vm::SEGMENT_RESERVED_ROWS);
        row += seg.rows;
        match &previous_end {
            None => assert_eq!((seg.start.pc, seg.start.registers), (program.entry, [0; 32])),
            Some(end) => assert_eq!(&seg.start, end, "segment {i} starts where {} ended", i - 1),
        }
        previous_end = Some(seg.end.clone());

        // Page-in: every page matches memory as left by the earlier segments.
        let mut current: HashMap<u32, u32> = HashMap::new();
        for page in &seg.pages_in {
            assert_eq!(page.words.len(), PAGE_WORDS);
            for (k, &word) in page.words.iter().enumerate() {
                let addr = page.index * PAGE_SIZE + 4 * k as u32;
                let expected = if page.index == 0 && addr < PC_ADDR {
                    seg.start.registers[k]
                } else {
                    memory.get(&addr).copied().unwrap_or(0)
                };
                assert_eq!(word, expected, "segment {i} pages in {addr:#x}");
                current.insert(addr, word);
            }
        }

        // Replay the access log.
        let mut last_ts: HashMap<u32, u64> = HashMap::new();
        let mut ts = page_in_timestamp(seg.first_row);
        for access in &seg.accesses {
            assert!(access.timestamp > ts, "timestamps strictly increase");
            ts = access.timestamp;
            let value = *current.get(&access.addr).unwrap_or_else(|| {
                panic!("segment {i}: access to {:#x} outside its paged-in pages", access.addr)
            });
            assert_eq!(access.prev_value, value, "segment {i}: prev value at {:#x}", access.addr);
            let prev_ts = last_ts.insert(access.addr, access.timestamp);
            assert_eq!(access.prev_timestamp, prev_ts.unwrap_or(page_in_timestamp(seg.first_row)));
            match access.kind {
                AccessKind::Read => assert_eq!(access.value, value),
                AccessKind::Write => {
                    current.insert(access.addr, access.value);
                }
            }
        }
        current.insert(PC_ADDR, seg.end.pc);

        // Page-out: the replayed memory is what the segment pages out.
        assert_eq!(seg.pages_out.len(), seg.pages_in.len());
        for page in &seg.pages_out {
            for (k, &word) in page.words.iter().enumerate() {
                let addr = page.index * PAGE_SIZE + 4 * k as u32;
                assert_eq!(word, current[&addr], "segment {i} pages out {addr:#x}");
                memory.insert(addr, word);
            }
        }
        for (k, &reg) in seg.end.registers.iter().enumerate() {
            assert_eq!(reg, current[&(4 * k as u32)]);
        }

        // Events cover the rows and chain their program counters.
        assert_eq!(seg.events.iter().map(|e| u64::from(e.rows)).sum::<u64>(), seg.rows);
        for pair in seg.events.windows(2) {
            assert_eq!(pair[0].next_pc, pair[1].pc);
            assert_eq!(pair[0].row + u64::from(pair[0].rows), pair[1].row);
            assert!(pair[0].first_access < pair[1].first_access);
        }
        for event in &seg.events {
            let fetch = &seg.accesses[event.first_access as usize];
            assert_eq!((fetch.addr, fetch.value), (event.pc, event.word), "fetch is a memory read");
            assert!(seg.pages_in.iter().any(|p| p.index == page_of(event.pc)));
        }
        output.extend(seg.commits.iter().flatten());
        calls += seg.precompile_calls.len() as u64;
        let is_last = i + 1 == segments.len();
        assert_eq!(seg.exit_code.is_some(), is_last, "only the last segment halts");
    }
    assert_eq!(row, summary.cycles);
    assert_eq!(output, summary.output);
    assert_eq!(calls, summary.syscalls.keccak_permute + summary.syscalls.secp256k1_recover);
}

fn trace_and_check(elf: &[u8], input: &[u8], segment_po2: u32) -> Vec<SegmentRecord> {
    let config = ExecutorConfig { segment_po2, ..ExecutorConfig::default() };
    let (summary, segments) = vm::trace(elf, input, &config).unwrap();
    assert_eq!(summary.exit_code, 0);
    check_records(elf, &summary, &segments);
    segments
}

#[test]
fn fibonacci_records_chain_across_many_small_segments() {
    let mut input = InputBuilder::new();
    input.write(&2000u32).unwrap();
    let segments = trace_and_check(guests::FIBONACCI_ELF, &input.into_bytes(), 9);
    assert!(segments.len() > 20);
}

#[test]
fn keccak_records_hold_the_permutation_calls() {
    let mut input = InputBuilder::new();
    input.write_bytes(&[7u8; 500]).unwrap();
    let segments = trace_and_check(guests::KECCAK_ELF, &input.into_bytes(), 9);
    let calls: Vec<_> = segments.iter().flat_map(|s| &s.precompile_calls).collect();
    assert_eq!(calls.len(), 4);
    for call in calls {
        let PrecompileCall::KeccakPermute { input, output } = call else {
            panic!("unexpected call {call:?}")
        };
        let mut state = *input;
        vm::precompiles::keccak_permute(&mut state);
        assert_eq!(&state, output);
    }
}

#[test]
fn revm_smoke_records_are_consistent() {
    let mut input = InputBuilder::new();
    input.write_bytes(&[1u8; 32]).unwrap();
    let segments = trace_and_check(guests::REVM_SMOKE_ELF, &input.into_bytes(), 16);
    assert!(segments.len() >= 3);
}
