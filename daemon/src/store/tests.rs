use super::*;
use crate::crypto::StoreKey;
use secrecy::ExposeSecret;
use std::os::unix::fs::PermissionsExt;

const ACCESS: &str = "pdus+_0XBPWQQ_11111111-2222-3333-4444-555555555555";
const REFRESH: &str = "pdus+_1XBPWQQ_aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/// The store's own directory inside a test's temp dir (which is 0755).
fn sub(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state")
}

fn key(byte: u8) -> Result<StoreKey, String> {
    Ok(StoreKey::from_bytes([byte; 32]))
}

fn tokens(access: &str, refresh: Option<&str>) -> NewTokens {
    NewTokens {
        access_token: SecretString::from(access),
        refresh_token: refresh.map(SecretString::from),
        token_type: "bearer".into(),
        scopes: vec!["openid".into(), "read".into()],
        obtained_at: 1_000,
        expires_at: Some(4_600),
        identity: Identity {
            account: Some(Account {
                subdomain: Some("acme".into()),
                account_id: None,
                region: None,
            }),
            user: None,
            api_url: Some("https://api.pagerduty.com".into()),
        },
    }
}

fn all_file_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn save_and_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, report) = Store::open(&sub(&dir), key(1)).unwrap();
    assert_eq!(report, OpenReport::default());
    assert_eq!(
        store.save_login("work", &tokens(ACCESS, Some(REFRESH)), 1_000).unwrap(),
        1
    );
    let rec = store.load("work").unwrap().unwrap().unwrap();
    assert_eq!(rec.access_token.expose_secret(), ACCESS);
    assert_eq!(rec.refresh_token.as_ref().unwrap().expose_secret(), REFRESH);
    assert_eq!(rec.scopes, vec!["openid", "read"]);
    assert_eq!(rec.identity.account.unwrap().subdomain.as_deref(), Some("acme"));
    assert_eq!(store.save_login("work", &tokens("other", None), 2_000).unwrap(), 2);
    assert!(store.load("work").unwrap().unwrap().unwrap().refresh_token.is_none());
    assert!(store.load("nobody").unwrap().is_none());
    drop(store);
    // Survives a reopen with the same key.
    let (store, _) = Store::open(&sub(&dir), key(1)).unwrap();
    let (rows, bad) = store.load_all().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(bad.is_empty());
}

#[test]
fn files_are_private_and_hold_no_plaintext() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("state");
    let loaded = crate::crypto::load_key(&dir, None, true);
    assert!(loaded.key.is_none(), "the key file needs its directory first");
    ensure_private_dir(&dir).unwrap();
    let loaded = crate::crypto::load_key(&dir, None, true);
    let (mut store, _) = Store::open(&dir, loaded.key.ok_or_else(String::new)).unwrap();
    store.save_login("work", &tokens(ACCESS, Some(REFRESH)), 1_000).unwrap();
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let files = all_file_bytes(&dir);
    let names: Vec<String> = files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"store.db".to_string()), "{names:?}");
    assert!(names.contains(&"store.db-wal".to_string()), "{names:?}");
    assert!(names.contains(&"store.key".to_string()), "{names:?}");
    for (path, bytes) in &files {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        assert!(
            !contains(bytes, ACCESS.as_bytes()),
            "access token in plaintext in {}",
            path.display()
        );
        assert!(
            !contains(bytes, REFRESH.as_bytes()),
            "refresh token in plaintext in {}",
            path.display()
        );
        assert!(!contains(bytes, b"XBPWQQ"), "token fragment in {}", path.display());
    }
}

#[test]
fn delete_leaves_no_sealed_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&sub(&dir), key(1)).unwrap();
    store.save_login("work", &tokens(ACCESS, Some(REFRESH)), 1_000).unwrap();
    let sealed: Vec<u8> = store
        .conn
        .query_row("SELECT access_token FROM tokens WHERE profile='work'", [], |r| r.get(0))
        .unwrap();
    let probe = &sealed[sealed.len() - 24..];
    assert!(all_file_bytes(&sub(&dir)).iter().any(|(_, b)| contains(b, probe)));
    assert!(store.delete("work").unwrap());
    assert!(!store.delete("work").unwrap());
    for (path, bytes) in all_file_bytes(&sub(&dir)) {
        assert!(!contains(&bytes, probe), "sealed token still in {}", path.display());
    }
    assert!(store.load("work").unwrap().is_none());
}

