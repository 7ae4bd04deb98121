//! A progress bar on stderr for long work, shown only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;

/// The bar's look: phase, bar, count, rate, time left.
const TEMPLATE: &str = "{msg:>24} [{bar:32}] {human_pos}/{human_len} {per_sec} eta {eta}";

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
        let style = ProgressStyle::with_template(TEMPLATE)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_valid_and_hidden_bar_counts() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
        let progress = Progress::new();
        progress.phase("hashing", 10);
        progress.inc(3);
        assert_eq!(progress.bar.position(), 3);
        progress.phase("writing receipts", 5);
        assert_eq!(
            (progress.bar.position(), progress.bar.length()),
            (0, Some(5))
        );
        progress.finish();
    }
}
