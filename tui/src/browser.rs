//! Opening a URL in the desktop's browser with `xdg-open`, only when a
//! graphical session exists. Owns nothing else.

use std::process::Stdio;
use std::time::Duration;

/// Whether a graphical session is there to show a browser.
pub fn available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|key| std::env::var_os(key).is_some_and(|v| !v.is_empty()))
}

/// Start `xdg-open URL`. Reports a launcher that fails at once; a launcher
/// still running after a few seconds counts as success and is reaped in the
/// background.
pub async fn open(url: &str) -> Result<(), String> {
    if !available() {
        return Err("no graphical session (DISPLAY and WAYLAND_DISPLAY are unset)".to_string());
    }
    let mut child = tokio::process::Command::new("xdg-open")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run xdg-open: {e}"))?;
    match tokio::time::timeout(Duration::from_secs(3), child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("xdg-open failed ({status})")),
        Ok(Err(e)) => Err(format!("xdg-open failed: {e}")),
        Err(_) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            Ok(())
        }
    }
}
