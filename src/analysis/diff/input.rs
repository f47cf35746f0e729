//! Reading one side of a comparison: a file's bytes become a scenario to simulate or a saved
//! JSON report, and a base version read from git is priced with the price catalog of its own
//! revision when the change edits that catalog.
//!
//! Kept apart from the comparison itself so that everything about *where a side comes from*
//! (working tree, git revision, report or scenario) is in one place.

use std::io::Read;
use std::path::Path;

use crate::analysis::diff::git::Repo;
use crate::analysis::diff::{DiffError, Input};
use crate::analysis::report::{ReadError, Report};
use crate::foundations::input::{MAX_REPORT_BYTES, MAX_SCENARIO_BYTES, too_large};
use crate::foundations::pricing::Catalog;
use crate::model::scenario::file::ScenarioFile;
use crate::model::scenario::{Scenario, ScenarioError};

impl Input {
    /// Read a file: a JSON report if its first non-blank character is `{`, else a scenario.
    pub fn read(path: &Path, prices: Option<&Path>) -> Result<Input, DiffError> {
        let display = path.display().to_string();
        let io = |source| DiffError::Io {
            path: display.clone(),
            source,
        };
        // A report or a scenario: read up to the larger limit, a report's, then hold each to
        // its own (a JSON report starts with `{`, as `from_bytes` decides).
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(io)?;
        let report = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'{');
        let (limit, what) = if report {
            (MAX_REPORT_BYTES, "report")
        } else {
            (MAX_SCENARIO_BYTES, "scenario")
        };
        if bytes.len() as u64 > limit {
            return Err(io(too_large(limit, what)));
        }
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Input::from_bytes(&bytes, &display, &base_dir, prices)
    }

    /// Read file contents named `display`; a scenario's relative `prices` path is resolved
    /// against `base_dir`.
    pub fn from_bytes(
        bytes: &[u8],
        display: &str,
        base_dir: &Path,
        prices: Option<&Path>,
    ) -> Result<Input, DiffError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            DiffError::Scenario(ScenarioError::Syntax {
                path: display.to_string(),
                line: 1,
                col: 1,
                message: format!("file is not UTF-8 text ({e})"),
            })
        })?;
        if text.trim_start().starts_with('{') {
            return Ok(Input::Report(
                Box::new(read_report(text, display)?),
                display.to_string(),
            ));
        }
        Ok(Input::Scenario(Box::new(Scenario::load_text(
            text, display, base_dir, prices,
        )?)))
    }

    /// Where the side was read from.
    pub(super) fn path(&self) -> &str {
        match self {
            Input::Scenario(s) => &s.path,
            Input::Report(_, p) => p,
        }
    }
}

/// A saved JSON report, refused when written for another schema version or when its fields do
/// not hold together.
fn read_report(text: &str, display: &str) -> Result<Report, DiffError> {
    Report::from_json(text.as_bytes()).map_err(|e| DiffError::Report {
        path: display.to_string(),
        message: match e {
            ReadError::Inconsistent(bad) => {
                format!("{bad} (a saved report is compared only as tokencast wrote it)")
            }
            other => format!("not a tokencast JSON report: {other}"),
        },
    })
}

/// The base version of a file read from git. A scenario naming a relative `prices` file that
/// differs at `rev` from the working tree is priced with its version at `rev` (and a note says
/// so); otherwise the catalog is read from the working tree, next to the file.
pub(super) fn base_from_git(
    repo: &Repo,
    rev: &str,
    rel: &str,
    bytes: &[u8],
    base_dir: &Path,
    prices_override: Option<&Path>,
) -> Result<(Input, Option<String>), DiffError> {
    let display = format!("{rev}:{rel}");
    let plain = || Input::from_bytes(bytes, &display, base_dir, prices_override).map(|i| (i, None));
    if prices_override.is_some() {
        return plain();
    }
    let Some((file, named)) = scenario_naming_prices(bytes, &display) else {
        return plain();
    };
    let Some(catalog) = catalog_at_rev(repo, rev, base_dir, &named, &display)? else {
        return plain();
    };
    let mut s = Scenario::from_file(file, catalog, &display)?;
    s.sha256 = crate::model::scenario::hex_sha256(bytes);
    Ok((
        Input::Scenario(Box::new(s)),
        Some(format!(
            "the price catalog {named} changed: the base is priced with its version at {rev}"
        )),
    ))
}

/// The parsed scenario and the `prices` file it names, when `bytes` are a scenario that names
/// one. Anything else is `None`: errors in the text are reported by [`Input::from_bytes`], with
/// the usual messages.
fn scenario_naming_prices(bytes: &[u8], display: &str) -> Option<(ScenarioFile, String)> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.trim_start().starts_with('{') {
        return None;
    }
    let file = crate::model::scenario::parse(text, display).ok()?;
    let named = file.prices.clone()?;
    Some((file, named))
}

/// The price catalog `named` (relative to `base_dir`) as it was at `rev`, when that version
/// differs from the working tree's; `None` when it does not, when the repository or revision
/// lacks it, or when it is neither RON nor JSON.
fn catalog_at_rev(
    repo: &Repo,
    rev: &str,
    base_dir: &Path,
    named: &str,
    display: &str,
) -> Result<Option<Catalog>, DiffError> {
    let here = base_dir.join(named);
    let Ok(prel) = repo.relative(&here) else {
        return Ok(None);
    };
    let Some(then) = repo.read_at(rev, &prel)? else {
        return Ok(None);
    };
    if std::fs::read(&here).ok().as_deref() == Some(&then[..]) {
        return Ok(None);
    }
    let origin = format!("{rev}:{prel}");
    let ptext = String::from_utf8(then)
        .map_err(|_| DiffError::Usage(format!("{origin}: price catalog is not UTF-8 text")))?;
    let extension = Path::new(&prel)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let catalog = match extension.as_str() {
        "ron" => Catalog::from_ron_file_text(&ptext, &origin),
        "json" => Catalog::from_litellm_str(&ptext, &origin),
        _ => return Ok(None),
    }
    .map_err(|source| ScenarioError::Prices {
        path: display.to_string(),
        source,
    })?;
    Ok(Some(catalog))
}
