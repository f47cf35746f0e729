//! The architecture, checked: every `use` in `src/` points down the layer table or within its
//! own layer, and no two files import each other, directly or round a cycle.
//!
//! [`LAYERS`] is the architecture (DESIGN.md's layer table, and `src/lib.rs`'s crate docs draw
//! it): changing it is a visible, reviewed edit of this file. What counts as an import: every
//! `crate::`, `super::` and `self::` path in code (a `use` line or a path written inline), test
//! modules (`#[cfg(test)]` items) and comments left out. A parent file's `pub use child::...`
//! re-export is a facade, not a dependency, and is not counted towards cycles (a child using its
//! parent's items is). Inside the crate every path names its layer (`crate::model::scenario`),
//! not the flat re-exports of `lib.rs` that library users see.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first: a module may use its own layer and those before it.
const LAYERS: &[(&str, &str)] = &[
    (
        "foundations",
        "time and event queue, random streams, distributions, calendar, prices, ledger",
    ),
    (
        "model",
        "scenario schema and validation, strategies and lever settings, workloads",
    ),
    (
        "simulation",
        "levers, strategy pipelines, one run and many runs",
    ),
    (
        "analysis",
        "report model, economics, forecast, audit, replay, fit, diff",
    ),
    (
        "output",
        "one renderer per format: text, CSV, JSON, charts, HTML",
    ),
    (
        "collect",
        "the OTLP receiver: HTTP, the writer thread, the data directory",
    ),
    ("cli", "the command line: one file per command"),
];

/// One `crate::`/`super::` reference in code.
#[derive(Debug, Clone)]
struct Import {
    /// Module of the file it is written in (`model::scenario::load`).
    from: String,
    /// Module it resolves to (the longest prefix of the path that is a file's module).
    to: String,
    /// `src/...:LINE`.
    place: String,
    /// The line, trimmed.
    text: String,
    /// A parent's `pub use` of its own descendant.
    facade: bool,
}

/// What the check found wrong, one line each.
fn check(src: &Path) -> Vec<String> {
    let files = rust_files(src);
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut problems = Vec::new();
    let mut imports = Vec::new();
    for (module, path) in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let place = path.strip_prefix(src.parent().unwrap()).unwrap_or(path);
        imports.extend(scan(
            module,
            &place.display().to_string(),
            &text,
            &modules,
            &mut problems,
        ));
    }
    for i in &imports {
        let (Some(a), Some(b)) = (layer_of(&i.from), layer_of(&i.to)) else {
            continue;
        };
        if b > a {
            problems.push(format!(
                "{}: `{}`: {} (layer {}, {}) uses {} (layer {}, {}), which is above it",
                i.place, i.text, i.from, LAYERS[a].0, a, i.to, LAYERS[b].0, b
            ));
        }
    }
    problems.extend(cycles(&imports));
    problems
}

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next()?;
    LAYERS.iter().position(|(name, _)| *name == top)
}

