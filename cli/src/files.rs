//! Which files a notarisation covers, and where each one's receipt goes.

use anyhow::{bail, Context as _};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What is appended to a file's name to name its receipt.
pub(crate) const RECEIPT_SUFFIX: &str = ".receipt.json";
/// What is appended to a receipt's name while it is being written.
pub(crate) const TEMPORARY_SUFFIX: &str = ".tmp";
/// Files one run may notarise, at most (keeps memory bounded: ~200 bytes each).
pub(crate) const FILES_MAX: usize = 10_000_000;

/// One file to notarise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InputFile {
    /// The path to read it from.
    pub(crate) path: PathBuf,
    /// Its path relative to the argument that named it (its file name for a file argument).
    pub(crate) relative: PathBuf,
}

/// Expands files and folders into the files they hold: folders recursively, sorted by name,
/// in argument order; receipts (and half-written ones) and anything under `out_dir` are skipped.
/// Inside folders, links to files are notarised and links to folders are not descended.
pub(crate) fn expand(
    arguments: &[PathBuf],
    out_dir: Option<&Path>,
) -> anyhow::Result<Vec<InputFile>> {
    // An out-dir that does not exist yet holds nothing to skip.
    let out_dir = out_dir.and_then(|dir| dir.canonicalize().ok());
    let mut canonical_arguments = Vec::with_capacity(arguments.len());
    for argument in arguments {
        let canonical = argument
            .canonicalize()
            .with_context(|| format!("cannot read {}; check the path", argument.display()))?;
        canonical_arguments.push(canonical);
    }
    // Only when one argument lies inside another can a file come twice; only then is each
    // file's real path looked up (a syscall per file, which large runs should not pay for).
    let overlapping = canonical_arguments.iter().enumerate().any(|(i, a)| {
        canonical_arguments
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && a.starts_with(b))
    });
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    for (argument, canonical) in arguments.iter().zip(&canonical_arguments) {
        if canonical.is_file() {
            let name = argument
                .file_name()
                .with_context(|| format!("{} names no file", argument.display()))?;
            let skipped = is_receipt(argument)
                || out_dir
                    .as_ref()
                    .is_some_and(|out| canonical.starts_with(out));
            if !skipped && (!overlapping || seen.insert(canonical.clone())) {
                files.push(InputFile {
                    path: argument.clone(),
                    relative: PathBuf::from(name),
                });
            }
            continue;
        }
        // Links are not followed while walking, so plain files cost no stat call (and link
        // loops cannot happen); a link to a file is looked up and notarised like a file.
        let walker = walkdir::WalkDir::new(argument).sort_by_file_name();
        let walker = walker.into_iter().filter_entry(|entry| {
            // Prune the out-dir itself; only folders are canonicalised, so files cost no extra syscall.
            let is_out_dir = entry.file_type().is_dir()
                && out_dir
                    .as_ref()
                    .is_some_and(|out| entry.path().canonicalize().is_ok_and(|p| &p == out));
            !is_out_dir
        });
        for entry in walker {
            let entry = entry.with_context(|| format!("cannot list {}", argument.display()))?;
            let is_file = entry.file_type().is_file()
                || (entry.path_is_symlink()
                    && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()));
            if !is_file || is_receipt(entry.path()) {
                continue;
            }
            if overlapping && !seen.insert(entry.path().canonicalize()?) {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(argument)
                .unwrap_or(entry.path())
                .to_path_buf();
            files.push(InputFile {
                path: entry.into_path(),
                relative,
            });
            if files.len() > FILES_MAX {
                bail!("more than {FILES_MAX} files to notarise; run zl on fewer folders at a time");
            }
        }
    }
    Ok(files)
}

/// Whether `path` is a receipt or a receipt being written, which are never notarised.
fn is_receipt(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(RECEIPT_SUFFIX) || name.ends_with(&format!("{RECEIPT_SUFFIX}{TEMPORARY_SUFFIX}"))
}

/// Where a file's receipt goes: beside it, or under `out_dir` mirroring its relative path.
pub(crate) fn receipt_path(file: &InputFile, out_dir: Option<&Path>) -> PathBuf {
    let base = match out_dir {
        Some(dir) => dir.join(&file.relative),
        None => file.path.clone(),
    };
    with_suffix(&base, RECEIPT_SUFFIX)
}

