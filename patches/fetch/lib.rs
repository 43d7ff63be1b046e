//! Empty: this package only names the crates that `scripts/patch-crates.sh` fetches.
