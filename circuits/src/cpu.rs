//! The CPU features the proving stack is compiled for.
//!
//! On x86-64, BN254's field arithmetic (every multiplication in keygen, proving, FFTs and
//! MSMs) is halo2curves' assembly, enabled in this crate's manifest: it multiplies with
//! BMI2's `mulx` and adds two carry chains at once with ADX's `adcx` and `adox`. It gives
//! the same values as the portable code, about 10% faster proofs here. A CPU without
//! those extensions (x86-64 server CPUs have had both since 2014–2017) would stop the
//! process with an illegal instruction at the first field operation; [`check`] says so
//! before that happens.

/// The CPU lacks an instruction-set extension the field arithmetic is compiled for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this CPU lacks {missing}: the BN254 field arithmetic is compiled for x86-64 with BMI2 and ADX (halo2curves' `asm`)"
)]
pub struct UnsupportedCpu {
    /// The missing extensions, comma-separated.
    pub missing: String,
}

/// The extensions the compiled field arithmetic needs that this CPU does not have.
pub fn missing_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut missing = Vec::new();
        if !std::arch::is_x86_feature_detected!("bmi2") {
            missing.push("BMI2");
        }
        if !std::arch::is_x86_feature_detected!("adx") {
            missing.push("ADX");
        }
        missing
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// Whether this CPU runs the compiled field arithmetic; call it before any proving work.
pub fn check() -> Result<(), UnsupportedCpu> {
    let missing = missing_features();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(UnsupportedCpu { missing: missing.join(", ") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_runs_the_compiled_field_arithmetic() {
        assert_eq!(check(), Ok(()));
    }

    #[test]
    fn a_missing_extension_is_named() {
        let error = UnsupportedCpu { missing: "ADX".into() };
        assert!(error.to_string().starts_with("this CPU lacks ADX"));
    }
}