/// Every `.rs` file under `src` with its module path (`lib.rs` and `main.rs` are the roots).
fn rust_files(src: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(src).unwrap().with_extension("");
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let module = match parts.as_slice() {
                    [one] if one == "lib" || one == "main" => String::new(),
                    _ => parts.join("::"),
                };
                out.push((module, p));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file with comments, strings and char literals blanked (same length, newlines
/// kept, so offsets still give line numbers).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if b[i] == b'r'
            && (b[i + 1..].starts_with(b"\"") || b[i + 1..].starts_with(b"#"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // Raw string r"..." or r#"..."#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let end = b[start..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |n| start + n + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, (j + 1).min(b.len()));
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\''), not a lifetime ('a).
            let lit = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|n| i + 3 + n)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 3)
            } else {
                // A multi-byte char: find the closing quote within 5 bytes.
                b[i + 1..(i + 6).min(b.len())]
                    .iter()
                    .position(|&c| c == b'\'')
                    .filter(|&n| n > 1 && !b[i + 1].is_ascii())
                    .map(|n| i + 2 + n)
            };
            match lit {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Blank every item marked `#[cfg(test)]` (the attribute, then the item up to its `;` or the
/// `}` closing its first brace).
fn without_tests(code: &str) -> String {
    let mut out = code.as_bytes().to_vec();
    let mut from = 0;
    while let Some(n) = code[from..].find("#[cfg(test)]") {
        let start = from + n;
        let b = code.as_bytes();
        let mut j = start + "#[cfg(test)]".len();
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        j += 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    j += 1;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        for c in &mut out[start..j.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = j.min(b.len());
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The paths a `use` tree names: `a::{b, c::{d, e}}` gives `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(&tree);
        return vec![path.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&p))
        .map(|p| {
            if p == "self" {
                prefix.trim_end_matches("::").to_string()
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// The module a path written in `module` resolves to, if it is a file of the crate.
fn resolve(module: &str, path: &str, modules: &BTreeSet<String>) -> Result<Option<String>, String> {
    let mut segs: Vec<&str> = path.split("::").map(str::trim).collect();
    let mut base: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    match segs.first() {
        Some(&"crate") => {
            segs.remove(0);
            base.clear();
            if let Some(top) = segs.first()
                && !LAYERS.iter().any(|(l, _)| l == top)
            {
                return Err(format!(
                    "crate::{top} is not a layer: inside the crate, name the layer \
                     (crate::LAYER::{top}); the flat names are for library users"
                ));
            }
        }
        Some(&"super") | Some(&"self") => {
            while let Some(&s) = segs.first() {
                match s {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                segs.remove(0);
            }
        }
        _ => return Ok(None),
    }
    let full: Vec<&str> = base.into_iter().chain(segs).collect();
    Ok((1..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| modules.contains(m)))
}

/// Every reference of one file (its module is `module`).
fn scan(
    module: &str,
    place: &str,
    text: &str,
    modules: &BTreeSet<String>,
    problems: &mut Vec<String>,
) -> Vec<Import> {
    let code = without_tests(&code_only(text));
    let lines: Vec<&str> = text.lines().collect();
    let line_of = |off: usize| code[..off].matches('\n').count();
    let mut out = Vec::new();
    let mut push = |from: &str, path: &str, off: usize, facade_use: bool| {
        let line = line_of(off);
        let text = lines.get(line).map_or("", |l| l.trim()).to_string();
        match resolve(from, path, modules) {
            Ok(Some(to)) if to != from => {
                let facade = facade_use && to.starts_with(&format!("{from}::"));
                out.push(Import {
                    from: from.to_string(),
                    to,
                    place: format!("{place}:{}", line + 1),
                    text,
                    facade,
                });
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{place}:{}: `{text}`: {e}", line + 1)),
        }
    };
    // Inline modules (`mod col { ... }`) shift what `super` means inside them.
    let inline = inline_modules(&code);
    let module_at = |off: usize| -> String {
        let mut m = module.to_string();
        for (name, start, end) in &inline {
            if *start <= off && off < *end {
                m = if m.is_empty() {
                    name.clone()
                } else {
                    format!("{m}::{name}")
                };
            }
        }
        m
    };
    // Child modules declared here (`mod child;`): a bare `child::X` path is an import too.
    let children = declared_children(&code);
    // `use` items, whole trees.
    let mut covered = Vec::new();
    let mut from = 0;
    while let Some(n) = code[from..].find("use ") {
        let start = from + n;
        from = start + 4;
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(len) = code[start..].find(';') else {
            break;
        };
        let tree = code[start + 4..start + len].trim();
        let first = tree.split("::").next().unwrap_or("").trim();
        let tree = if children.iter().any(|c| c == first) {
            // `use child::X;`: a path relative to this file's own module.
            format!("self::{tree}")
        } else if matches!(first, "crate" | "super" | "self")
            || tree.starts_with("crate::")
            || tree.starts_with("super::")
            || tree.starts_with("self::")
        {
            tree.to_string()
        } else {
            continue;
        };
        let line_start = code[..start].rfind('\n').map_or(0, |n| n + 1);
        let is_pub = code[line_start..start].trim_start().starts_with("pub");
        let m = module_at(start);
        for path in expand(&tree) {
            push(&m, &path, start, is_pub);
        }
        covered.push((start, start + len));
    }
    // Paths written inline in code.
    let b = code.as_bytes();
    let mut keywords = vec!["crate::".to_string(), "super::".to_string()];
    keywords.extend(children.iter().map(|c| format!("{c}::")));
    for kw in &keywords {
        let mut from = 0;
        while let Some(n) = code[from..].find(kw) {
            let start = from + n;
            from = start + kw.len();
            if covered.iter().any(|&(s, e)| s <= start && start < e) {
                continue;
            }
            // A visibility (`pub(in crate::a::b)`) names a module but uses nothing from it.
            if code[..start].trim_end().ends_with("(in") {
                continue;
            }
            if start > 0
                && (b[start - 1].is_ascii_alphanumeric()
                    || b[start - 1] == b'_'
                    || b[start - 1] == b':')
            {
                continue;
            }
            let end = start
                + code[start..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(code.len() - start);
            let path = code[start..end].trim_end_matches(':');
            if kw.starts_with("crate") || kw.starts_with("super") {
                push(&module_at(start), path, start, false);
            } else {
                push(&module_at(start), &format!("self::{path}"), start, false);
            }
        }
    }
    out
}

/// The names of the child modules a file declares with `mod name;` (not inline ones).
fn declared_children(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let t = line.trim();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = if t.starts_with("pub(") {
            t.split_once(')').map_or(t, |(_, rest)| rest.trim_start())
        } else {
            t
        };
        if let Some(rest) = t.strip_prefix("mod ")
            && let Some(name) = rest.trim().strip_suffix(';')
        {
            out.push(name.trim().to_string());
        }
    }
    out
}

/// `(name, body start, body end)` of each `mod name { ... }` in a file.
fn inline_modules(code: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(n) = code[from..].find("mod ") {
        let start = from + n;
        from = start + 4;
        if start > 0
            && code[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[start + 4..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after = rest[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = start + 4 + name.len() + (rest.len() - name.len() - after.len());
        let mut depth = 0;
        let mut end = code.len();
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((name, open, end));
    }
    out
}

/// Cycles between files, each described by the imports that close it.
fn cycles(imports: &[Import]) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &Import>> = BTreeMap::new();
    for i in imports.iter().filter(|i| !i.facade) {
        graph
            .entry(i.from.as_str())
            .or_default()
            .entry(i.to.as_str())
            .or_insert(i);
    }
    // Tarjan's strongly connected components.
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        sccs: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, g: &BTreeMap<&'a str, BTreeMap<&'a str, &Import>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for &w in g
            .get(v)
            .map(|m| m.keys().copied().collect::<Vec<_>>())
            .unwrap_or_default()
            .iter()
        {
            if !s.index.contains_key(w) {
                visit(w, g, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.sccs.push(comp);
        }
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        sccs: Vec::new(),
    };
    let nodes: Vec<&str> = graph.keys().copied().collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, &graph, &mut s);
        }
    }
    let mut out = Vec::new();
    for mut comp in s.sccs.into_iter().filter(|c| c.len() > 1) {
        comp.sort();
        let members: BTreeSet<&str> = comp.iter().copied().collect();
        let mut msg = format!("import cycle between {}:", comp.join(", "));
        for &a in &comp {
            for (&b, i) in &graph[a] {
                if members.contains(b) {
                    msg.push_str(&format!("\n    {}: `{}` ({a} uses {b})", i.place, i.text));
                }
            }
        }
        out.push(msg);
    }
    out
}

#[test]
fn every_import_follows_the_layer_order_and_no_files_form_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&src);
    assert!(
        problems.is_empty(),
        "{} problem(s) with the layers (table in tests/it/layers.rs):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_source_folder_is_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (module, path) in rust_files(&src) {
        if module.is_empty() {
            continue;
        }
        assert!(
            layer_of(&module).is_some(),
            "{}: module {module} is in no layer; put it in one of {:?} or add a layer to \
             tests/it/layers.rs",
            path.display(),
            LAYERS.iter().map(|(l, _)| *l).collect::<Vec<_>>()
        );
    }
}

/// The checker itself, on a small tree with one of each fault.
#[test]
fn the_check_names_an_upward_import_a_cycle_and_a_flat_path() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod foundations;\npub mod model;\npub use model::scenario;\n",
    );
    write("foundations.rs", "pub mod time;\npub mod dist;\n");
    write(
        "foundations/time.rs",
        "//! uses crate::model::scenario in a comment only\n\
         use crate::foundations::dist::Dist;\n\
         fn f() -> u8 { let s = \"crate::model::x\"; crate::model::other::g() }\n\
         #[cfg(test)]\nmod tests { use crate::model::scenario::Scenario; }\n\
         pub(in crate::model) fn h() {}\n",
    );
    write(
        "foundations/dist.rs",
        "use super::time;\npub struct Dist;\nmod inner { use super::super::time::f; }\n",
    );
    write(
        "model.rs",
        "pub mod other;\npub mod scenario;\npub use scenario::Scenario;\n",
    );
    write("model/other.rs", "pub fn g() {}\n");
    // A parent calling into its child by a bare path while the child uses the parent: a cycle.
    write(
        "model/scenario/load.rs",
        "use super::Scenario;\npub fn load() {}\n",
    );
    write(
        "model/scenario.rs",
        "use crate::foundations::{dist::Dist, time};\nuse crate::scenario::X;\npub struct Scenario;\n\
         mod load;\npub use load::load;\nfn f() { load::load() }\n",
    );
    let problems = check(&src);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "src/model/scenario.rs:2: `use crate::scenario::X;`: crate::scenario is not a layer"
        ),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with(
            "src/foundations/time.rs:3: `fn f() -> u8 { let s = \"crate::model::x\"; crate::model::other::g() }`: \
             foundations::time (layer foundations, 0) uses model::other (layer model, 1)"
        ),
        "{}",
        problems[1]
    );
    assert_eq!(
        problems[2],
        "import cycle between foundations::dist, foundations::time:\n    \
         src/foundations/dist.rs:1: `use super::time;` (foundations::dist uses foundations::time)\n    \
         src/foundations/time.rs:2: `use crate::foundations::dist::Dist;` (foundations::time uses foundations::dist)"
    );
    assert_eq!(
        problems[3],
        "import cycle between model::scenario, model::scenario::load:\n    \
         src/model/scenario.rs:6: `fn f() { load::load() }` (model::scenario uses model::scenario::load)\n    \
         src/model/scenario/load.rs:1: `use super::Scenario;` (model::scenario::load uses model::scenario)"
    );
}
