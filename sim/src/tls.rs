//! TLS mode: a CA and a server certificate for `127.0.0.1`, `::1` and `localhost`, generated
//! fresh at start-up with rcgen, and a rustls acceptor on the ring provider. The CA is
//! written out so clients can trust exactly this sandbox.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// Names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A generated CA and the acceptor serving its leaf certificate.
pub struct TlsMaterial {
    /// The CA certificate (PEM) clients must trust.
    pub ca_pem: String,
    /// Accepts TLS connections with the leaf certificate.
    pub acceptor: TlsAcceptor,
}

/// Generates a CA and a server certificate and builds the acceptor.
pub fn generate() -> anyhow::Result<TlsMaterial> {
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::days(1);
    let not_after = now + time::Duration::days(30);

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pdauth-sim sandbox CA");
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "pdauth-sim");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).context("self-signing the CA")?;

    let mut params =
        CertificateParams::new(SERVER_NAMES.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).context("names")?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    let server_key = KeyPair::generate().context("generating the server key")?;
    let server_cert = params
        .signed_by(&server_key, &ca)
        .context("signing the server certificate")?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .context("TLS server configuration")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(TlsMaterial {
        ca_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

/// Writes the CA certificate PEM to `path` with mode 0644 (it is public).
pub fn write_ca(path: &Path, pem: &str) -> anyhow::Result<()> {
    std::fs::write(path, pem).with_context(|| format!("writing the CA certificate to {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("setting mode 0644 on {}", path.display()))?;
    }
    Ok(())
}
