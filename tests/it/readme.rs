//! The README as a script: every command README.md and traces/README.md show runs as written on
//! the bundled files, so a reader who copies one gets what the text says.
//!
//! **Which lines are commands.** Outside fenced blocks nothing is (inline code in prose is not
//! run). Inside them:
//! - every line of a ` ```sh ` (or `bash`, `shell`) block;
//! - in a ` ```text ` block, a line that starts with the prompt `$ ` (the prompt dropped); the
//!   block's other lines are output;
//! - in a ` ```yaml ` block (a GitHub Actions workflow), a one-line `run: COMMAND` without
//!   `${{`. A `run:` that uses `${{ ... }}` expressions, and a `run: |` script, are not run: they
//!   need what only GitHub Actions provides (the expressions, `$GITHUB_OUTPUT`, a pull request to
//!   comment on); the diff command the script holds is shown runnable in a `sh` block.
//!
//! A `#` at the start of a line or after a space, outside quotes, starts a comment, which is
//! dropped; a line ending with `\` continues on the next; blank and comment-only lines are not
//! commands. There are no placeholders: a command names bundled files (or files an earlier
//! command of the same README wrote), and one that names a missing file fails here.
//!
//! **How a command runs.** `cargo run --release -- ARGS` (or `cargo run -- ARGS`) becomes
//! `tokencast ARGS`; `tokencast` is the binary under test (`CARGO_BIN_EXE_tokencast`, first on
//! `PATH`), and so is `target/release/tokencast`. Commands run in file order, each with
//! `bash -o pipefail -c COMMAND` (pipes, redirections and `<(...)` work), standard input empty,
//! in one temporary copy of the repository's `scenarios/`, `traces/` and `tests/fixtures/`, so
//! what they write never lands in the repository. That copy is a git repository whose one
//! commit is also `origin/main`, as in a fresh clone, for `diff --git-base origin/main`.
//!
//! **Exit codes.** Each command must exit 0, unless its trailing comment starts with
//! `exits N` (`tokencast validate broken.ron  # exits 2: the file is missing`): then it must exit
//! `N`. A comment starting with `exits` that does not give a code fails the test.
//!
//! **Skipped.** Commands whose first word is `cargo` once `cargo run` is rewritten (`cargo test`,
//! `cargo build --release`, `cargo bench`, `cargo fmt`, `cargo install`): the test must not run
//! cargo inside cargo, and the binary under test stands for what they build. A `cargo run` of
//! another form fails the test rather than being skipped.
//!
//! **Left to the ignored test.** Commands that name `../shared` (the project's shared folder,
//! linked beside the temporary copy) and those of the README's Performance section (its memory
//! measurements write a 10-million-row trace, about 840 MB, to `/tmp`; the ignored test removes
//! the `/tmp` files they created).
//!
//! A failing command fails the test naming its file and line, the command, the exit code and
//! the end of its standard error; every command is run and all failures are listed at once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{repo, shared};

/// The markdown files whose commands are run, relative to the repository.
const FILES: [&str; 2] = ["README.md", "traces/README.md"];

/// What the temporary copy holds, relative to the repository.
const COPIED: [&str; 3] = ["scenarios", "traces", "tests/fixtures"];

/// The README section whose commands are measurements, run only by the ignored test.
const MEASUREMENTS: &str = "Performance";

/// A command shown in a markdown file.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    /// `FILE:LINE` of the command's first line.
    at: String,
    /// The nearest heading above it, without its `#`s.
    section: String,
    /// The command as written, comments dropped and continuation lines joined.
    text: String,
    /// The exit code it must give.
    expect: i32,
}

/// Where a shown command is run.
#[derive(Debug, PartialEq)]
enum Plan {
    /// By `every_readme_command_runs_as_written`.
    Main,
    /// By the ignored test: it needs `../shared` or is a measurement.
    Ignored,
    /// Not at all: a cargo command.
    Skipped,
}

impl Shown {
    /// The command with `cargo run [--release] --` rewritten to `tokencast`.
    fn runnable(&self) -> Result<String, String> {
        let rewritten = self
            .text
            .replace("cargo run --release -- ", "tokencast ")
            .replace("cargo run -- ", "tokencast ");
        if rewritten.contains("cargo run") {
            return Err(format!(
                "{}: `{}`: a `cargo run` this test cannot map to the binary (write `cargo run \
                 --release -- ARGS`)",
                self.at, self.text
            ));
        }
        Ok(rewritten)
    }

