//! `zl keys`: create and show key files, and load a signing key for the other commands.

use anyhow::{bail, Context as _};
use rand_core::{OsRng, RngCore as _};
use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;
use zl_types::{CryptoSuite, KeyFile, PublicKey, SecretKey};

/// The environment variable holding the passphrase of encrypted key files.
pub(crate) const PASSPHRASE_ENV: &str = "ZL_PASSPHRASE";
/// Size of a key file, at most (a real one is well under 1 KiB).
const KEY_FILE_BYTES_MAX: u64 = 64 * 1024;

/// `zl keys new`: writes a fresh key to `out` (mode 0600, never overwriting) and prints its public key.
pub(crate) fn new(out: &Path, suite: &str, encrypt: bool) -> anyhow::Result<()> {
    let suite = CryptoSuite::parse(suite)?;
    let key = SecretKey::generate(suite, &mut OsRng);
    let file = if encrypt {
        let passphrase = passphrase()?.with_context(|| {
            format!("--encrypt needs a passphrase: set {PASSPHRASE_ENV} (and keep it to unlock the key later)")
        })?;
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        KeyFile::encrypted(&key, &passphrase, salt, nonce)?
    } else {
        KeyFile::plain(&key)
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    // create_new refuses an existing file; the mode applies at creation, so the secret is
    // never readable by others, not even for a moment.
    let mut handle = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                anyhow::anyhow!(
                    "{} already exists; zl never overwrites a key file: choose another --out",
                    out.display()
                )
            }
            _ => anyhow::Error::new(e).context(format!("cannot create key file {}", out.display())),
        })?;
    handle
        .write_all(text.as_bytes())
        .and_then(|()| handle.sync_all())
        .with_context(|| format!("cannot write key file {}", out.display()))?;
    println!("{}", key.public_key());
    Ok(())
}

/// `zl keys show`: prints the public key of a key file (no passphrase needed).
pub(crate) fn show(path: &Path) -> anyhow::Result<()> {
    let file = read_key_file(path)?;
    println!("{}", file.public_key);
    Ok(())
}

/// Loads the signing key of a key file; an encrypted one is opened with `ZL_PASSPHRASE`.
pub(crate) fn load(path: &Path) -> anyhow::Result<SecretKey> {
    let file = read_key_file(path)?;
    let passphrase = if file.is_encrypted() {
        Some(passphrase()?.with_context(|| {
            format!(
                "key file {} is encrypted: set {PASSPHRASE_ENV} to its passphrase",
                path.display()
            )
        })?)
    } else {
        None
    };
    file.secret_key(passphrase.as_deref())
        .with_context(|| format!("cannot open key file {}", path.display()))
}

/// The public key of a key file: stored in the clear, so no passphrase is needed.
pub(crate) fn public_key(path: &Path) -> anyhow::Result<PublicKey> {
    Ok(read_key_file(path)?.public_key)
}

fn read_key_file(path: &Path) -> anyhow::Result<KeyFile> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    if metadata.len() > KEY_FILE_BYTES_MAX {
        bail!(
            "{} is {} bytes, too large to be a key file",
            path.display(),
            metadata.len()
        );
    }
    let mode = metadata.permissions().mode();
    if let Some(warning) = mode_warning(path, mode) {
        eprintln!("{warning}");
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a zl key file; create one with `zl keys new --out FILE`",
            path.display()
        )
    })
}

/// The warning for a key file whose permissions let group or others read it, if they do.
fn mode_warning(path: &Path, mode: u32) -> Option<String> {
    (mode & 0o077 != 0).then(|| {
        format!(
            "warning: key file {} has mode {:04o}, so other users may read it; run `chmod 600 {}`",
            path.display(),
            mode & 0o7777,
            path.display()
        )
    })
}

fn passphrase() -> anyhow::Result<Option<String>> {
    match std::env::var(PASSPHRASE_ENV) {
        Ok(text) if text.is_empty() => {
            bail!("{PASSPHRASE_ENV} is set but empty; set it to the passphrase")
        }
        Ok(text) => Ok(Some(text)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{PASSPHRASE_ENV} is not valid UTF-8"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_key_file_is_private_loads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.key");
        new(&path, "ed25519", false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let key = load(&path).unwrap();
        assert_eq!(key.suite(), CryptoSuite::Ed25519);
        let error = new(&path, "ed25519", false).unwrap_err().to_string();
        assert!(error.contains("already exists"), "{error}");
        assert_eq!(load(&path).unwrap().public_key(), key.public_key());
    }

    #[test]
    fn sm_keys_and_bad_suites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sm.key");
        new(&path, "sm", false).unwrap();
        assert_eq!(load(&path).unwrap().suite(), CryptoSuite::Sm);
        assert!(new(&dir.path().join("x.key"), "rsa", false).is_err());
        assert!(!dir.path().join("x.key").exists());
    }

    #[test]
    fn warns_only_when_group_or_others_have_access() {
        let path = Path::new("k.json");
        assert_eq!(mode_warning(path, 0o100600), None);
        assert_eq!(mode_warning(path, 0o100400), None);
        let warning = mode_warning(path, 0o100644).unwrap();
        assert!(
            warning.contains("0644") && warning.contains("chmod 600 k.json"),
            "{warning}"
        );
        assert!(mode_warning(path, 0o100604).is_some());
    }
}
