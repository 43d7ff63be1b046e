//! The page tree and program identity: Merkle paths verify, incremental updates agree with
//! rebuilding, `program_id` is stable and binds code, data and entry point, and the
//! executor's segment records page in and out consistently against the evolving root.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use abi::io::InputBuilder;
use abi::memory::PAGE_WORDS;
use circuits::paging::{initial_pages, page_hash, program_id, PageTree};
use vm::{ExecutorConfig, Program};

fn page(seed: u32) -> Vec<u32> {
    (0..PAGE_WORDS as u32).map(|i| i.wrapping_mul(2_654_435_761).wrapping_add(seed)).collect()
}

#[test]
fn paths_verify_for_written_and_empty_pages() {
    let pages = [(1u32, page(1)), (2, page(2)), (77_000, page(3))];
    let tree = PageTree::from_pages(pages.iter().map(|(i, w)| (*i, w.as_slice())));
    for (index, words) in &pages {
        assert_eq!(tree.path(*index).root(page_hash(words)), tree.root());
    }
    let empty = tree.path(5);
    assert_eq!(empty.root(page_hash(&[0; PAGE_WORDS])), tree.root());
    // A changed word, or the right content at the wrong index, does not verify.
    let mut tampered = page(1);
    tampered[100] ^= 1;
    assert_ne!(tree.path(1).root(page_hash(&tampered)), tree.root());
    assert_ne!(tree.path(2).root(page_hash(&page(1))), tree.root());
}

#[test]
fn incremental_updates_match_a_rebuild() {
    let mut tree = PageTree::new();
    let mut all = std::collections::BTreeMap::new();
    for (i, index) in [3u32, 9, 3, 400_000, 0, 9].into_iter().enumerate() {
        let words = page(i as u32 + 10);
        tree.set_page(index, &words);
        all.insert(index, words);
        let rebuilt = PageTree::from_pages(all.iter().map(|(i, w)| (*i, w.as_slice())));
        assert_eq!(tree.root(), rebuilt.root());
    }
}

#[test]
fn program_id_is_stable_and_binds_the_whole_image() {
    let fib = Program::from_elf(guests::FIBONACCI_ELF).unwrap();
    let id = program_id(&fib);
    assert_eq!(id, program_id(&Program::from_elf(guests::FIBONACCI_ELF).unwrap()));
    assert_ne!(id, program_id(&Program::from_elf(guests::KECCAK_ELF).unwrap()));

    let mut code_changed = fib.clone();
    let first = *code_changed.image.keys().next().unwrap();
    *code_changed.image.get_mut(&first).unwrap() ^= 1 << 20;
    assert_ne!(program_id(&code_changed), id);

    let mut entry_changed = fib;
    entry_changed.entry += 4;
    assert_ne!(program_id(&entry_changed), id);
}

#[test]
fn segment_records_page_in_and_out_against_the_root() {
    let program = Program::from_elf(guests::KECCAK_ELF).unwrap();
    let mut input = InputBuilder::new();
    input.write_bytes(&[9u8; 700]).unwrap();
    let config = ExecutorConfig { segment_po2: 10, ..ExecutorConfig::default() };
    let (_, segments) = vm::trace(guests::KECCAK_ELF, &input.into_bytes(), &config).unwrap();
    assert!(segments.len() > 3);

    let pages = initial_pages(&program);
    let mut tree = PageTree::from_pages(pages.iter().map(|(i, w)| (*i, w.as_slice())));
    assert_eq!(tree.root(), program_id(&program));
    for segment in &segments {
        let root_start = tree.root();
        for page in &segment.pages_in {
            let path = tree.path(page.index);
            assert_eq!(
                path.root(page_hash(&page.words)),
                root_start,
                "page {} pages in",
                page.index
            );
        }
        for page in &segment.pages_out {
            tree.set_page(page.index, &page.words);
        }
    }
}