/// `path` with `suffix` appended to its last component.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut text: OsString = path.as_os_str().to_owned();
    text.push(suffix);
    PathBuf::from(text)
}

/// All receipt paths, refusing two files whose receipts would land on one path.
pub(crate) fn receipt_paths(
    files: &[InputFile],
    out_dir: Option<&Path>,
) -> anyhow::Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|file| receipt_path(file, out_dir))
        .collect();
    let mut owners: HashMap<&Path, usize> = HashMap::with_capacity(paths.len());
    for (index, path) in paths.iter().enumerate() {
        if let Some(first) = owners.insert(path, index) {
            bail!(
                "{} and {} would both get the receipt {}; notarise them in separate runs or with different --out-dir",
                files[first].path.display(),
                files[index].path.display(),
                path.display()
            );
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, path.to_string_lossy().as_bytes()).unwrap();
    }

    fn relatives(files: &[InputFile]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.relative.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn expands_folders_sorted_and_skips_receipts_and_out_dir() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("docs");
        for name in [
            "b.pdf",
            "a.pdf",
            "a.pdf.receipt.json",
            "x.receipt.json.tmp",
            "sub/c.txt",
            "out/old.txt",
        ] {
            touch(&root.join(name));
        }
        let out = root.join("out");
        let files = expand(std::slice::from_ref(&root), Some(&out)).unwrap();
        assert_eq!(relatives(&files), ["a.pdf", "b.pdf", "sub/c.txt"]);
        assert_eq!(files[2].path, root.join("sub/c.txt"));
        // Without an out-dir the folder "out" is just another folder.
        let files = expand(std::slice::from_ref(&root), None).unwrap();
        assert_eq!(
            relatives(&files),
            ["a.pdf", "b.pdf", "out/old.txt", "sub/c.txt"]
        );
        // An out-dir that does not exist yet skips nothing.
        let files = expand(std::slice::from_ref(&root), Some(&dir.path().join("new"))).unwrap();
        assert_eq!(files.len(), 4);
    }

    #[test]
    fn file_arguments_keep_order_skip_receipts_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["z.txt", "a.txt", "a.txt.receipt.json", "f/b.txt"] {
            touch(&root.join(name));
        }
        let arguments = [
            root.join("z.txt"),
            root.join("a.txt.receipt.json"),
            root.join("f"),
            root.join("f/b.txt"),
        ];
        let files = expand(&arguments, None).unwrap();
        assert_eq!(relatives(&files), ["z.txt", "b.txt"]);
        assert!(expand(&[root.join("missing")], None)
            .unwrap_err()
            .to_string()
            .contains("missing"));
    }

    #[test]
    fn follows_links_to_files_but_not_to_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("docs");
        touch(&root.join("a.txt"));
        touch(&dir.path().join("elsewhere/b.txt"));
        std::os::unix::fs::symlink(dir.path().join("elsewhere/b.txt"), root.join("b-link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("folder-link")).unwrap();
        let files = expand(std::slice::from_ref(&root), None).unwrap();
        assert_eq!(relatives(&files), ["a.txt", "b-link.txt"]);
    }

    #[test]
    fn maps_receipt_paths_beside_or_under_out_dir() {
        let file = InputFile {
            path: PathBuf::from("docs/2024/sub/a.pdf"),
            relative: PathBuf::from("sub/a.pdf"),
        };
        assert_eq!(
            receipt_path(&file, None),
            PathBuf::from("docs/2024/sub/a.pdf.receipt.json")
        );
        assert_eq!(
            receipt_path(&file, Some(Path::new("/r"))),
            PathBuf::from("/r/sub/a.pdf.receipt.json")
        );
        let other = InputFile {
            path: PathBuf::from("old/sub/a.pdf"),
            relative: PathBuf::from("sub/a.pdf"),
        };
        assert!(receipt_paths(&[file.clone(), other.clone()], None).is_ok());
        let error = receipt_paths(&[file, other], Some(Path::new("/r")))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("would both get the receipt /r/sub/a.pdf.receipt.json"),
            "{error}"
        );
    }
}
