//! Sealing of secret columns with XChaCha20-Poly1305 and loading of the store
//! key, from a systemd credential or from a 0600 key file created on first
//! run. The associated data binds every ciphertext to its profile and column
//! so sealed values cannot be swapped between rows. Knows no SQL.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use pdauth_common::StorageInfo;

/// Name of the systemd credential that carries the store key.
pub const KEY_CREDENTIAL: &str = "pdauth-store-key";
/// Name of the key file inside the state directory.
pub const KEY_FILE: &str = "store.key";

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// The 256-bit store key. Zeroed on drop, never printed.
pub struct StoreKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this key (wrong key, or data from another row)")]
    Open,
    #[error("sealing failed")]
    Seal,
    #[error("no secure random numbers: {0}")]
    Random(String),
}

impl StoreKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).map_err(|e| CryptoError::Random(e.to_string()))?;
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Seal `plaintext` bound to `aad`. Output: version byte, nonce, ciphertext+tag.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| CryptoError::Random(e.to_string()))?;
        let ct = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad })
            .map_err(|_| CryptoError::Seal)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Open a value sealed by [`seal`](Self::seal) with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != FORMAT_V1 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Open)
    }
}

/// Associated data for a secret column of a profile's row.
pub fn column_aad(profile: &str, column: &str) -> Vec<u8> {
    format!("pdauth/v1/{column}/{}/{profile}", profile.len()).into_bytes()
}

/// The key and how it was obtained; or why there is none.
#[derive(Debug)]
pub struct LoadedKey {
    pub key: Option<StoreKey>,
    pub info: StorageInfo,
}

/// Find the store key: the systemd credential when `$CREDENTIALS_DIRECTORY`
/// is set, otherwise the key file in `state_dir`, created 0600 only when
/// `may_create` (no database yet): a key file that vanished next to an
/// existing database is reported, never silently replaced. A missing or
/// unusable key yields `key: None` with the reason: tokens are then never
/// stored, in plaintext or otherwise.
pub fn load_key(state_dir: &Path, credentials_dir: Option<&Path>, may_create: bool) -> LoadedKey {
    if let Some(dir) = credentials_dir {
        let path = dir.join(KEY_CREDENTIAL);
        return match read_credential(&path) {
            Ok(key) => LoadedKey {
                key: Some(key),
                info: StorageInfo::SystemdCredential {
                    name: KEY_CREDENTIAL.into(),
                },
            },
            Err(reason) => LoadedKey {
                key: None,
                info: StorageInfo::Unavailable { reason },
            },
        };
    }
    let path = state_dir.join(KEY_FILE);
    if !may_create && !path.exists() {
        let db = state_dir.join(crate::store::DB_FILE);
        let reason = format!(
            "the store key {} is missing but {} holds tokens sealed with it: restore the key file from a backup, \
             or move the database aside (mv {} {}.old) and log in again",
            path.display(),
            db.display(),
            db.display(),
            db.display()
        );
        return LoadedKey {
            key: None,
            info: StorageInfo::Unavailable { reason },
        };
    }
    match key_file(&path) {
        Ok(key) => LoadedKey {
            key: Some(key),
            info: StorageInfo::KeyFile {
                path: path.display().to_string(),
            },
        },
        Err(reason) => LoadedKey {
            key: None,
            info: StorageInfo::Unavailable { reason },
        },
    }
}

fn read_credential(path: &Path) -> Result<StoreKey, String> {
    let mut raw = Zeroizing::new(Vec::new());
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut raw))
        .map_err(|e| {
            format!(
                "systemd credential {KEY_CREDENTIAL} cannot be read ({e}); add LoadCredentialEncrypted={KEY_CREDENTIAL}:... to the unit"
            )
        })?;
    decode_key(&raw).ok_or_else(|| {
        format!("systemd credential {KEY_CREDENTIAL} is not a 32-byte key (raw, 64 hex digits or base64)")
    })
}

/// Accept 32 raw bytes, 64 hex digits or standard base64 of 32 bytes
/// (surrounding whitespace ignored for the text forms).
fn decode_key(raw: &[u8]) -> Option<StoreKey> {
    if raw.len() == KEY_LEN {
        let mut bytes = [0u8; KEY_LEN];
        bytes.copy_from_slice(raw);
        let key = StoreKey::from_bytes(bytes);
        bytes.zeroize();
        return Some(key);
    }
    let text = std::str::from_utf8(raw).ok()?.trim();
    let mut decoded = Zeroizing::new(
        if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_LEN)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?
        } else {
            base64::engine::general_purpose::STANDARD.decode(text).ok()?
        },
    );
    if decoded.len() != KEY_LEN {
        return None;
    }
    let mut bytes = [0u8; KEY_LEN];
    bytes.copy_from_slice(&decoded);
    decoded.zeroize();
    let key = StoreKey::from_bytes(bytes);
    bytes.zeroize();
    Some(key)
}

