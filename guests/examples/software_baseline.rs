//! Builds one guest program without its default features, the baseline that cycle
//! profiles compare against (for `block-validator`: keccak and secp256k1 in software
//! instead of the precompile syscalls), and prints the path of its ELF.
//!
//! ```sh
//! cargo run --release -p guests --example software_baseline -- block-validator target/riscv-guest-software
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [program, target_dir] = args.as_slice() else {
        eprintln!("usage: software_baseline PROGRAM TARGET_DIR");
        return ExitCode::from(2);
    };
    if !guests::GUEST_PROGRAMS.contains(&program.as_str()) {
        eprintln!("unknown guest program {program}; one of {:?}", guests::GUEST_PROGRAMS);
        return ExitCode::from(2);
    }
    // Cargo runs in the guest workspace, so a relative path must be made absolute here.
    let target_dir = match std::path::absolute(PathBuf::from(target_dir)) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("target directory {target_dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match guests::build_guest_without_default_features(&guests::guest_dir(), &target_dir, program) {
        Ok(elf) => {
            println!("{}", elf.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
