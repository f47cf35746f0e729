//! Where a command's text goes: standard output, or a file written in one step (a temporary file
//! beside it renamed over it), opened before the work so a bad path fails fast and a failed or
//! interrupted command leaves an existing file as it was.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use super::failure::Failure;

/// Where a report goes, opened before the simulation so a bad path fails fast.
pub(crate) enum Sink {
    Stdout,
    /// The final path, and a temporary file beside it that is renamed over it once the report
    /// is written (so a failed or interrupted run leaves no half-written or emptied file).
    File {
        path: PathBuf,
        tmp: PathBuf,
        file: Option<File>,
    },
}

impl Sink {
    /// Standard output for no path or `-`; otherwise the temporary file beside `path`.
    pub(crate) fn open(path: Option<&Path>) -> Result<Sink, Failure> {
        match path {
            None => Ok(Sink::Stdout),
            Some(p) if p == Path::new("-") => Ok(Sink::Stdout),
            Some(p) => {
                let name = p
                    .file_name()
                    .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
                let tmp = p.with_file_name(format!(".{name}.tokencast-{}.tmp", std::process::id()));
                let file = File::create(&tmp)
                    .with_context(|| format!("{}: cannot create output file", p.display()))
                    .map_err(Failure::input)?;
                Ok(Sink::File {
                    path: p.to_path_buf(),
                    tmp,
                    file: Some(file),
                })
            }
        }
    }

    /// Write `text` and, for a file, rename it into place.
    pub(crate) fn write(mut self, text: &str) -> Result<(), Failure> {
        match &mut self {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                    Ok(()) => Ok(()),
                    // A closed pipe (`| head`) is not an error worth reporting.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(Failure::runtime(e)),
                }
            }
            Sink::File { path, tmp, file } => {
                let mut f = file.take().ok_or_else(|| {
                    Failure::runtime(anyhow!("{}: written twice", path.display()))
                })?;
                f.write_all(text.as_bytes())
                    .and_then(|_| f.flush())
                    .and_then(|_| {
                        drop(f);
                        std::fs::rename(&tmp, &path)
                    })
                    .with_context(|| format!("{}: cannot write report", path.display()))
                    .map_err(Failure::runtime)
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::File { tmp, .. } = self {
            // Gone already when the report was written and renamed.
            let _ = std::fs::remove_file(tmp);
        }
    }
}
