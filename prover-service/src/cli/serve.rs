//! `prover-service serve` and `prover-service worker`.

use std::process::ExitCode;

use clap::Args;

use crate::config::ConfigArgs;
use crate::service::{start, Role};

/// Flags of `serve` and `worker`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
}

/// Runs `role` until SIGINT or SIGTERM.
pub(crate) fn run(args: &ServeArgs, role: Role) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = args.config.resolve()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let running = start(config, role).await?;
        if let Some(addr) = running.addr {
            // Tests and scripts read this line to find the port.
            println!("listening on http://{addr}");
        }
        running.run_until_signal().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
