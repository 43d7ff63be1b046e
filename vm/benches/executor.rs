//! Executor throughput: instructions per second in fast and trace mode on the
//! `fibonacci` and `revm-smoke` guests, with peak memory.
//!
//! Run with `make bench` (`cargo bench -p vm --bench executor`). Each figure is the
//! median of five runs.

use std::time::Instant;

use abi::io::InputBuilder;
use vm::{Executor, ExecutorConfig, Program};

const RUNS: usize = 5;

fn input_u32(n: u32) -> Vec<u8> {
    let mut input = InputBuilder::new();
    input.write(&n).expect("encode u32");
    input.into_bytes()
}

fn input_word() -> Vec<u8> {
    let mut input = InputBuilder::new();
    input.write_bytes(&[0x2a; 32]).expect("encode word");
    input.into_bytes()
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs `program` `RUNS` times and returns (instructions, cycles, median seconds).
fn measure(program: &Program, input: &[u8], traced: bool) -> (u64, u64, f64) {
    let config = ExecutorConfig { segment_po2: 20, ..ExecutorConfig::default() };
    let mut times = Vec::new();
    let mut counts = (0, 0);
    for _ in 0..RUNS {
        let mut machine =
            Executor::new(program, input.to_vec(), config.clone()).expect("program loads");
        let start = Instant::now();
        let summary = if traced {
            // Drop each segment as it is produced, as a prover streaming them would.
            machine.run_traced_with(drop).expect("guest halts")
        } else {
            machine.run_fast().expect("guest halts")
        };
        times.push(start.elapsed().as_secs_f64());
        assert_eq!(summary.exit_code, 0);
        counts = (summary.instructions, summary.cycles);
    }
    (counts.0, counts.1, median(times))
}

fn report(name: &str, mode: &str, (instructions, cycles, secs): (u64, u64, f64)) {
    println!(
        "{name:<12} {mode:<6} {instructions:>12} instr {cycles:>12} cycles {secs:>9.4} s \
         {:>9.1} M instr/s   peak RSS {:.0} MiB",
        instructions as f64 / secs / 1e6,
        peak_rss_mib()
    );
}

fn main() {
    let fibonacci = Program::from_elf(guests::FIBONACCI_ELF).expect("fibonacci ELF");
    let revm_smoke = Program::from_elf(guests::REVM_SMOKE_ELF).expect("revm-smoke ELF");
    let fib_n = 10_000_000;
    println!("executor benchmark (median of {RUNS} runs, segment size 2^20)");
    report("fibonacci", "fast", measure(&fibonacci, &input_u32(fib_n), false));
    report("fibonacci", "trace", measure(&fibonacci, &input_u32(200_000), true));
    report("revm-smoke", "fast", measure(&revm_smoke, &input_word(), false));
    report("revm-smoke", "trace", measure(&revm_smoke, &input_word(), true));
}
