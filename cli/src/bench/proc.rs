//! Process plumbing of the benchmarks: temporary folders, child processes that die with the
//! benchmark, and what Linux's `/proc` says about a process (peak memory, CPU time).

use anyhow::{bail, Context as _};
use rand_core::{OsRng, RngCore as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` times: `USER_HZ`, fixed at 100 by the Linux ABI.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;
/// How long a child gets to exit after SIGTERM before it is killed.
pub(crate) const TERMINATE_GRACE: Duration = Duration::from_secs(30);
/// How often an exiting child is checked on.
const EXIT_POLL: Duration = Duration::from_millis(20);
/// Name prefix of the benchmarks' temporary folders.
const TEMP_PREFIX: &str = "zl-bench-";
/// Entries of the temporary directory looked at when sweeping, at most.
const SWEEP_ENTRIES_MAX: usize = 100_000;
/// Files counted when sizing a folder, at most (a node's data folder holds a few hundred).
const SIZED_FILES_MAX: usize = 1_000_000;

/// A folder under the system's temporary directory, removed with everything in it on drop.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/zl-bench-<what>-<pid>-<random>`, first removing the folders of earlier
    /// benchmark processes that are gone (killed before they could clean up).
    pub(crate) fn new(what: &str) -> anyhow::Result<TempDir> {
        sweep_stale(&std::env::temp_dir());
        let path = std::env::temp_dir().join(format!(
            "{TEMP_PREFIX}{what}-{}-{:016x}",
            std::process::id(),
            OsRng.next_u64()
        ));
        std::fs::create_dir(&path).with_context(|| {
            format!(
                "cannot create the temporary folder {}; set TMPDIR to a writable folder",
                path.display()
            )
        })?;
        Ok(TempDir { path })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Nothing useful can be done about a failed clean-up but say so.
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            eprintln!("warning: cannot remove {}: {error}", self.path.display());
        }
    }
}

/// Removes `<tmp>/zl-bench-<what>-<pid>-<random>` folders whose process no longer runs.
fn sweep_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.take(SWEEP_ENTRIES_MAX).flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = owner_pid(&name) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                // Best effort: another sweeper may be removing it at the same time.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The process id in a benchmark folder name `zl-bench-<what>-<pid>-<16 hex>`.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let random = parts.next()?;
    let pid = parts.next()?;
    parts.next()?;
    (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// A child process that is terminated (SIGTERM, then SIGKILL) when dropped, so no benchmark
/// leaves a node or a load generator running on any exit path.
pub(crate) struct ChildGuard {
    child: Option<Child>,
    name: String,
}

impl ChildGuard {
    /// Spawns `command`, naming it `name` in messages.
    pub(crate) fn spawn(name: &str, command: &mut Command) -> anyhow::Result<ChildGuard> {
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name} ({command:?})"))?;
        Ok(ChildGuard {
            child: Some(child),
            name: name.to_string(),
        })
    }

    /// The child's process id.
    pub(crate) fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The child itself, e.g. to take its stdout.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        self.child
            .as_mut()
            .expect("the child is present until it is waited for")
    }

    /// Waits for the child to exit by itself, at most `limit`; past it the child is killed
    /// and this fails.
    pub(crate) fn wait(mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let mut child = self
            .child
            .take()
            .expect("the child is present until it is waited for");
        match wait_until(&mut child, Instant::now() + limit)? {
            Some(status) => Ok(status),
            None => {
                // A kill of an exited process fails harmlessly; the wait reaps it.
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "{} did not finish within {} s and was killed",
                    self.name,
                    limit.as_secs()
                )
            }
        }
    }

    /// Sends SIGTERM and waits for a clean exit, killing the child after [`TERMINATE_GRACE`].
    pub(crate) fn terminate(mut self) -> anyhow::Result<ExitStatus> {
        let mut child = self
            .child
            .take()
            .expect("the child is present until it is waited for");
        terminate(&mut child, &self.name)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Err(error) = terminate(&mut child, &self.name) {
                eprintln!("warning: {error:#}");
            }
        }
    }
}

