//! How command results are printed: human text, or exactly one JSON object on stdout.

use std::process::ExitCode;

/// The result of a command.
#[derive(Debug)]
pub struct Report {
    pub json: serde_json::Value,
    pub text: String,
    /// `false` makes the process exit with status 1 (e.g. `check` found violations).
    pub success: bool,
}

impl Report {
    pub fn ok(json: serde_json::Value, text: String) -> Report {
        Report {
            json,
            text,
            success: true,
        }
    }

    /// A report that prints nothing (its command already spoke).
    pub fn silent(mut self) -> Report {
        self.json = serde_json::Value::Null;
        self.text.clear();
        self
    }

    pub fn print(&self, json: bool) -> ExitCode {
        if json && self.json.is_null() {
            // already printed
        } else if json {
            println!("{}", self.json);
        } else if !self.text.is_empty() {
            println!("{}", self.text.trim_end());
        }
        if self.success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Prints a failure (as `{"error": ...}` with `--json`) and returns status 1.
pub fn print_error(json: bool, error: &anyhow::Error) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({ "error": format!("{error:#}") }));
    } else {
        eprintln!("error: {error:#}");
    }
    ExitCode::FAILURE
}