fn key_file(path: &Path) -> Result<StoreKey, String> {
    match fs::symlink_metadata(path) {
        Ok(meta) => {
            if !meta.file_type().is_file() {
                return Err(format!("key file {} is not a regular file", path.display()));
            }
            if meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(format!("key file {} belongs to another user", path.display()));
            }
            if meta.mode() & 0o077 != 0 {
                return Err(format!(
                    "key file {} has mode {:o}; it must be readable by its owner only (chmod 600 {})",
                    path.display(),
                    meta.mode() & 0o777,
                    path.display()
                ));
            }
            let mut raw = Zeroizing::new(Vec::new());
            fs::File::open(path)
                .and_then(|mut f| f.read_to_end(&mut raw))
                .map_err(|e| format!("cannot read key file {}: {e}", path.display()))?;
            decode_key(&raw).ok_or_else(|| format!("key file {} does not hold a 32-byte key", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
        Err(e) => Err(format!("cannot inspect key file {}: {e}", path.display())),
    }
}

fn create_key_file(path: &Path) -> Result<StoreKey, String> {
    let key = StoreKey::generate().map_err(|e| e.to_string())?;
    let tmp: PathBuf = path.with_extension("key.new");
    let _ = fs::remove_file(&tmp);
    let result = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
        f.write_all(key.0.as_ref())?;
        f.sync_all()?;
        // Link rather than rename: never replace a key another process wrote.
        fs::hard_link(&tmp, path)?;
        fs::remove_file(&tmp)?;
        if let Some(dir) = path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(key),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                key_file(path)
            } else {
                Err(format!("cannot create key file {}: {e}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let key = StoreKey::generate().unwrap();
        let aad = column_aad("work", "access_token");
        let sealed = key.seal(&aad, b"pdus+_0secret").unwrap();
        assert!(!sealed.windows(13).any(|w| w == b"pdus+_0secret"));
        assert_eq!(&key.open(&aad, &sealed).unwrap()[..], b"pdus+_0secret");
        // Another row or column cannot open it.
        assert!(matches!(
            key.open(&column_aad("home", "access_token"), &sealed),
            Err(CryptoError::Open)
        ));
        assert!(matches!(
            key.open(&column_aad("work", "refresh_token"), &sealed),
            Err(CryptoError::Open)
        ));
        // Another key cannot open it.
        let other = StoreKey::generate().unwrap();
        assert!(matches!(other.open(&aad, &sealed), Err(CryptoError::Open)));
        // Tampering is detected.
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(key.open(&aad, &bad).is_err());
        assert!(matches!(key.open(&aad, &sealed[..10]), Err(CryptoError::Malformed)));
    }

    #[test]
    fn aad_is_unambiguous() {
        assert_ne!(column_aad("a/b", "c"), column_aad("a", "b/c"));
    }

    #[test]
    fn debug_is_redacted() {
        let key = StoreKey::from_bytes([7u8; 32]);
        assert_eq!(format!("{key:?}"), "StoreKey(<redacted>)");
    }

    #[test]
    fn key_file_is_created_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_key(dir.path(), None, true);
        assert!(matches!(first.info, StorageInfo::KeyFile { .. }));
        let path = dir.path().join(KEY_FILE);
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let second = load_key(dir.path(), None, true);
        let aad = column_aad("p", "c");
        let sealed = first.key.unwrap().seal(&aad, b"x").unwrap();
        assert_eq!(&second.key.unwrap().open(&aad, &sealed).unwrap()[..], b"x");
    }

    #[test]
    fn vanished_key_next_to_a_database_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_key(dir.path(), None, false);
        assert!(loaded.key.is_none());
        match loaded.info {
            StorageInfo::Unavailable { reason } => assert!(reason.contains("restore the key file"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn loose_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        fs::write(&path, [1u8; 32]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let loaded = load_key(dir.path(), None, true);
        assert!(loaded.key.is_none());
        match loaded.info {
            StorageInfo::Unavailable { reason } => assert!(reason.contains("chmod 600"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn credential_forms() {
        let dir = tempfile::tempdir().unwrap();
        let cred = dir.path().join(KEY_CREDENTIAL);
        fs::write(&cred, format!("{}\n", "ab".repeat(32))).unwrap();
        assert!(matches!(
            load_key(dir.path(), Some(dir.path()), true).info,
            StorageInfo::SystemdCredential { .. }
        ));
        fs::write(&cred, base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap();
        assert!(load_key(dir.path(), Some(dir.path()), true).key.is_some());
        fs::write(&cred, b"short").unwrap();
        assert!(load_key(dir.path(), Some(dir.path()), true).key.is_none());
        fs::remove_file(&cred).unwrap();
        let missing = load_key(dir.path(), Some(dir.path()), true);
        assert!(missing.key.is_none());
        // A missing credential never falls back to a key file.
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}
