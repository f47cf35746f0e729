//! Reading a whole input file (a scenario, a price map, a saved report) with a size limit.
//!
//! These files are read into memory before they are parsed, so without a limit a path to an
//! endless file (`/dev/zero`, a FIFO that never closes) or to the wrong, huge file would be read
//! until memory runs out. Each kind has a stated maximum, far above any real file of its kind,
//! and a larger file is an error naming the limit. Traces are not read whole: their reader
//! streams rows and bounds the length of a line instead.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest scenario file: 8 MiB (the bundled ones are 2 to 10 KB).
pub const MAX_SCENARIO_BYTES: u64 = 8 << 20;
/// The largest price map: 64 MiB (LiteLLM's whole map is about 1.4 MB).
pub const MAX_PRICE_MAP_BYTES: u64 = 64 << 20;
/// The largest saved JSON report: 256 MiB (a report of 1,000 runs over ten years is about
/// 30 MB).
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// The contents of the file at `path`, or an error of kind `InvalidData` when it holds more than
/// `limit` bytes (a `what`: "scenario", "price map", "report"). Reads at most `limit + 1` bytes,
/// so an endless file ends the read too.
pub fn read_capped(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit, what));
    }
    Ok(bytes)
}

/// The error of a `what` file larger than `limit` bytes.
pub fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "more than {} MiB, the most a {what} file may hold: is it the right file? (an endless stream such as /dev/zero cannot be read)",
            limit >> 20
        ),
    )
}

/// [`read_capped`] as UTF-8 text; text that is not UTF-8 is an `InvalidData` error.
pub fn read_capped_text(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    let bytes = read_capped(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e}): a {what} file is text"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_limit_are_read_and_larger_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'a'; 2 << 20]).unwrap();
        assert_eq!(
            read_capped(&path, 2 << 20, "report").unwrap().len(),
            2 << 20
        );
        let e = read_capped(&path, 1 << 20, "report").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .starts_with("more than 1 MiB, the most a report file may hold"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_file_ends_at_the_limit() {
        let e = read_capped(Path::new("/dev/zero"), 1 << 20, "scenario").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