#[test]
fn wrong_key_refuses_and_reports_rows_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&sub(&dir), key(1)).unwrap();
    store.save_login("work", &tokens(ACCESS, Some(REFRESH)), 1_000).unwrap();
    drop(store);
    let (mut store, _) = Store::open(&sub(&dir), key(2)).unwrap();
    assert_eq!(store.key_state(), &KeyState::Mismatch);
    let (rows, bad) = store.load_all().unwrap();
    assert!(rows.is_empty());
    assert_eq!(bad.len(), 1);
    assert!(bad[0].reason.contains("does not match"), "{}", bad[0].reason);
    assert!(matches!(
        store.save_login("work", &tokens("x", None), 1),
        Err(StoreError::NoKey(_))
    ));
    // The old row is kept: a key mix-up must not cost the admin a login.
    assert_eq!(store.profiles().unwrap(), vec!["work".to_string()]);
    // Deletion still works.
    assert!(store.delete("work").unwrap());
}

#[test]
fn missing_key_never_stores_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&sub(&dir), Err("no credential".into())).unwrap();
    assert!(matches!(store.key_state(), KeyState::Missing(_)));
    let err = store.save_login("work", &tokens(ACCESS, None), 1).unwrap_err();
    assert!(err.to_string().contains("no credential"), "{err}");
    assert!(store.profiles().unwrap().is_empty());
}

#[test]
fn sealed_values_cannot_be_swapped_between_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&sub(&dir), key(1)).unwrap();
    store.save_login("a", &tokens("token-a", None), 1).unwrap();
    store.save_login("b", &tokens("token-b", None), 1).unwrap();
    store
        .conn
        .execute_batch(
            "UPDATE tokens SET access_token = (SELECT access_token FROM tokens WHERE profile = 'b') WHERE profile = 'a'",
        )
        .unwrap();
    let a = store.load("a").unwrap().unwrap();
    assert!(a.is_err(), "a row must not open another row's ciphertext");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(&sub(&dir), key(1)).unwrap());
    let conn = Connection::open(sub(&dir).join(DB_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&sub(&dir), key(1)).unwrap_err();
    assert!(err.to_string().contains("newer pdauthd"), "{err}");
}

#[test]
fn corrupt_database_is_moved_aside_not_silently_recreated() {
    let dir = tempfile::tempdir().unwrap();
    ensure_private_dir(&sub(&dir)).unwrap();
    std::fs::write(sub(&dir).join(DB_FILE), vec![0x5a; 8192]).unwrap();
    let (store, report) = Store::open(&sub(&dir), key(1)).unwrap();
    let aside = report.moved_aside.expect("corrupt file moved aside");
    assert!(aside.exists());
    assert_eq!(std::fs::read(&aside).unwrap(), vec![0x5a; 8192]);
    assert!(store.profiles().unwrap().is_empty());
}

#[test]
fn symlinked_state_dir_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let real = parent.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = parent.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = Store::open(&link, key(1)).unwrap_err();
    assert!(err.to_string().contains("symlink"), "{err}");
}

#[test]
fn loose_state_dir_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let err = Store::open(dir.path(), key(1)).unwrap_err().to_string();
    assert!(err.contains("mode 1777") && err.contains("chmod 700"), "{err}");
    assert_eq!(
        std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o7777,
        0o1777,
        "never changed"
    );
}

#[test]
fn missing_state_dir_is_created_private() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("a/b/state");
    drop(Store::open(&dir, key(1)).unwrap());
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn audit_log_is_bounded_per_profile_and_by_age_and_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&sub(&dir), key(1)).unwrap();
    let retention = Retention {
        max_entries: 100,
        max_age_secs: 1_000,
    };
    let entry = |at: i64, profile: &str| NewAudit {
        at,
        profile: profile.into(),
        event: "token_issued".into(),
        actor: Some(pdauth_common::Actor {
            uid: 1000,
            pid: Some(42),
        }),
        detail: None,
    };
    store.append_audit(&entry(10_000, "quiet"), retention).unwrap();
    for i in 0..500 {
        store.append_audit(&entry(10_000 + i, "chatty"), retention).unwrap();
    }
    let chatty = store.list_audit(Some("chatty"), 1000).unwrap();
    assert!(chatty.len() <= 100 + 64, "{} entries kept", chatty.len());
    assert!(chatty.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(
        chatty[0].actor,
        Some(pdauth_common::Actor {
            uid: 1000,
            pid: Some(42)
        })
    );
    assert_eq!(
        store.list_audit(Some("quiet"), 1000).unwrap().len(),
        1,
        "a quiet profile keeps its history"
    );
    // Much later: old entries age out.
    for i in 0..64 {
        store.append_audit(&entry(1_000_000 + i, "chatty"), retention).unwrap();
    }
    let recent = store.list_audit(None, 1000).unwrap();
    assert!(
        recent.iter().all(|e| e.at >= 1_000_000 - 1_000),
        "aged entries were pruned"
    );
}
