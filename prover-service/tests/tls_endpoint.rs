//! https nodes: anvil behind a loopback TLS endpoint whose certificate is self-signed. The
//! L2 node client and the L1 client reach it when the certificate is trusted through
//! the CA file setting, and refuse it, with a typed error, when it is not.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::Address;
use prover_service::http_client::{HttpClientError, TlsOptions};
use prover_service::l1::L1Client;
use prover_service::node::{NodeClient, NodeError, NodeOptions};
use support::Anvil;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto::ring, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A TLS endpoint on loopback forwarding to `upstream` (host:port); returns its port and
/// the PEM of its self-signed certificate (for `localhost` and 127.0.0.1).
async fn tls_proxy(upstream: String) -> (u16, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake.
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let Ok(mut plain) = TcpStream::connect(&upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, certified.cert.pem())
}

fn node_options(tls: TlsOptions) -> NodeOptions {
    NodeOptions { retries: 0, timeout: Duration::from_secs(5), tls, ..NodeOptions::default() }
}

#[tokio::test]
async fn an_https_node_is_reached_when_its_certificate_is_trusted_through_the_ca_file() {
    let anvil = Anvil::start().await;
    let (port, pem) = tls_proxy(anvil.url.trim_start_matches("http://").to_string()).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, pem).unwrap();
    let trusted = TlsOptions { ca_file: Some(ca_file) };

    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{port}");
        let node = NodeClient::new(&url, node_options(trusted.clone())).unwrap();
        assert_eq!(node.chain_id().await.unwrap(), 31337, "{url}");
        assert_eq!(node.head().await.unwrap(), anvil.head().await);

        let l1 = L1Client::new(&url, Address::ZERO, &trusted, Duration::from_secs(5)).unwrap();
        assert_eq!(l1.chain_id().await.unwrap(), 31337, "{url}");

        let untrusted = NodeClient::new(&url, node_options(TlsOptions::default())).unwrap();
        let error = untrusted.chain_id().await.unwrap_err();
        assert!(matches!(error, NodeError::Unreachable { .. }), "{error}");
    }
}

#[test]
fn a_ca_file_without_certificates_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, "not a certificate\n").unwrap();
    let options = node_options(TlsOptions { ca_file: Some(ca_file) });
    let error = NodeClient::new("https://127.0.0.1:1", options).unwrap_err();
    assert!(matches!(error, NodeError::Client(HttpClientError::CaCertificates { .. })), "{error}");
    let missing = node_options(TlsOptions { ca_file: Some(dir.path().join("absent.pem")) });
    let error = NodeClient::new("https://127.0.0.1:1", missing).unwrap_err();
    assert!(matches!(error, NodeError::Client(HttpClientError::CaFile { .. })), "{error}");
}
