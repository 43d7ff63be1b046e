//! Puts the linker script `link.x` on the linker's search path, so guests link with a
//! location-independent `-C link-arg=-Tlink.x`.

fn main() {
    let out = std::env::var("OUT_DIR").expect("set by cargo");
    std::fs::copy("link.x", std::path::Path::new(&out).join("link.x")).expect("copy link.x");
    println!("cargo:rustc-link-search={out}");
    println!("cargo:rerun-if-changed=link.x");
}
