//! TLS mode: a generated CA, HTTPS on the same routes, and refusal without the CA.

use pdauth_sim::SimConfig;
use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn https_with_the_written_ca_and_refusal_without_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_path = dir.path().join("ca.pem");
    let sim = sim(SimConfig {
        tls: true,
        ca_out: Some(ca_path.clone()),
        ..SimConfig::default()
    })
    .await;
    assert!(sim.base_url().starts_with("https://127.0.0.1:"), "{}", sim.base_url());

    let written = std::fs::read_to_string(&ca_path).expect("CA written");
    assert_eq!(Some(written.as_str()), sim.ca_pem());
    assert!(written.starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ca_path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    let ca = reqwest::Certificate::from_pem(written.as_bytes()).expect("CA parses");
    let trusting = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .expect("client");
    let response = trusting
        .get(sim.url("/users/me"))
        .send()
        .await
        .expect("TLS works with the CA");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let localhost = sim.base_url().replace("127.0.0.1", "localhost");
    let response = trusting
        .get(format!("{localhost}/_sim/stats"))
        .send()
        .await
        .expect("localhost is covered");
    assert_eq!(response.status(), StatusCode::OK);

    let error = http()
        .get(sim.url("/users/me"))
        .send()
        .await
        .expect_err("untrusted CA must fail");
    assert!(error.is_connect() || error.is_request(), "{error:?}");
    let plain = sim.base_url().replace("https://", "http://");
    let plain_answer = http().get(format!("{plain}/users/me")).send().await;
    assert!(plain_answer.is_err(), "plain HTTP on the TLS port is not served");
}
