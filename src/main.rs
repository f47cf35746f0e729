//! The `tokencast` binary: parse arguments, call the library, print errors, exit.

use clap::Parser;

fn main() {
    let cli = tokencast::cli::Cli::parse();
    let code = match tokencast::cli::run(cli) {
        Ok(code) => code,
        // Standard output closed by its reader (`| head`): stop quietly, as Unix tools do.
        Err(f) if f.error.is::<tokencast::cli::ClosedPipe>() => f.code,
        Err(f) => {
            eprintln!("error: {}", tokencast::cli::error_chain(&f.error));
            f.code
        }
    };
    std::process::exit(code);
}
