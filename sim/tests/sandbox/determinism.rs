//! Same seed, scale and epoch: the same account, byte for byte; another seed: another one.
//! The consent page offers seeded users and `/users/me` is one of them.

use std::time::{Duration, SystemTime};

use pdauth_sim::{Scale, SimConfig};

use crate::common::*;
use crate::rest::*;

const PATHS: &[&str] = &[
    "/incidents?date_range=all&limit=100&offset=100",
    "/services?limit=100",
    "/users?limit=100&include[]=contact_methods",
    "/escalation_policies?limit=100",
    "/teams?limit=100",
    "/schedules?limit=100",
    "/oncalls?limit=100",
];

async fn snapshot(seed: u64, epoch: SystemTime) -> Vec<String> {
    let api = Api::with(SimConfig {
        seed,
        data_epoch: Some(epoch),
        ..SimConfig::default()
    })
    .await;
    let mut bodies = Vec::new();
    for path in PATHS {
        let body = api.ok(path).await.to_string();
        bodies.push(body.replace(api.sim.base_url(), "BASE"));
    }
    let first = api.ok("/incidents?date_range=all&limit=1").await;
    let id = field(&first["incidents"][0], "id").to_owned();
    for path in [
        format!("/incidents/{id}/log_entries"),
        format!("/incidents/{id}/alerts"),
    ] {
        bodies.push(api.ok(&path).await.to_string().replace(api.sim.base_url(), "BASE"));
    }
    bodies
}

#[tokio::test]
async fn the_same_seed_gives_the_same_account() {
    let epoch = SystemTime::now() - Duration::from_secs(3600);
    let a = snapshot(7, epoch).await;
    let b = snapshot(7, epoch).await;
    assert_eq!(a, b);
    let c = snapshot(8, epoch).await;
    for (x, y) in a.iter().zip(&c) {
        assert_ne!(x, y, "another seed, another account");
    }
}

#[tokio::test]
async fn the_consent_page_offers_seeded_users() {
    for scale in [Scale::Small, Scale::Large] {
        let api = Api::with(SimConfig {
            scale,
            ..SimConfig::default()
        })
        .await;
        let page = get_authorize(&api.sim, &authorize_params(&pkce().1, "read", "s"))
            .await
            .text()
            .await
            .expect("page");
        let offered = user_ids(&page);
        assert_eq!(offered.len(), 12, "{scale:?}");
        let seeded = ids(&api.all("/users", "users").await);
        assert!(offered.iter().all(|id| seeded.contains(id)));
        assert_eq!(offered[0], api.me().await, "the first user is the token's");
        assert_eq!(page.contains("more users are seeded"), seeded.len() > 12);
    }
}
