//! The two ways to ask for a diff, as whole commands: `tokencast diff BASE HEAD`, and
//! `tokencast diff --git-base REV FILE...` with the files (and directories of scenarios) it
//! names; each scenario file is compared on its own and the comparisons are collected into one
//! [`Diff`].
//!
//! This is where the command-line arguments become pairs of sides; reading a side is in
//! `input.rs`, comparing a pair in `sides.rs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::analysis::diff::git::Repo;
use crate::analysis::diff::input::base_from_git;
use crate::analysis::diff::sides::compare;
use crate::analysis::diff::{
    Change, DIFF_SCHEMA_VERSION, Diff, DiffError, DiffOptions, INTERVAL_LEVEL, Input, ScenarioDiff,
};
use crate::analysis::report::ToolInfo;
use crate::foundations::input::{MAX_REPORT_BYTES, read_capped};

/// `tokencast diff BASE HEAD`.
pub fn diff_files(base: &Path, head: &Path, opts: &DiffOptions) -> Result<Diff, DiffError> {
    let prices = opts.prices.as_deref();
    let b = Input::read(base, prices)?;
    let h = Input::read(head, prices)?;
    let one = compare(&head.display().to_string(), Some(b), Some(h), opts)?;
    Ok(assemble(vec![one], None))
}

/// `tokencast diff --git-base REV FILE...`: each file's version at `rev` against the working
/// tree. A directory stands for the `*.ron` files directly in it, in the working tree or at
/// `rev` (so scenarios deleted by the change are found too).
pub fn diff_git(rev: &str, files: &[PathBuf], opts: &DiffOptions) -> Result<Diff, DiffError> {
    let list = git_files(rev, files)?;
    if list.is_empty() {
        return Err(DiffError::Usage(
            "no scenario files to compare (the directories given hold no *.ron files)".into(),
        ));
    }
    let mut out = Vec::new();
    for (path, repo, rel) in list {
        out.push(compare_at_rev(rev, &path, &repo, &rel, opts)?);
    }
    Ok(assemble(out, Some(rev.to_string())))
}

/// The files the arguments stand for, each once, with its repository (checked to have `rev`)
/// and its path relative to the repository's root.
fn git_files(rev: &str, files: &[PathBuf]) -> Result<Vec<(PathBuf, Repo, String)>, DiffError> {
    let mut verified: Vec<PathBuf> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut list: Vec<(PathBuf, Repo, String)> = Vec::new();
    for f in files {
        for path in expand(rev, f)? {
            let repo = Repo::containing(&path)?;
            if !verified.contains(&repo.root) {
                repo.verify(rev)?;
                verified.push(repo.root.clone());
            }
            let rel = repo.relative(&path)?;
            if seen.insert((repo.root.clone(), rel.clone())) {
                list.push((path, repo, rel));
            }
        }
    }
    Ok(list)
}

/// One file's version at `rev` (absent: added) against the working tree's (absent: removed).
fn compare_at_rev(
    rev: &str,
    path: &Path,
    repo: &Repo,
    rel: &str,
    opts: &DiffOptions,
) -> Result<ScenarioDiff, DiffError> {
    let prices = opts.prices.as_deref();
    let shown = path.display().to_string();
    if path.is_dir() {
        return Err(DiffError::Usage(format!(
            "{shown}: a directory inside a directory argument; name it directly"
        )));
    }
    let base_bytes = repo.read_at(rev, rel)?;
    let here = path.exists();
    let base_dir = repo
        .root
        .join(rel)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (base, note) = match base_bytes {
        Some(bytes) => {
            let (input, note) = base_from_git(repo, rev, rel, &bytes, &base_dir, prices)?;
            (Some(input), note)
        }
        None if !here => {
            return Err(DiffError::Missing {
                path: shown,
                rev: rev.to_string(),
            });
        }
        None => (None, None),
    };
    let head = if here {
        Some(Input::read(path, prices)?)
    } else {
        None
    };
    let mut one = compare(&shown, base, head, opts)?;
    one.notes.extend(note);
    Ok(one)
}

/// A command-line path, or the `*.ron` files of a directory (working tree and `rev`).
fn expand(rev: &str, path: &Path) -> Result<Vec<PathBuf>, DiffError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let repo = Repo::containing(&path.join("x"))?;
    repo.verify(rev)?;
    let rel_dir = repo.relative(path)?;
    let mut names: BTreeSet<String> = repo.files_at(rev, &rel_dir, ".ron")?.into_iter().collect();
    let entries = std::fs::read_dir(path).map_err(|source| DiffError::Io {
        path: path.display().to_string(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| DiffError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".ron") && e.path().is_file() {
            names.insert(name);
        }
    }
    // Price catalogs kept beside the scenarios are not scenarios.
    let mut out = Vec::new();
    for n in names {
        let p = path.join(&n);
        let bytes = match read_capped(&p, MAX_REPORT_BYTES, "scenario") {
            Ok(b) => Some(b),
            Err(_) => repo.read_at(rev, &join_rel(&rel_dir, &n))?,
        };
        if !bytes.as_deref().is_some_and(is_price_catalog) {
            out.push(p);
        }
    }
    Ok(out)
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether RON text is a price catalog rather than a scenario.
fn is_price_catalog(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    crate::model::scenario::parse(text, "").is_err()
        && crate::foundations::pricing::Catalog::from_ron_str(text, "").is_ok()
}

/// Collect per-scenario comparisons into one diff (no thresholds yet).
pub fn assemble(scenarios: Vec<ScenarioDiff>, git_base: Option<String>) -> Diff {
    let (mut base, mut head) = (0.0, 0.0);
    for s in &scenarios {
        if let Some(h) = s.headline() {
            base += h.monthly_p50.base_usd;
            head += h.monthly_p50.head_usd;
        }
    }
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        git_base,
        interval_level: INTERVAL_LEVEL,
        total_monthly_p50: Change::point(Some(base), Some(head)),
        scenarios,
        gate: None,
    }
}
