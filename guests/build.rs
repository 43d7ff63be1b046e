//! Builds the guest programs of `guest/` and embeds their ELF files in this crate. The
//! ELFs are also copied to `<target>/guests/<name>.elf` for the command line.

#[path = "src/builder.rs"]
#[allow(dead_code, unreachable_pub)]
mod builder;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("guests/ sits in the workspace root").to_path_buf();
    let guest_dir = root.join("guest");
    for watched in [
        "guest/Cargo.toml",
        "guest/Cargo.lock",
        "guest/runtime",
        "guest/programs",
        "guest/abi",
        "guest/stateless",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-changed=src/builder.rs");

    let target_root = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let elfs = match builder::build_guests(&guest_dir, &target_root.join("riscv-guest")) {
        Ok(elfs) => elfs,
        Err(e) => panic!("{e}"),
    };

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let export_dir = target_root.join("guests");
    std::fs::create_dir_all(&export_dir).expect("create target/guests");
    let mut consts = String::new();
    for (name, elf) in builder::GUEST_PROGRAMS.iter().zip(&elfs) {
        let file = format!("{name}.elf");
        std::fs::copy(elf, out_dir.join(&file)).expect("copy guest ELF to OUT_DIR");
        std::fs::copy(elf, export_dir.join(&file)).expect("copy guest ELF to target/guests");
        let ident = name.to_uppercase().replace('-', "_");
        consts.push_str(&format!(
            "/// The `{name}` guest ELF.\npub const {ident}_ELF: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n"
        ));
    }
    std::fs::write(out_dir.join("elfs.rs"), consts).expect("write elfs.rs");
}
