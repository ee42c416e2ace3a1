//! The `didhub` binary: everything lives in the library; see `didhub --help`.

fn main() -> std::process::ExitCode {
    didhub::cli::run()
}
