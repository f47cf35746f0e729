//! Reading the base version of files from git, for `tokencast diff --git-base REV FILE...`.
//!
//! Only the `git` binary is used, through [`std::process::Command`]: the repository is found
//! from each file's directory (`git rev-parse --show-toplevel`), the path is made relative to its
//! root (paths may be given relative to the current directory, or absolute), and the file's
//! bytes at the revision are those `git show REV:path` prints (read with the plumbing
//! `git cat-file blob REV:path`, which never pages, converts or colours). A path the revision
//! does not have is reported as absent, not as an error, so the caller can call it added.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};

/// Why git could not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The `git` program could not be started.
    #[error("cannot run git (is it installed and on PATH?): {0}")]
    Spawn(std::io::Error),
    /// The file is not inside a git working tree.
    #[error("{path}: cannot find its git repository: {message}")]
    NotARepository {
        /// The file as given.
        path: String,
        /// What git said.
        message: String,
    },
    /// The revision does not name a commit.
    #[error(
        "--git-base {rev}: not a commit in {root} ({message}); in CI, fetch the base branch \
         (actions/checkout with fetch-depth: 0)"
    )]
    BadRevision {
        /// The revision as given.
        rev: String,
        /// The repository.
        root: String,
        /// What git said.
        message: String,
    },
    /// The file lies outside the repository its directory belongs to.
    #[error("{path}: outside the git repository {root}")]
    Outside {
        /// The file as given.
        path: String,
        /// The repository root.
        root: String,
    },
    /// The path names a directory or a submodule at the revision, not a file.
    #[error("{rev}:{path}: a {kind} at {rev}, not a file")]
    NotAFile {
        /// The revision.
        rev: String,
        /// Path relative to the repository root.
        path: String,
        /// What git says it is (`tree`, `commit`).
        kind: String,
    },
    /// Any other git failure.
    #[error("git {args}: {message}")]
    Failed {
        /// The git arguments.
        args: String,
        /// What git said.
        message: String,
    },
}

impl GitError {
    /// Whether the problem is in what the user asked (bad revision, file outside a repository)
    /// rather than in running git at all.
    pub fn is_input(&self) -> bool {
        !matches!(self, GitError::Spawn(_))
    }
}

/// A git working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// Absolute, canonical root of the working tree.
    pub root: PathBuf,
}

/// Run git in `dir`; the output whatever the exit status.
fn git_in(dir: &Path, args: &[&OsStr]) -> Result<Output, GitError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(GitError::Spawn)
}

fn stderr_text(out: &Output) -> String {
    let s = String::from_utf8_lossy(&out.stderr);
    let s = s.trim();
    let s = s.strip_prefix("fatal: ").unwrap_or(s);
    if s.is_empty() {
        format!("exit status {}", out.status)
    } else {
        s.lines().next().unwrap_or(s).to_string()
    }
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// `path` made absolute against the current directory, with `.` and `..` resolved and the
/// longest existing ancestor canonicalised (the file itself may not exist: a deleted scenario).
pub fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    let joined = std::env::current_dir()?.join(path);
    let mut clean = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    let mut existing = clean.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return Ok(clean),
        }
    }
    let mut out = existing.canonicalize()?;
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    Ok(out)
}

impl Repo {
    /// The repository holding `path` (which need not exist), found from its nearest existing
    /// directory.
    pub fn containing(path: &Path) -> Result<Repo, GitError> {
        let shown = path.display().to_string();
        let abs = absolute(path).map_err(|e| GitError::NotARepository {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let mut dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        while !dir.is_dir() {
            match dir.parent() {
                Some(p) => dir = p.to_path_buf(),
                None => break,
            }
        }
        let out = git_in(&dir, &[os("rev-parse"), os("--show-toplevel")])?;
        if !out.status.success() {
            return Err(GitError::NotARepository {
                path: shown,
                message: stderr_text(&out),
            });
        }
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let root = PathBuf::from(&root)
            .canonicalize()
            .unwrap_or_else(|_| PathBuf::from(root));
        Ok(Repo { root })
    }

    /// Check that `rev` names a commit.
    pub fn verify(&self, rev: &str) -> Result<(), GitError> {
        let spec = format!("{rev}^{{commit}}");
        let out = git_in(
            &self.root,
            &[os("rev-parse"), os("--verify"), os("--quiet"), os(&spec)],
        )?;
        if out.status.success() {
            Ok(())
        } else {
            let said = stderr_text(&out);
            Err(GitError::BadRevision {
                rev: rev.to_string(),
                root: self.root.display().to_string(),
                message: if said.starts_with("exit status") {
                    "unknown revision".to_string()
                } else {
                    said
                },
            })
        }
    }

    /// `path` relative to the root, with `/` separators, as git names it.
    pub fn relative(&self, path: &Path) -> Result<String, GitError> {
        let outside = || GitError::Outside {
            path: path.display().to_string(),
            root: self.root.display().to_string(),
        };
        let abs = absolute(path).map_err(|_| outside())?;
        let rel = abs.strip_prefix(&self.root).map_err(|_| outside())?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Ok(parts.join("/"))
    }

    /// The bytes of `rel` (relative to the root) at `rev`, or `None` if `rev` has no such path.
    pub fn read_at(&self, rev: &str, rel: &str) -> Result<Option<Vec<u8>>, GitError> {
        let spec = format!("{rev}:{rel}");
        let kind = git_in(&self.root, &[os("cat-file"), os("-t"), os(&spec)])?;
        if !kind.status.success() {
            return Ok(None);
        }
        let kind = String::from_utf8_lossy(&kind.stdout).trim().to_string();
        if kind != "blob" {
            return Err(GitError::NotAFile {
                rev: rev.to_string(),
                path: rel.to_string(),
                kind,
            });
        }
        let out = git_in(&self.root, &[os("cat-file"), os("blob"), os(&spec)])?;
        if !out.status.success() {
            return Err(GitError::Failed {
                args: format!("cat-file blob {spec}"),
                message: stderr_text(&out),
            });
        }
        Ok(Some(out.stdout))
    }

    /// Names of the files directly in directory `rel_dir` (relative to the root; `""` for the
    /// root) at `rev` whose names end in `suffix`.
    pub fn files_at(
        &self,
        rev: &str,
        rel_dir: &str,
        suffix: &str,
    ) -> Result<Vec<String>, GitError> {
        let spec = if rel_dir.is_empty() {
            rev.to_string()
        } else {
            format!("{rev}:{rel_dir}")
        };
        let kind = git_in(&self.root, &[os("cat-file"), os("-t"), os(&spec)])?;
        if !kind.status.success() || String::from_utf8_lossy(&kind.stdout).trim() != "tree" {
            return Ok(Vec::new());
        }
        let out = git_in(
            &self.root,
            &[os("ls-tree"), os("--name-only"), os("-z"), os(&spec)],
        )?;
        if !out.status.success() {
            return Err(GitError::Failed {
                args: format!("ls-tree --name-only {spec}"),
                message: stderr_text(&out),
            });
        }
        let names: BTreeSet<String> = out
            .stdout
            .split(|b| *b == 0)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n.ends_with(suffix))
            .collect();
        Ok(names.into_iter().collect())
    }
}
