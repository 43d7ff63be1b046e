//! A bump allocator over the memory between the end of the program image and the stack.
//!
//! Guests are short-lived and every instruction is proven, so the cheapest allocator
//! wins: allocation is a pointer bump and freeing is a no-op (as in RISC Zero's and
//! SP1's default guest allocators). Running out of heap ends the guest through the
//! allocation-error path, which panics and halts with a non-zero code.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

use abi::memory::STACK_TOP;

/// Bytes reserved for the stack below [`STACK_TOP`].
const STACK_BYTES: usize = 1 << 20;
const HEAP_LIMIT: usize = STACK_TOP as usize - STACK_BYTES;

extern "C" {
    /// First byte after the program image, defined by the linker script.
    static _end: u8;
}

struct BumpAllocator {
    next: UnsafeCell<usize>,
}

// SAFETY: guests run on one hart with no threads or interrupts.
unsafe impl Sync for BumpAllocator {}

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see `Sync`), so no other reference to `next` exists.
        let next = unsafe { &mut *self.next.get() };
        if *next == 0 {
            *next = core::ptr::addr_of!(_end) as usize;
        }
        let start = (*next + layout.align() - 1) & !(layout.align() - 1);
        match start.checked_add(layout.size()) {
            Some(end) if end <= HEAP_LIMIT => {
                *next = end;
                start as *mut u8
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: single-threaded (see `Sync`).
        let next = unsafe { &mut *self.next.get() };
        // The most recent allocation grows or shrinks in place.
        if ptr as usize + layout.size() == *next {
            match (ptr as usize).checked_add(new_size) {
                Some(end) if end <= HEAP_LIMIT => {
                    *next = end;
                    return ptr;
                }
                _ => return core::ptr::null_mut(),
            }
        }
        // SAFETY: `new_size` and `layout.align()` form a valid layout per the caller.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as for `alloc`.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are valid for the copied length and do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        }
        new
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // Fresh heap memory is never reused and guest memory starts zeroed.
        unsafe { self.alloc(layout) }
    }
}

#[global_allocator]
static HEAP: BumpAllocator = BumpAllocator { next: UnsafeCell::new(0) };
