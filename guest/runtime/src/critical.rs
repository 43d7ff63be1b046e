//! `critical-section` for a single hart without interrupts: nothing can preempt the
//! guest, so entering a critical section is free.

struct SingleHart;

critical_section::set_impl!(SingleHart);

// SAFETY: the guest runs on one hart with no interrupts, so there is nothing to exclude.
unsafe impl critical_section::Impl for SingleHart {
    unsafe fn acquire() -> critical_section::RawRestoreState {}

    unsafe fn release(_: critical_section::RawRestoreState) {}
}
