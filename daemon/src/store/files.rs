//! File-system rules for the state directory: owned by us, mode 0700, files
//! 0600, nothing reached through a symlink.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

/// Create `dir` (and parents) 0700 if missing. An existing directory must
/// already be private: a symlink, another user's directory or one that group
/// or others can enter is refused, never "fixed" (it may be `/tmp` or a home
/// directory that others rely on).
pub fn ensure_private_dir(dir: &Path) -> Result<(), String> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
            // `recursive` applies the mode to the leaf; enforce it regardless of umask.
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot set mode 0700 on {}: {e}", dir.display()))
        }
        Err(e) => Err(format!("cannot inspect directory {}: {e}", dir.display())),
        Ok(meta) => {
            if meta.file_type().is_symlink() {
                return Err(format!(
                    "{} is a symlink; refusing to keep secrets behind it",
                    dir.display()
                ));
            }
            if !meta.is_dir() {
                return Err(format!("{} exists and is not a directory", dir.display()));
            }
            let me = rustix::process::geteuid().as_raw();
            if meta.uid() != me {
                return Err(format!(
                    "directory {} belongs to uid {}, not to this daemon's uid {me}",
                    dir.display(),
                    meta.uid()
                ));
            }
            if meta.mode() & 0o077 != 0 {
                return Err(format!(
                    "directory {} has mode {:o}, so other users can reach what is inside; pdauthd keeps secrets \
                     only in a private directory: use a directory of its own (e.g. the default), or run \
                     `chmod 700 {}` if nobody else needs it",
                    dir.display(),
                    meta.mode() & 0o7777,
                    dir.display()
                ));
            }
            Ok(())
        }
    }
}

/// Set 0600 on a file if it exists and is a regular file of ours.
pub fn restrict_file(path: &Path) -> Result<(), String> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot inspect {}: {e}", path.display())),
        Ok(meta) if !meta.file_type().is_file() => Err(format!("{} is not a regular file", path.display())),
        Ok(meta) if meta.mode() & 0o777 == 0o600 => Ok(()),
        Ok(_) => fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot set mode 0600 on {}: {e}", path.display())),
    }
}
