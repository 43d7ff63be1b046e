//! Guest builds are reproducible: copying the guest sources to another directory and
//! building them with another target directory gives byte-identical ELF files (and so
//! the same program identity). The rebuild runs in `make test-full`, outside CI's budget.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
#[ignore = "a second full guest build, about 5 minutes on 2 cores: `make test-full` runs it"]
fn building_elsewhere_gives_byte_identical_elfs() {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("elsewhere");
    copy_dir(&guests::guest_dir(), &source.join("guest"));
    let elfs = guests::build_guests(&source.join("guest"), &work.path().join("target"))
        .expect("guest build");
    for ((name, embedded), rebuilt) in guests::GUEST_ELFS.iter().zip(elfs) {
        let rebuilt = std::fs::read(rebuilt).unwrap();
        assert!(rebuilt == *embedded, "{name}: rebuilt ELF differs from the embedded one");
    }
}

#[test]
fn elfs_carry_no_build_paths() {
    let home = std::env::var("HOME").unwrap_or_default();
    let manifest = env!("CARGO_MANIFEST_DIR");
    for (name, elf) in guests::GUEST_ELFS {
        let text = String::from_utf8_lossy(elf);
        for path in [manifest, "/tmp/", &format!("{home}/.cargo")] {
            assert!(!text.contains(path), "{name} contains the build path {path}");
        }
    }
}