    fn plan(&self) -> Result<Plan, String> {
        let cmd = self.runnable()?;
        Ok(if cmd.split_whitespace().next() == Some("cargo") {
            Plan::Skipped
        } else if cmd.contains("../shared") || self.section == MEASUREMENTS {
            Plan::Ignored
        } else {
            Plan::Main
        })
    }
}

/// The kind of fenced block a line is in.
#[derive(Clone, Copy, PartialEq)]
enum Block {
    Shell,
    Text,
    Yaml,
    Other,
}

/// The commands of `markdown` (the file `name`), by the rule in this module's documentation.
fn commands(name: &str, markdown: &str) -> Result<Vec<Shown>, String> {
    let mut found = Vec::new();
    let mut block = None;
    let mut section = String::new();
    // A command whose last line ended with `\`: where it started and its text so far.
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let n = i + 1;
        let fence = line.trim_start().strip_prefix("```");
        if let Some(lang) = fence {
            if pending.is_some() {
                return Err(format!(
                    "{name}:{n}: a block ends after a `\\` continuation"
                ));
            }
            block = match block {
                Some(_) => None,
                None => Some(match lang.trim() {
                    "sh" | "bash" | "shell" => Block::Shell,
                    "text" => Block::Text,
                    "yaml" | "yml" => Block::Yaml,
                    _ => Block::Other,
                }),
            };
            continue;
        }
        let Some(kind) = block else {
            if line.starts_with('#') {
                section = line.trim_start_matches('#').trim().to_string();
            }
            continue;
        };
        let code = match (&pending, kind) {
            (Some(_), _) | (None, Block::Shell) => Some(line),
            (None, Block::Text) => line.strip_prefix("$ "),
            (None, Block::Yaml) => line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("run: ")
                .filter(|v| !matches!(v.trim(), "|" | ">" | "|-" | ">-") && !v.contains("${{")),
            (None, Block::Other) => None,
        };
        let Some(code) = code else { continue };
        let (code, comment) = split_comment(code);
        let start = pending.as_ref().map_or(n, |p| p.0);
        let mut text = pending.take().map(|p| p.1).unwrap_or_default();
        let code = code.trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            text.push_str(head.trim());
            text.push(' ');
            pending = Some((start, text));
            continue;
        }
        text.push_str(code.trim_start());
        let text = text.trim().to_string();
        if text.is_empty() {
            continue;
        }
        found.push(Shown {
            at: format!("{name}:{start}"),
            section: section.clone(),
            expect: expected_code(comment).map_err(|e| format!("{name}:{start}: {e}"))?,
            text,
        });
    }
    if block.is_some() {
        return Err(format!("{name}: a fenced block is never closed"));
    }
    Ok(found)
}

/// `line` split at the `#` that starts its comment (at the start or after whitespace, outside
/// single and double quotes), the comment without its `#`.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut quote = None;
    let mut escaped = false;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != Some('\'') {
            escaped = true;
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == '#' && prev_space {
            return (&line[..i], Some(line[i + 1..].trim()));
        }
        prev_space = c.is_whitespace();
    }
    (line, None)
}

/// The exit code a command's comment expects: `exits N...`, else 0.
fn expected_code(comment: Option<&str>) -> Result<i32, String> {
    let Some(rest) = comment.and_then(|c| c.strip_prefix("exits")) else {
        return Ok(0);
    };
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().map_err(|_| {
        format!("comment `# exits{rest}` does not give an exit code (write `# exits N: why`)")
    })
}

