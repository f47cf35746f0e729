//! Where a command's output goes, opened before the work so a bad path fails fast.
//!
//! - No path, or `-`: standard output.
//! - A regular file, new or existing (also through a symlink, which stays a symlink): the output
//!   is written to a temporary file beside the file, given the old file's permissions (and, where
//!   the process may, its owner), flushed to disk and renamed over it. A command that fails or is
//!   interrupted leaves an existing file exactly as it was and removes its temporary file.
//! - Anything else that exists (a FIFO, a character device such as `/dev/null`, `/dev/stdout`, a
//!   socket): written in place, never replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, anyhow};

use super::failure::{Failure, LIVE_TMPS};

/// Refuse an output that is one of the command's inputs (the same file by any path, link or
/// symlink): writing the report would destroy what the command reads. `-`, absent outputs and
/// files that do not exist yet are fine.
pub(crate) fn refuse_input_as_output(
    outputs: &[Option<&Path>],
    inputs: &[Option<&Path>],
) -> Result<(), Failure> {
    for out in outputs.iter().flatten() {
        if out.as_os_str() == "-" {
            continue;
        }
        for input in inputs.iter().flatten() {
            if input.as_os_str() != "-" && same_file(out, input) {
                return Err(Failure::input(anyhow!(
                    "{}: this output is also an input of the command ({}): writing it would \
                     destroy the input; choose another output file",
                    out.display(),
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

/// Refuse two outputs of one command (`(flag, path)`) that name the same file, or both
/// standard output: the second would replace the first, or their bytes would interleave.
pub(crate) fn refuse_shared_output(outputs: &[(&str, Option<&Path>)]) -> Result<(), Failure> {
    let given: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(flag, p)| p.map(|p| (*flag, p)))
        .collect();
    for (i, (a_flag, a)) in given.iter().enumerate() {
        for (b_flag, b) in &given[i + 1..] {
            let stdout = |p: &Path| p.as_os_str() == "-";
            let shared = if stdout(a) || stdout(b) {
                stdout(a) && stdout(b)
            } else {
                same_file(a, b) || same_new_file(a, b)
            };
            if shared {
                let what = if stdout(a) {
                    "standard output".to_string()
                } else {
                    a.display().to_string()
                };
                return Err(Failure::input(anyhow!(
                    "{a_flag} and {b_flag} both write to {what}; give each output its own file"
                )));
            }
        }
    }
    Ok(())
}

/// Whether two paths that do not both exist name the same place: the same file name in the
/// same existing folder.
fn same_new_file(a: &Path, b: &Path) -> bool {
    let place = |p: &Path| {
        let name = p.file_name()?;
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some((fs::canonicalize(parent).ok()?, name.to_os_string()))
    };
    match (place(a), place(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                x.dev() == y.dev() && x.ino() == y.ino()
            }
            #[cfg(not(unix))]
            {
                let _ = (x, y);
                matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(p), Ok(q)) if p == q)
            }
        }
        _ => false,
    }
}

/// Where a command's output goes.
pub(crate) enum Sink {
    Stdout,
    /// A regular file replaced in one step: `tmp` is renamed over `target` once written.
    Replace {
        /// The path as the user gave it (for messages).
        shown: PathBuf,
        /// The file that is replaced (the symlink's target when `shown` is a symlink).
        target: PathBuf,
        tmp: PathBuf,
        file: Option<File>,
    },
    /// A special file, written where it is.
    InPlace {
        shown: PathBuf,
        file: Option<File>,
    },
}

impl Sink {
    /// Standard output for no path or `-`; otherwise the file, opened as described in the
    /// module docs.
    pub(crate) fn open(path: Option<&Path>) -> Result<Sink, Failure> {
        let p = match path {
            None => return Ok(Sink::Stdout),
            Some(p) if p == Path::new("-") => return Ok(Sink::Stdout),
            Some(p) => p,
        };
        let cannot = || format!("{}: cannot create output file", p.display());
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => Err(Failure::input(anyhow!(
                "{}: is a directory; give a file name for the output",
                p.display()
            ))),
            Ok(m) if m.is_file() => {
                // Replaced by a rename, which needs only the folder's permission: refuse a file
                // this user could not write in place (read-only, another user's), as `>` would.
                OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(cannot)
                    .map_err(Failure::input)?;
                let target = fs::canonicalize(p)
                    .with_context(cannot)
                    .map_err(Failure::input)?;
                Sink::replace(p, target, Some(&m))
            }
            Ok(_) => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(cannot)
                    .map_err(Failure::input)?;
                Ok(Sink::InPlace {
                    shown: p.to_path_buf(),
                    file: Some(file),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A new file, or a symlink whose target does not exist yet (created there).
                let target = match fs::read_link(p) {
                    Ok(t) if t.is_relative() => p.parent().unwrap_or(Path::new("")).join(t),
                    Ok(t) => t,
                    Err(_) => p.to_path_buf(),
                };
                Sink::replace(p, target, None)
            }
            Err(e) => Err(Failure::input(anyhow::Error::new(e).context(cannot()))),
        }
    }

    /// A temporary file beside `target`, with `old`'s permissions and owner.
    fn replace(shown: &Path, target: PathBuf, old: Option<&fs::Metadata>) -> Result<Sink, Failure> {
        let cannot = || format!("{}: cannot create output file", shown.display());
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let tmp = target.with_file_name(format!(".{name}.tokencast-{}.tmp", std::process::id()));
        // Listed before it exists, so Ctrl-C at any moment finds it; unlisted again if it
        // cannot be created (a file of that name is not ours to remove).
        if let Ok(mut live) = LIVE_TMPS.lock() {
            live.push(tmp.clone());
        }
        let file = match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => f,
            Err(e) => {
                if let Ok(mut live) = LIVE_TMPS.lock() {
                    live.retain(|t| t != &tmp);
                }
                return Err(Failure::input(anyhow::Error::new(e).context(cannot())));
            }
        };
        let sink = Sink::Replace {
            shown: shown.to_path_buf(),
            target,
            tmp,
            file: Some(file),
        };
        if let (Some(m), Sink::Replace { tmp, .. }) = (old, &sink) {
            fs::set_permissions(tmp, m.permissions())
                .with_context(cannot)
                .map_err(Failure::input)?;
            keep_owner(tmp, m);
        }
        Ok(sink)
    }

    /// Write `text` and finish (for a regular file: rename it into place).
    pub(crate) fn write(self, text: &str) -> Result<(), Failure> {
        if let Sink::Stdout = self {
            let mut out = io::stdout().lock();
            return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error worth reporting.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::runtime(e)),
            };
        }
        self.stream(|w| {
            w.write_all(text.as_bytes())
                .map_err(|e| format!("cannot write report: {e}"))
        })
    }

    /// Let `f` write the output through a buffer, then finish (for a regular file: flush it to
    /// disk and rename it into place). An error of `f`, which is shown after the output's name,
    /// or of the writing leaves an existing file as it was.
    pub(crate) fn stream<T>(
        mut self,
        f: impl FnOnce(&mut dyn Write) -> Result<T, String>,
    ) -> Result<T, Failure> {
        let shown = self.shown();
        let failed = |e: String| Failure::runtime(anyhow!("{shown}: {e}"));
        let finish = |e: io::Error| failed(format!("cannot write: {e}"));
        match &mut self {
            Sink::Stdout => {
                let mut out = BufWriter::new(PipeWatch {
                    inner: io::stdout().lock(),
                    closed: false,
                });
                let written = f(&mut out);
                let flushed = out.flush();
                // A reader that stopped reading (`| head`) is not an error worth reporting:
                // the command stops quietly, as `write` does.
                if out.get_ref().closed {
                    return Err(Failure {
                        code: 0,
                        error: anyhow::Error::new(ClosedPipe),
                    });
                }
                let v = written.map_err(failed)?;
                flushed.map_err(finish)?;
                Ok(v)
            }
            Sink::InPlace { file, .. } => {
                let file = file.take().ok_or_else(|| failed("written twice".into()))?;
                let mut w = BufWriter::new(file);
                let v = f(&mut w).map_err(failed)?;
                w.flush().map_err(finish)?;
                Ok(v)
            }
            Sink::Replace {
                target, tmp, file, ..
            } => {
                let file = file.take().ok_or_else(|| failed("written twice".into()))?;
                let mut w = BufWriter::new(file);
                let v = f(&mut w).map_err(failed)?;
                let file = w.into_inner().map_err(|e| finish(e.into_error()))?;
                file.sync_all().map_err(finish)?;
                drop(file);
                fs::rename(&*tmp, &*target).map_err(finish)?;
                Ok(v)
            }
        }
    }

    /// The output as the user named it.
    fn shown(&self) -> String {
        match self {
            Sink::Stdout => "standard output".to_string(),
            Sink::Replace { shown, .. } | Sink::InPlace { shown, .. } => {
                shown.display().to_string()
            }
        }
    }
}