/// SIGTERM (through `kill(1)`: std sends only SIGKILL), a grace period, then SIGKILL.
fn terminate(child: &mut Child, name: &str) -> anyhow::Result<ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if sent {
        if let Some(status) = wait_until(child, Instant::now() + TERMINATE_GRACE)? {
            return Ok(status);
        }
    }
    child
        .kill()
        .with_context(|| format!("cannot kill {name}"))?;
    child.wait()?;
    bail!(
        "{name} did not stop on SIGTERM within {} s and was killed",
        TERMINATE_GRACE.as_secs()
    )
}

/// Polls `child` until it exits or `deadline` passes (`None`).
fn wait_until(child: &mut Child, deadline: Instant) -> anyhow::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(EXIT_POLL);
    }
}

/// Peak resident memory (`VmHWM`) of process `pid`, in bytes.
pub(crate) fn peak_rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status (the benchmark needs Linux)"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("/proc/<pid>/status has no VmHWM line")?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .context("unreadable VmHWM in /proc/<pid>/status")?;
    Ok(kib * 1024)
}

/// CPU time (user + system) process `pid` has used so far, in seconds; `"self"` works too.
pub(crate) fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat (the benchmark needs Linux)"))?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis
    // start with field 3, so utime and stime (fields 14 and 15) are at 11 and 12 there.
    let after_name = stat
        .rsplit_once(')')
        .context("unreadable /proc/<pid>/stat")?
        .1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        let value: u64 = fields
            .get(i)
            .context("short /proc/<pid>/stat")?
            .parse()
            .context("unreadable /proc/<pid>/stat")?;
        Ok(value as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / CLOCK_TICKS_PER_SECOND)
}

/// Sizes of the regular files under a folder, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct FolderBytes {
    /// All files.
    pub(crate) total: u64,
    /// RocksDB table files (`*.sst`).
    pub(crate) sst: u64,
    /// RocksDB write-ahead logs (`*.log`).
    pub(crate) wal: u64,
}

/// Sizes of the regular files under `dir`.
pub(crate) fn folder_bytes(dir: &Path) -> anyhow::Result<FolderBytes> {
    let mut bytes = FolderBytes::default();
    for entry in walkdir::WalkDir::new(dir).into_iter().take(SIZED_FILES_MAX) {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        if entry.file_type().is_file() {
            let size = entry.metadata()?.len();
            bytes.total += size;
            match entry.path().extension().and_then(|e| e.to_str()) {
                Some("sst") => bytes.sst += size,
                Some("log") => bytes.wal += size,
                _ => {}
            }
        }
    }
    Ok(bytes)
}

/// The one-minute load average, to tell whether something else was using the cores.
pub(crate) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_process_figures() {
        let rss = peak_rss_bytes(std::process::id()).unwrap();
        assert!(rss > 0);
        assert!(cpu_seconds("self").unwrap() >= 0.0);
    }

    #[test]
    fn sizes_a_folder_and_cleans_it_up() {
        let dir = TempDir::new("test").unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x"), [0u8; 100]).unwrap();
        std::fs::write(dir.path().join("y.sst"), [0u8; 23]).unwrap();
        std::fs::write(dir.path().join("z.log"), [0u8; 7]).unwrap();
        let bytes = folder_bytes(dir.path()).unwrap();
        assert_eq!((bytes.total, bytes.sst, bytes.wal), (130, 23, 7));
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn names_the_owner_of_benchmark_folders_only() {
        assert_eq!(owner_pid("zl-bench-node-4242-0123456789abcdef"), Some(4242));
        assert_eq!(
            owner_pid("zl-bench-test-generate-7-0123456789abcdef"),
            Some(7)
        );
        assert_eq!(owner_pid("zl-bench-node-4242-xyz"), None);
        assert_eq!(owner_pid("zl-bench-node-0123456789abcdef"), None);
        assert_eq!(owner_pid("other-node-1-0123456789abcdef"), None);
    }
}
