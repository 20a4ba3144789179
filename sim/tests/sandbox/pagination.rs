//! Offset pagination: defaults, `more` to the end, `total` only on request, the cap of
//! `limit`, and PagerDuty's 400 once `offset + limit` passes 10,000 on the large account.

use std::collections::HashSet;

use crate::rest::*;

#[tokio::test]
async fn walking_a_list_to_its_end() {
    let api = Api::small().await;
    let first = api.ok("/incidents?date_range=all&total=true").await;
    assert_eq!(first["total"], 345);
    assert_eq!(first["more"], true);
    assert_eq!(first["incidents"].as_array().map(Vec::len), Some(25));
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let page = api
            .ok(&format!("/incidents?date_range=all&limit=40&offset={offset}"))
            .await;
        assert!(page["total"].is_null());
        let items = assert_envelope(&page, "incidents");
        for id in ids(items) {
            assert!(seen.insert(id), "no incident twice");
        }
        offset += 40;
        if page["more"] == false {
            assert_eq!(items.len(), 345 % 40, "the last page is the rest");
            break;
        }
    }
    assert_eq!(seen.len(), 345);
    let past = api.ok("/incidents?date_range=all&offset=400&total=true").await;
    assert_eq!(past["incidents"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        (past["more"].as_bool(), past["total"].as_u64()),
        (Some(false), Some(345))
    );

    for (path, key, expected) in [
        ("/users", "users", 40),
        ("/services", "services", 25),
        ("/escalation_policies", "escalation_policies", 12),
        ("/schedules", "schedules", 10),
        ("/teams", "teams", 8),
    ] {
        let items = api.all(path, key).await;
        assert_eq!(items.len(), expected, "{path}");
        assert_eq!(
            ids(&items).into_iter().collect::<HashSet<_>>().len(),
            expected,
            "{path}"
        );
        assert_eq!(api.ok(&format!("{path}?total=true&limit=1")).await["total"], expected);
        let page = api.ok(&format!("{path}?limit=5&offset={}", expected - 5)).await;
        assert_eq!(page["more"], false, "{path}");
        let page = api.ok(&format!("{path}?limit=5&offset={}", expected - 6)).await;
        assert_eq!(page["more"], true, "{path}");
    }
}

#[tokio::test]
async fn the_large_account_hits_the_offset_cap() {
    let api = Api::large().await;
    let first = api.ok("/incidents?total=true&limit=100").await;
    let total = first["total"].as_u64().expect("total");
    assert!(total > 10_000, "{total} incidents in the default range");
    let last_allowed = api.ok("/incidents?offset=9900&limit=100").await;
    assert_eq!(last_allowed["incidents"].as_array().map(Vec::len), Some(100));
    assert_eq!(
        last_allowed["more"], true,
        "more is true although the next page is refused"
    );
    for path in [
        "/incidents?offset=9901&limit=100",
        "/incidents?offset=10000",
        "/incidents?offset=9990",
        "/users?offset=10000&limit=1",
    ] {
        api.invalid(path).await;
    }
    let (_, body) = api.get("/incidents?offset=10000&limit=100").await;
    assert!(
        body["error"]["errors"][0].as_str().is_some_and(|e| e.contains("10000")),
        "{body}"
    );
    let narrowed = api
        .ok("/incidents?statuses[]=triggered&statuses[]=acknowledged&total=true")
        .await;
    assert!(narrowed["total"].as_u64().is_some_and(|n| n > 0 && n < 10_000));
    let users = api.ok("/users?total=true&limit=1").await;
    assert_eq!(users["total"], 1_200);
}
