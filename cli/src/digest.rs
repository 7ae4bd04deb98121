//! Streaming file digests, computed in parallel.

use crate::files::InputFile;
use crate::progress::Progress;
use anyhow::Context as _;
use std::io::Read as _;
use std::path::Path;
use zl_types::{Hash, HashAlgorithm};

/// Read buffer of the streaming hasher.
pub(crate) const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The digest of the file at `path`, read in 64 KiB pieces with `buffer`.
pub(crate) fn file_digest(
    path: &Path,
    algorithm: HashAlgorithm,
    buffer: &mut [u8],
) -> anyhow::Result<Hash> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = algorithm.hasher();
    loop {
        let read = match file.read(buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finish())
}

/// The digests of `files` in order, on the worker threads, advancing `progress` per file.
pub(crate) fn digest_files(
    files: &[InputFile],
    algorithm: HashAlgorithm,
    progress: &Progress,
) -> anyhow::Result<Vec<Hash>> {
    crate::work::parallel_map(
        files.len(),
        || vec![0u8; READ_BUFFER_BYTES],
        |buffer, index| {
            let digest = file_digest(&files[index].path, algorithm, buffer)?;
            progress.inc(1);
            Ok(digest)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_large_files_to_the_same_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        for algorithm in [HashAlgorithm::Sha256, HashAlgorithm::Sm3] {
            let mut buffer = vec![0u8; READ_BUFFER_BYTES];
            assert_eq!(
                file_digest(&path, algorithm, &mut buffer).unwrap(),
                algorithm.digest(&data)
            );
        }
        let mut buffer = vec![0u8; READ_BUFFER_BYTES];
        let error =
            file_digest(&dir.path().join("none"), HashAlgorithm::Sha256, &mut buffer).unwrap_err();
        assert!(error.to_string().contains("cannot open"), "{error}");
    }
}