/// Every command of the project's markdown files, with where it runs.
fn shown_commands() -> Vec<(Shown, Plan)> {
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for name in FILES {
        let text = std::fs::read_to_string(repo(name)).expect("the README is readable");
        match commands(name, &text) {
            Ok(found) => all.extend(found),
            Err(e) => errors.push(e),
        }
    }
    let planned: Vec<_> = all
        .into_iter()
        .filter_map(|s| match s.plan() {
            Ok(p) => Some((s, p)),
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    planned
}

/// A temporary copy of the repository's bundled files where commands run; `with_shared` links
/// the project's shared folder beside it as `../shared`.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(with_shared: bool) -> Sandbox {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path().join("repo");
        for rel in COPIED {
            copy_dir(&repo(rel), &root.join(rel));
        }
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokencast"));
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::os::unix::fs::symlink(&bin, dir.path().join("bin/tokencast")).unwrap();
        std::fs::create_dir_all(root.join("target/release")).unwrap();
        std::os::unix::fs::symlink(&bin, root.join("target/release/tokencast")).unwrap();
        if with_shared {
            std::os::unix::fs::symlink(shared(""), dir.path().join("shared")).unwrap();
        }
        let sandbox = Sandbox { dir };
        sandbox.git(&["init", "-q"]);
        sandbox.git(&[&["add", "--"][..], &COPIED[..]].concat());
        sandbox.git(&["commit", "-q", "-m", "bundled files"]);
        sandbox.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
        sandbox
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A command in the copy, with the binary first on `PATH` and no git variables of the
    /// process running the tests (a git hook's `GIT_DIR` would point elsewhere).
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.dir.path().join("bin")];
        paths.extend(std::env::split_paths(&path));
        c.current_dir(self.root())
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("GIT_CEILING_DIRECTORIES", self.dir.path())
            .stdin(Stdio::null());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("GIT_") {
                c.env_remove(k);
            }
        }
        c
    }

    fn git(&self, args: &[&str]) {
        crate::support::git(&self.root(), args);
    }

    /// Run `commands` in order; what went wrong with each that failed.
    fn run(&self, commands: &[&Shown]) -> Vec<String> {
        let mut failures = Vec::new();
        for shown in commands {
            let cmd = shown.runnable().expect("checked when planned");
            let out = self
                .command("bash")
                .args(["-o", "pipefail", "-c", &cmd])
                .output()
                .expect("bash runs");
            let code = out.status.code();
            if code != Some(shown.expect) {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let tail: Vec<_> = stderr.lines().rev().take(15).collect();
                let tail: Vec<_> = tail.into_iter().rev().collect();
                failures.push(format!(
                    "{}: `{}` exited with {} (expected {}); ran `{}` in {}; stderr:\n    {}",
                    shown.at,
                    shown.text,
                    code.map_or("a signal".to_string(), |c| c.to_string()),
                    shown.expect,
                    cmd,
                    self.root().display(),
                    tail.join("\n    ")
                ));
            }
        }
        failures
    }
}

