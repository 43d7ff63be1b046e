//! The `__atomic_*` library calls (GCC libatomic ABI) that LLVM emits for atomic
//! operations on `riscv32im`, which has no `A` extension.
//!
//! A guest runs on one hart with no interrupts, so a plain volatile read-modify-write is
//! atomic. The memory-order arguments are accepted and ignored.

use core::ptr::{read_volatile, write_volatile};

macro_rules! atomic_rmw {
    ($name:ident, $ty:ty, |$old:ident, $val:ident| $new:expr) => {
        #[no_mangle]
        unsafe extern "C" fn $name(ptr: *mut $ty, $val: $ty, _order: i32) -> $ty {
            // SAFETY: the caller passes a valid, aligned pointer; single hart.
            unsafe {
                let $old = read_volatile(ptr);
                write_volatile(ptr, $new);
                $old
            }
        }
    };
}

macro_rules! atomics_for {
    ($ty:ty, $load:ident, $store:ident, $xchg:ident, $cas:ident,
     $add:ident, $sub:ident, $and:ident, $or:ident, $xor:ident, $nand:ident) => {
        #[no_mangle]
        unsafe extern "C" fn $load(ptr: *const $ty, _order: i32) -> $ty {
            // SAFETY: the caller passes a valid, aligned pointer.
            unsafe { read_volatile(ptr) }
        }

        #[no_mangle]
        unsafe extern "C" fn $store(ptr: *mut $ty, val: $ty, _order: i32) {
            // SAFETY: the caller passes a valid, aligned pointer.
            unsafe { write_volatile(ptr, val) }
        }

        #[no_mangle]
        unsafe extern "C" fn $cas(
            ptr: *mut $ty,
            expected: *mut $ty,
            desired: $ty,
            _success: i32,
            _failure: i32,
        ) -> bool {
            // SAFETY: the caller passes valid, aligned pointers; single hart.
            unsafe {
                let current = read_volatile(ptr);
                if current == read_volatile(expected) {
                    write_volatile(ptr, desired);
                    true
                } else {
                    write_volatile(expected, current);
                    false
                }
            }
        }

        atomic_rmw!($xchg, $ty, |_old, val| val);
        atomic_rmw!($add, $ty, |old, val| old.wrapping_add(val));
        atomic_rmw!($sub, $ty, |old, val| old.wrapping_sub(val));
        atomic_rmw!($and, $ty, |old, val| old & val);
        atomic_rmw!($or, $ty, |old, val| old | val);
        atomic_rmw!($xor, $ty, |old, val| old ^ val);
        atomic_rmw!($nand, $ty, |old, val| !(old & val));
    };
}

atomics_for!(
    u8,
    __atomic_load_1,
    __atomic_store_1,
    __atomic_exchange_1,
    __atomic_compare_exchange_1,
    __atomic_fetch_add_1,
    __atomic_fetch_sub_1,
    __atomic_fetch_and_1,
    __atomic_fetch_or_1,
    __atomic_fetch_xor_1,
    __atomic_fetch_nand_1
);
atomics_for!(
    u16,
    __atomic_load_2,
    __atomic_store_2,
    __atomic_exchange_2,
    __atomic_compare_exchange_2,
    __atomic_fetch_add_2,
    __atomic_fetch_sub_2,
    __atomic_fetch_and_2,
    __atomic_fetch_or_2,
    __atomic_fetch_xor_2,
    __atomic_fetch_nand_2
);
atomics_for!(
    u32,
    __atomic_load_4,
    __atomic_store_4,
    __atomic_exchange_4,
    __atomic_compare_exchange_4,
    __atomic_fetch_add_4,
    __atomic_fetch_sub_4,
    __atomic_fetch_and_4,
    __atomic_fetch_or_4,
    __atomic_fetch_xor_4,
    __atomic_fetch_nand_4
);
atomics_for!(
    u64,
    __atomic_load_8,
    __atomic_store_8,
    __atomic_exchange_8,
    __atomic_compare_exchange_8,
    __atomic_fetch_add_8,
    __atomic_fetch_sub_8,
    __atomic_fetch_and_8,
    __atomic_fetch_or_8,
    __atomic_fetch_xor_8,
    __atomic_fetch_nand_8
);
