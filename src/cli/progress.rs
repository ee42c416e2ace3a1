//! What `inventory import` shows while it runs: a progress bar on stderr when stderr is
//! a terminal (nothing otherwise, so scripts and logs stay clean), and every rejected
//! row written to a `--rejects` file when one is asked for.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};

use indicatif::{ProgressBar, ProgressStyle};

use crate::admin::import::{ImportWatcher, RejectedRow};

/// Follows an import for the operator.
pub struct ImportConsole {
    bar: Option<ProgressBar>,
    rejects: Option<csv::Writer<BufWriter<File>>>,
    /// The first failure to write the rejects file, reported at the end.
    pub rejects_error: Option<String>,
}

impl ImportConsole {
    /// `file_size` sizes the bar; `rejects` receives every rejected row as CSV.
    pub fn new(file_size: u64, rejects: Option<File>) -> ImportConsole {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(file_size);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {msg} ({elapsed}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        let rejects = rejects.map(|file| {
            let mut writer = csv::Writer::from_writer(BufWriter::new(file));
            let _ = writer.write_record(["line", "reason", "detail"]);
            writer
        });
        ImportConsole {
            bar,
            rejects,
            rejects_error: None,
        }
    }

    /// Clears the bar and flushes the rejects file.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(mut writer) = self.rejects.take()
            && let Err(e) = writer.flush()
        {
            self.rejects_error.get_or_insert(e.to_string());
        }
    }
}

impl ImportWatcher for ImportConsole {
    fn progress(&mut self, bytes_read: u64, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes_read);
            bar.set_message(format!("{rows} rows"));
        }
    }

    fn rejected(&mut self, row: &RejectedRow) {
        if let Some(writer) = &mut self.rejects {
            let line = row.line.to_string();
            if let Err(e) = writer.write_record([line.as_str(), &row.reason, &row.detail]) {
                self.rejects_error.get_or_insert(e.to_string());
            }
        }
    }
}
