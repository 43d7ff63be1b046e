//! The entry point: set the stack pointer, run the guest's main function, halt.

use abi::memory::STACK_TOP;

core::arch::global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    "_start:",
    "    li sp, {stack_top}",
    "    call {start}",
    stack_top = const STACK_TOP,
    start = sym runtime_start,
);

extern "C" {
    fn __guest_main();
}

extern "C" fn runtime_start() -> ! {
    // SAFETY: `__guest_main` is defined by the guest through `entry!` and takes no
    // arguments; this is its only call.
    unsafe { __guest_main() };
    crate::syscall::halt(0)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut message = alloc::string::String::new();
    // Formatting into a String cannot fail except on allocation failure, which aborts.
    let _ = write!(message, "guest panicked: {info}");
    crate::syscall::log(message.as_bytes());
    crate::syscall::halt(abi::syscall::EXIT_PANIC)
}