/// Standard output was closed by its reader (`| head`): the command stops without a message
/// (see `main`).
#[derive(Debug)]
pub struct ClosedPipe;

impl std::fmt::Display for ClosedPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed by its reader")
    }
}

impl std::error::Error for ClosedPipe {}

/// A writer that remembers whether its reader went away.
struct PipeWatch<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeWatch<W> {
    fn watch<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            self.closed = true;
        }
        r
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.watch(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.watch(r)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::Replace { tmp, .. } = self {
            // Gone already when the output was written and renamed.
            let _ = fs::remove_file(&*tmp);
            if let Ok(mut live) = LIVE_TMPS.lock() {
                live.retain(|t| t != tmp);
            }
        }
    }
}

/// Give `tmp` the owner of the file it replaces, where this process may (as root, or when it
/// owns both); otherwise the replacement belongs to whoever runs the command.
#[cfg(unix)]
fn keep_owner(tmp: &Path, old: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = std::os::unix::fs::chown(tmp, Some(old.uid()), Some(old.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_tmp: &Path, _old: &fs::Metadata) {}

/// A writer that fails once `cancel` is set (Ctrl-C), so a command that
/// streams its output stops, and its [`Sink`] leaves an existing file as it was.
pub(crate) struct Cancellable<W> {
    pub(crate) inner: W,
    pub(crate) cancel: Arc<AtomicBool>,
}

impl<W: Write> Write for Cancellable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            // Not `ErrorKind::Interrupted`: `write_all` retries that kind forever.
            return Err(io::Error::other("interrupted (Ctrl-C)"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
