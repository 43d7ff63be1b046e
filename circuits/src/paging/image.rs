//! A program's initial memory and its identity.

use std::collections::BTreeMap;

use abi::memory::{page_of, PAGE_SIZE, PAGE_WORDS, PC_ADDR};
use vm::Program;

use super::PageTree;
use crate::Fr;

/// The non-zero pages of a program's initial memory: its image, and the machine page
/// (page 0) with zero registers and the entry point in the program-counter word.
pub fn initial_pages(program: &Program) -> BTreeMap<u32, Vec<u32>> {
    let mut pages: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut machine = vec![0u32; PAGE_WORDS];
    machine[(PC_ADDR / 4) as usize] = program.entry;
    pages.insert(0, machine);
    for (&addr, &word) in &program.image {
        let page = pages.entry(page_of(addr)).or_insert_with(|| vec![0; PAGE_WORDS]);
        page[((addr % PAGE_SIZE) / 4) as usize] = word;
    }
    pages
}

/// The program's identity: the page-tree root of its initial memory. Any change to its
/// code, data or entry point changes it.
pub fn program_id(program: &Program) -> Fr {
    PageTree::initial(program).root()
}
