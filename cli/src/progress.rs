//! A progress bar on stderr for long work, shown only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;

/// One bar reused across the phases of a command (hashing, submitting, ...).
#[derive(Clone)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar drawn on stderr if it is a terminal, hidden otherwise (logs, pipes, CI).
    pub(crate) fn new() -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template("{msg:>24} [{bar:32}] {human_pos}/{human_len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Progress { bar }
    }

    /// Starts a phase of `length` steps.
    pub(crate) fn phase(&self, name: &str, length: u64) {
        self.bar.reset();
        self.bar.set_length(length);
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
    }

    /// Advances the phase.
    pub(crate) fn inc(&self, steps: u64) {
        self.bar.inc(steps);
    }

    /// Prints a line on stderr without tearing the bar.
    pub(crate) fn note(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::new()
    }
}
