//! The HTTP client behind every JSON-RPC connection (the L2 node and L1): rustls
//! (reqwest's, on aws-lc-rs), trusting the system's root certificates plus, for private
//! endpoints, the certificates of an optional PEM file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_provider::RootProvider;
use alloy_rpc_client::RpcClient;

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    /// The URL does not parse.
    #[error("bad URL `{0}`")]
    BadUrl(String),
    /// The CA file could not be read.
    #[error("reading the CA file {path}: {source}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("the CA file {path} holds no PEM certificate: {message}")]
    CaCertificates {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// reqwest refused the TLS settings.
    #[error("building the HTTP client: {0}")]
    Build(String),
}

/// Where the client connects and what it trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// A PEM file of extra root certificates (a private CA or a self-signed endpoint).
    pub ca_file: Option<PathBuf>,
}

fn extra_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, HttpClientError> {
    let pem = std::fs::read(path)
        .map_err(|source| HttpClientError::CaFile { path: path.to_path_buf(), source })?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        HttpClientError::CaCertificates { path: path.to_path_buf(), message: e.to_string() }
    })?;
    if certificates.is_empty() {
        return Err(HttpClientError::CaCertificates {
            path: path.to_path_buf(),
            message: "no certificate found".into(),
        });
    }
    Ok(certificates)
}

/// An HTTP client (http and https) that gives up on a connection after `connect_timeout`.
pub fn http_client(
    tls: &TlsOptions,
    connect_timeout: Duration,
) -> Result<reqwest::Client, HttpClientError> {
    let mut builder = reqwest::Client::builder().connect_timeout(connect_timeout);
    if let Some(path) = &tls.ca_file {
        for certificate in extra_roots(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|e| HttpClientError::Build(e.to_string()))
}

/// A JSON-RPC provider of the node at `url` (http or https) over `client`.
pub fn rpc_provider(url: &str, client: reqwest::Client) -> Result<RootProvider, HttpClientError> {
    let parsed = url.parse().map_err(|_| HttpClientError::BadUrl(url.to_string()))?;
    Ok(RootProvider::new(RpcClient::new_http_with_client(client, parsed)))
}
