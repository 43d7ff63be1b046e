//! The process's memory: its peak, and freed memory given back to the system.
//!
//! A proof allocates gigabytes in pieces of a few MiB (a column at 2^17 rows is 4 MiB).
//! glibc's allocator serves pieces of that size from its arenas once it has freed one
//! (its mmap threshold rises with every large block it frees, up to 32 MiB), and an arena
//! keeps what is freed inside it. Measured: after a segment proof at 2^17 rows and every
//! value of it dropped, the process still held 5.2 GiB (0.06 GiB after `malloc_trim`);
//! the next stage's allocations, larger still, could not reuse it, so one process proving
//! stage after stage peaked 3–5 GiB above the same stages proved in child processes.
//! [`tune_allocator`] fixes the threshold at 1 MiB for the whole process (every larger
//! block is then mapped on its own and unmapped when freed: 0.4 GiB held after that
//! proof, at the same speed), and [`release_freed`] hands an arena's free pages back
//! between stages.

/// The allocation size from which [`tune_allocator`] maps every block on its own.
pub const MMAP_THRESHOLD_BYTES: usize = 1 << 20;

/// This process's peak resident memory so far (`VmHWM`), in MiB; 0 where `/proc` has none.
/// The figure the CLI, the benchmark and the end-to-end test report for each stage.
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// This process's resident memory now (`VmRSS`), in MiB; 0 where `/proc` has none.
pub fn resident_mib() -> f64 {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Fixes glibc's mmap threshold at [`MMAP_THRESHOLD_BYTES`], so that blocks from 1 MiB up
/// go back to the system as soon as they are freed. Call it once, first thing in a
/// process that proves; it returns whether the allocator took the setting (always false
/// where the allocator is not glibc's).
pub fn tune_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD_BYTES).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` only changes the allocator's parameters; glibc serializes it
        // with allocation, and an accepted value changes no block already handed out.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Hands the free pages of glibc's arenas back to the system: what one stage freed
/// should not stay resident under the next one. Cheap (it walks the arenas' free lists);
/// a no-op where the allocator is not glibc's.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` only returns free memory to the system; it touches no
        // block in use and is safe to call from any thread at any time.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_memory_is_read() {
        assert!(peak_rss_mib() > 0.0);
        assert!(resident_mib() > 0.0);
        assert!(resident_mib() <= peak_rss_mib() + 1.0);
        release_freed();
    }
}
