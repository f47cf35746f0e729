//! Where a [`Catalog`] comes from: the built-in catalog embedded at compile time, a RON file,
//! or any file by its extension (`.ron`, or `.json` for a LiteLLM map, see
//! [`litellm`](super::litellm)). RON errors are explained with the valid names.

use std::path::Path;
use std::sync::LazyLock;

use crate::foundations::input::{MAX_PRICE_MAP_BYTES, read_capped_text};

use super::catalog::Catalog;
use super::error::PricingError;

/// The built-in catalog's text (embedded at compile time).
const BUILTIN_RON: &str = include_str!("builtin.ron");
/// Name used for the built-in catalog in error messages.
const BUILTIN_ORIGIN: &str = "<built-in price catalog>";

static BUILTIN: LazyLock<Catalog> = LazyLock::new(|| {
    match Catalog::from_ron_str(BUILTIN_RON, BUILTIN_ORIGIN) {
        Ok(c) => c,
        // The text is a compile-time constant, not user input; the `builtin_parses_and_validates`
        // test fails the build's test suite if it ever stops parsing.
        Err(e) => panic!("the embedded price catalog is invalid (a tokencast build defect): {e}"),
    }
});

/// RON options for catalogs: `implicit_some`, so an optional price may be written bare.
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// RON's error message, with the valid names where the parser knows them.
fn explain_ron_error(code: &ron::Error) -> String {
    let outer_in = |o: &Option<String>| o.as_ref().map(|o| format!(" in {o}")).unwrap_or_default();
    match code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{found}`{}; valid fields: {}",
            outer_in(outer),
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, outer } => {
            format!("missing required field `{field}`{}", outer_in(outer))
        }
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{found}`{}; valid: {}",
            outer
                .as_ref()
                .map(|o| format!(" of {o}"))
                .unwrap_or_default(),
            expected.join(", ")
        ),
        other => other.to_string(),
    }
}

impl Catalog {
    /// The built-in catalog (LiteLLM 1.110.2 prices, effective 2026-11-27), parsed once from the
    /// embedded `builtin.ron` and cloned.
    ///
    /// Infallible by construction: the text is compiled in and a unit test checks that it parses
    /// and validates, so a failure here is a build defect, not a user error (it panics).
    pub fn builtin() -> Catalog {
        BUILTIN.clone()
    }