/// Copy the directory `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_readme_command_runs_as_written() {
    let planned = shown_commands();
    let main: Vec<&Shown> = planned
        .iter()
        .filter(|(_, p)| *p == Plan::Main)
        .map(|(s, _)| s)
        .collect();
    for name in FILES {
        assert!(
            main.iter().any(|s| s.at.starts_with(&format!("{name}:"))),
            "no command found in {name}: the extraction rule no longer matches its blocks"
        );
    }
    let failures = Sandbox::new(false).run(&main);
    assert!(
        failures.is_empty(),
        "{} of {} README commands failed:\n{}",
        failures.len(),
        main.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs ~1 GB of /tmp: the README's Performance commands write a 10-million-row \
            trace (and commands naming ../shared need it); CI runs it with --ignored"]
fn readme_commands_that_need_shared_or_measure_run_as_written() {
    let planned = shown_commands();
    let ignored: Vec<&Shown> = planned
        .iter()
        .filter(|(_, p)| *p == Plan::Ignored)
        .map(|(s, _)| s)
        .collect();
    assert!(
        ignored.iter().any(|s| s.section == MEASUREMENTS),
        "the README's {MEASUREMENTS} section shows no command"
    );
    // The `/tmp` files the commands name that do not exist yet: removed afterwards.
    let written: Vec<PathBuf> = ignored
        .iter()
        .flat_map(|s| s.text.split_whitespace())
        .filter(|w| w.starts_with("/tmp/"))
        .map(PathBuf::from)
        .filter(|p| !p.exists())
        .collect();
    let needs_shared = ignored.iter().any(|s| s.text.contains("../shared"));
    let failures = Sandbox::new(needs_shared).run(&ignored);
    for p in written {
        let _ = std::fs::remove_file(p);
    }
    assert!(
        failures.is_empty(),
        "{} of {} README commands failed:\n{}",
        failures.len(),
        ignored.len(),
        failures.join("\n")
    );
}

/// The extraction rule on a small document: each kind of block, comments, continuations,
/// expected codes and sections.
#[test]
fn commands_are_found_by_the_documented_rule() {
    let md = "# Title\n\
              `tokencast run inline.ron` is prose\n\
              ```sh\n\
              # a comment line\n\
              cargo run --release -- run a.ron   # forecast\n\
              \n\
              tokencast diff a.ron \\\n  b.ron --fail-above 10  # exits 3: above the threshold\n\
              sed 's/#x/y/' a.ron > b.ron\n\
              ```\n\
              ## Performance\n\
              ```text\n\
              $ tokencast prices\n\
              output # not a command\n\
              ```\n\
              ```yaml\n\
              run: tokencast validate scenarios/*.ron\n\
              - run: cargo install --path .\n\
              run: gh pr comment \"${{ github.event.pull_request.number }}\"\n\
              run: |\n\
              \x20 tokencast diff --git-base \"${{ x }}\"\n\
              ```\n\
              ```ron\n\
              Scenario()\n\
              ```\n";
    let found = commands("X.md", md).unwrap();
    let got: Vec<_> = found
        .iter()
        .map(|s| (s.at.as_str(), s.section.as_str(), s.text.as_str(), s.expect))
        .collect();
    assert_eq!(
        got,
        [
            ("X.md:5", "Title", "cargo run --release -- run a.ron", 0),
            (
                "X.md:7",
                "Title",
                "tokencast diff a.ron b.ron --fail-above 10",
                3
            ),
            ("X.md:9", "Title", "sed 's/#x/y/' a.ron > b.ron", 0),
            ("X.md:13", "Performance", "tokencast prices", 0),
            (
                "X.md:17",
                "Performance",
                "tokencast validate scenarios/*.ron",
                0
            ),
            ("X.md:18", "Performance", "cargo install --path .", 0),
        ]
    );
    let plans: Vec<_> = found.iter().map(|s| s.plan().unwrap()).collect();
    assert_eq!(
        plans,
        [
            Plan::Main,
            Plan::Main,
            Plan::Main,
            Plan::Ignored,
            Plan::Ignored,
            Plan::Skipped
        ]
    );
    assert_eq!(found[0].runnable().unwrap(), "tokencast run a.ron");

    let bad = commands("X.md", "```sh\ntokencast run a.ron  # exits two\n```\n").unwrap_err();
    assert!(bad.starts_with("X.md:2: comment `# exits two`"), "{bad}");
    let odd = commands(
        "X.md",
        "```sh\ncargo run --bin tokencast -- run a.ron\n```\n",
    )
    .unwrap();
    assert!(odd[0].plan().unwrap_err().contains("cannot map"));
}

/// A broken command, and one that does not exit with the code its comment gives, fail naming
/// the line, the command, the exit code and standard error; one that fails as its comment
/// says passes.
#[test]
fn a_broken_command_fails_naming_its_line() {
    let md = "```sh\n\
              cargo run --release -- validate scenarios/faq-bot.ron\n\
              tokencast run scenarios/no-such.ron\n\
              tokencast validate scenarios/faq-bot.ron  # exits 2: wrongly expected\n\
              tokencast validate scenarios/no-such.ron  # exits 2: the file is missing\n\
              tokencast diff --git-base origin/main scenarios --runs 2\n\
              ```\n";
    let found = commands("X.md", md).unwrap();
    let refs: Vec<&Shown> = found.iter().collect();
    let failures = Sandbox::new(false).run(&refs);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(
        failures[0].starts_with(
            "X.md:3: `tokencast run scenarios/no-such.ron` exited with 2 (expected 0)"
        ),
        "{}",
        failures[0]
    );
    assert!(
        failures[0].contains("stderr:\n    error: scenarios/no-such.ron: cannot read scenario"),
        "{}",
        failures[0]
    );
    assert!(
        failures[1].starts_with(
            "X.md:4: `tokencast validate scenarios/faq-bot.ron` exited with 0 (expected 2)"
        ),
        "{}",
        failures[1]
    );
}
