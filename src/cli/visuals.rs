//! The charts (`--plot DIR`) and the self-contained page (`--html FILE`) that `run` and `plot`
//! write beside a report: their folder and file are set up before any work, so a bad path fails
//! fast, and cleaned up again if the command fails before drawing.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analysis::report;
use crate::output::{html, plot};

use super::failure::Failure;
use super::flags::PlotFormat;
use super::output_file::Sink;

/// Where `--plot` charts and the `--html` page go: the folder is created and the page's file
/// opened before any work, so a bad path fails fast. If the command then fails (or is
/// interrupted) before the charts are written, the folders it created are removed again when
/// they are still empty.
pub(crate) struct Visuals {
    plot: Option<(PathBuf, plot::ImageFormat)>,
    /// The page's path and its sink (a temporary file renamed over it once written).
    html: Option<(PathBuf, Sink)>,
    /// The chart folder and the outermost folder `open` created for it, until charts are
    /// written.
    created: Option<(PathBuf, PathBuf)>,
}

impl Drop for Visuals {
    fn drop(&mut self) {
        if let Some((dir, top)) = self.created.take() {
            // Innermost first; `remove_dir` refuses a folder that is not empty.
            for d in dir.ancestors() {
                if std::fs::remove_dir(d).is_err() || d == top {
                    break;
                }
            }
        }
    }
}

impl Visuals {
    /// Create the chart folder `dir` and open the page's file `html`, whichever are given.
    pub(crate) fn open(
        dir: Option<&Path>,
        format: PlotFormat,
        html: Option<&Path>,
    ) -> Result<Visuals, Failure> {
        let mut created = None;
        if let Some(d) = dir {
            // The outermost folder that does not exist yet is the one create_dir_all makes.
            let top = d
                .ancestors()
                .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
                .last();
            std::fs::create_dir_all(d)
                .with_context(|| format!("{}: cannot create chart folder", d.display()))
                .map_err(Failure::input)?;
            created = top.map(|t| (d.to_path_buf(), t.to_path_buf()));
        }
        let mut visuals = Visuals {
            plot: dir.map(|d| (d.to_path_buf(), format.into())),
            html: None,
            created,
        };
        // A page that cannot be opened drops `visuals`, which removes the new chart folder.
        if let Some(p) = html {
            visuals.html = Some((p.to_path_buf(), Sink::open(Some(p))?));
        }
        Ok(visuals)
    }

    /// Draw the charts and the page; `source` is the scenario file's text, if at hand. Says
    /// what was written on standard error unless `quiet`.
    pub(crate) fn write(
        mut self,
        report: &report::Report,
        source: Option<&str>,
        quiet: bool,
    ) -> Result<(), Failure> {
        if let Some((dir, format)) = self.plot.take() {
            // Every chart is drawn before any file is touched, and each replaces its file as
            // `-o` does: a failure or Ctrl-C leaves each old chart whole.
            let charts = plot::render_all(report, format).map_err(Failure::runtime)?;
            for (name, bytes) in &charts {
                Sink::open(Some(&dir.join(name)))?.stream(|w| {
                    w.write_all(bytes)
                        .map_err(|e| format!("cannot write chart: {e}"))
                })?;
            }
            self.created = None;
            if !quiet {
                eprintln!("wrote {} charts to {}", charts.len(), dir.display());
            }
        }
        if let Some((path, sink)) = self.html.take() {
            let page = html::render(report, source).map_err(Failure::runtime)?;
            sink.write(&page)?;
            if !quiet && path.as_os_str() != "-" {
                eprintln!("wrote {}", path.display());
            }
        }
        Ok(())
    }
}