    /// Load a catalog from a file: `.json` -> LiteLLM price map (effective date `unknown`: the
    /// map carries none), `.ron` -> RON [`Catalog`] (its own `effective_date`). The result is
    /// validated.
    pub fn load(path: &Path) -> Result<Catalog, PricingError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if extension != "json" && extension != "ron" {
            return Err(PricingError::UnknownExtension {
                path: path.to_path_buf(),
                extension,
            });
        }
        let io = |source| PricingError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = read_capped_text(path, MAX_PRICE_MAP_BYTES, "price map").map_err(io)?;
        let origin = path.display().to_string();
        if extension == "ron" {
            return Catalog::from_ron_file_text(&text, &origin);
        }
        // A LiteLLM map carries no date, and a file's modification time is the day it was
        // checked out or copied, not the day its prices were published: "unknown".
        Catalog::from_litellm_str(text.strip_prefix('\u{feff}').unwrap_or(&text), &origin)
    }

    /// The RON catalog `text` of the file `origin` (a path, or `REV:path` for a version read
    /// from git). Messages and reports name a catalog by its `source`, and a file's own name for
    /// itself ("test catalog") does not say which file it was, so the origin follows it.
    pub fn from_ron_file_text(text: &str, origin: &str) -> Result<Catalog, PricingError> {
        let mut catalog = Catalog::from_ron_str(text, origin)?;
        catalog.source = format!("{} ({origin})", catalog.source);
        Ok(catalog)
    }

    /// Parse and validate a RON catalog. Syntax and schema errors carry `origin:line:col`;
    /// out-of-range values carry the field path.
    pub fn from_ron_str(text: &str, origin: &str) -> Result<Catalog, PricingError> {
        // A byte-order mark (editors on Windows write one) is not part of the text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let catalog: Catalog = ron_options()
            .from_str(text)
            .map_err(|e| PricingError::Syntax {
                origin: origin.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: explain_ron_error(&e.code),
            })?;
        catalog.validate_as(origin)?;
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::pricing::Mode;
    use crate::foundations::pricing::litellm;
    use crate::foundations::pricing::tests::BUILTIN_IDS;

    #[test]
    fn builtin_parses_and_validates() {
        let c = Catalog::from_ron_str(BUILTIN_RON, BUILTIN_ORIGIN).unwrap();
        c.validate().unwrap();
        assert_eq!(c.effective_date, "2026-11-27");
        for id in BUILTIN_IDS {
            assert!(c.get(id).is_some(), "built-in catalog lacks {id}");
        }
        assert_eq!(Catalog::builtin(), c);
    }

    #[test]
    fn a_ron_file_is_named_by_its_path_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("house.ron");
        let text = BUILTIN_RON.replacen(
            &format!("source: {:?}", Catalog::builtin().source),
            "source: \"house prices\"",
            1,
        );
        assert_ne!(
            text, BUILTIN_RON,
            "the built-in catalog's source was replaced"
        );
        std::fs::write(&path, text).unwrap();
        let c = Catalog::load(&path).unwrap();
        assert_eq!(c.source, format!("house prices ({})", path.display()));
    }

    #[test]
    fn ron_syntax_error_gives_origin_line_col() {
        let text = "(\n  source: \"x\",\n  effective_date: \"2026-01-01\",\n  models: {\n    \"m\": (provider: \"p\" mode: Chat),\n  },\n)";
        let e = Catalog::from_ron_str(text, "prices.ron").unwrap_err();
        match &e {
            PricingError::Syntax {
                origin, line, col, ..
            } => {
                assert_eq!(origin, "prices.ron");
                assert_eq!(*line, 5);
                assert!(
                    *col > 20,
                    "column {col} should point past `provider: \"p\"`"
                );
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert!(e.to_string().starts_with("prices.ron:5:"), "{e}");
    }

    #[test]
    fn ron_unknown_field_lists_valid_fields() {
        let text = r#"(source: "x", effective_date: "2026-01-01", models: {
  "m": (provider: "p", mode: Chat, standard: (input: 1.0, output: 2.0, cached: 0.1),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let e = Catalog::from_ron_str(text, "p.ron")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.ron:2:"), "{e}");
        assert!(e.contains("unknown field `cached`"), "{e}");
        assert!(e.contains("cache_read"), "{e}");
    }

    #[test]
    fn ron_accepts_bare_and_some_optionals() {
        let text = r#"(source: "mine", effective_date: "2026-02-28", models: {
  "a": (provider: "p", mode: Chat, standard: (input: 1.0, output: 2.0, cache_read: 0.1),
        cache: (kind: Automatic, min_prefix_tokens: 1024, granularity_tokens: 128, ttls: [M5], refresh_on_hit: true)),
  "b": (provider: "p", mode: Embedding, standard: (input: 1.0, output: 0.0, cache_read: Some(0.1)),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let c = Catalog::from_ron_str(text, "p.ron").unwrap();
        assert_eq!(c.models["a"].standard.cache_read, Some(0.1));
        assert_eq!(c.models["b"].standard.cache_read, Some(0.1));
        assert_eq!(c.models["a"].cache.granularity_tokens, 128);
        assert_eq!(c.models["b"].mode, Mode::Embedding);
    }

    #[test]
    fn invalid_value_in_ron_file_names_origin_and_path() {
        let text = r#"(source: "mine", effective_date: "2026-02-28", models: {
  "a": (provider: "p", mode: Chat, standard: (input: 1.0, output: -2.0),
        cache: (kind: None, min_prefix_tokens: 0, granularity_tokens: 1, ttls: [], refresh_on_hit: false)),
})"#;
        let e = Catalog::from_ron_str(text, "mine.ron")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("mine.ron: models[\"a\"].standard.output: must be a finite price"),
            "{e}"
        );
    }

    #[test]
    fn load_rejects_unknown_extension_and_reports_missing_file() {
        let e = Catalog::load(Path::new("prices.yaml")).unwrap_err();
        assert!(
            matches!(&e, PricingError::UnknownExtension { extension, .. } if extension == "yaml")
        );
        assert!(e.to_string().contains(".ron") && e.to_string().contains(".json"));
        let e = Catalog::load(Path::new("/nonexistent/dir/prices.ron")).unwrap_err();
        assert!(matches!(e, PricingError::Io { .. }));
        assert!(e.to_string().contains("/nonexistent/dir/prices.ron"));
    }

    #[test]
    fn load_reads_ron_and_json_files() {
        let dir = std::env::temp_dir().join(format!("tokencast-pricing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ron_path = dir.join("cat.RON");
        std::fs::write(&ron_path, ron::ser::to_string(&Catalog::builtin()).unwrap()).unwrap();
        let mut from_file = Catalog::load(&ron_path).unwrap();
        assert_eq!(
            from_file.source,
            format!("{} ({})", Catalog::builtin().source, ron_path.display())
        );
        from_file.source = Catalog::builtin().source;
        assert!(
            from_file == Catalog::builtin(),
            "the file holds the built-in catalog"
        );
        let json_path = dir.join("prices.json");
        std::fs::write(&json_path, litellm::tests::FIXTURE).unwrap();
        let c = Catalog::load(&json_path).unwrap();
        assert_eq!(c.effective_date, "unknown");
        assert!(c.source.contains("prices.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_litellm_file_has_no_effective_date_whatever_its_modification_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("prices.json");
        std::fs::write(&p, litellm::tests::FIXTURE).unwrap();
        let c = Catalog::load(&p).unwrap();
        assert_eq!(c.effective_date, "unknown");
        assert_eq!(c.source, format!("LiteLLM price map {}", p.display()));
    }
}
