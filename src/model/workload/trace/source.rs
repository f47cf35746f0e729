//! Where a trace's bytes come from, read once: a file, a pipe, `<(...)` or standard input.
//!
//! Every byte of the file passes through [`Hashed`], which feeds the SHA-256 that reports quote
//! (so a trace is read once, never a second time to hash it, and a pipe can be audited). A
//! gzip or zstd file is then decompressed (recognised by its magic bytes, whatever its name),
//! and the text goes through a [`Source`] on its way to the CSV or JSON-lines reader, which
//! refuses a line longer than [`MAX_LINE_BYTES`]: a trace is text lines of at most a few
//! kilobytes, and without a limit a binary file or an endless stream without newlines
//! (`/dev/zero`) would be read into memory until it runs out.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

use sha2::{Digest, Sha256};

/// The longest line a trace may have, in bytes (1 MiB: a native row with a thousand prefix
/// hashes is about 20 KB).
pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// The error a [`Source`] gives when a line is longer than [`MAX_LINE_BYTES`], carried inside
/// an `io::Error` through the CSV and JSON readers to the trace error.
#[derive(Debug)]
pub(super) struct LineTooLong {
    /// The 1-based line.
    pub(super) line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {} bytes (1 MiB) without a line break",
            self.line, MAX_LINE_BYTES
        )
    }
}

impl std::error::Error for LineTooLong {}

/// The SHA-256 of the bytes read so far, shared between a [`Source`] and its reader.
#[derive(Clone, Default)]
pub(super) struct Hash(Rc<RefCell<Sha256>>);

impl Hash {
    /// Feed `bytes` into the digest (for sources that are not a byte stream).
    pub(super) fn update(&self, bytes: &[u8]) {
        self.0.borrow_mut().update(bytes);
    }

    /// The digest so far in lowercase hex.
    pub(super) fn hex(&self) -> String {
        self.0
            .borrow()
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A trace file's bytes as they are read, hashed into `hash`: the file's own bytes, before any
/// decompression, so a report quotes the digest of the file the user has.
pub(super) struct Hashed {
    inner: Box<dyn Read>,
    hash: Hash,
}

impl Hashed {
    /// The bytes of `inner`, hashed into `hash`.
    pub(super) fn new(inner: Box<dyn Read>, hash: Hash) -> Hashed {
        Hashed { inner, hash }
    }
}

impl Read for Hashed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.0.borrow_mut().update(&buf[..n]);
        Ok(n)
    }
}

/// The SHA-256 (lowercase hex) of the file `path`, read in one pass: for a file read in
/// pieces, whose own readers do not hash it.
pub(super) fn hash_file(path: &std::path::Path) -> io::Result<String> {
    let hash = Hash::default();
    let mut h = Hashed::new(Box::new(std::fs::File::open(path)?), hash.clone());
    io::copy(&mut h, &mut io::sink())?;
    Ok(hash.hex())
}

/// A text trace's bytes (decompressed), checked for line length as they are read.
pub(super) struct Source {
    inner: Box<dyn Read>,
    /// Line breaks read so far.
    breaks: u64,
    /// Bytes since the last line break.
    run: u64,
    /// Whether lines are checked against [`MAX_LINE_BYTES`]: a document of JSON pages is
    /// bounded as a whole instead (see `pages`), so its reader lifts the check.
    checked: Rc<Cell<bool>>,
}

impl Source {
    /// The text of `inner`.
    pub(super) fn new(inner: Box<dyn Read>) -> Source {
        Source {
            inner,
            breaks: 0,
            run: 0,
            checked: Rc::new(Cell::new(true)),
        }
    }

    /// The switch of the line-length check (on at first).
    pub(super) fn line_check(&self) -> Rc<Cell<bool>> {
        Rc::clone(&self.checked)
    }

    /// The bytes of `inner`, hashed into `hash` (no decompression between).
    #[cfg(test)]
    fn hashed(inner: Box<dyn Read>, hash: Hash) -> Source {
        Source::new(Box::new(Hashed::new(inner, hash)))
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        match memchr::memrchr(b'\n', got) {
            Some(last) => {
                self.breaks += memchr::memchr_iter(b'\n', got).count() as u64;
                self.run = (n - last - 1) as u64;
            }
            None => self.run += n as u64,
        }
        if self.run > MAX_LINE_BYTES && self.checked.get() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong {
                    line: self.breaks + 1,
                },
            ));
        }
        Ok(n)
    }
}

/// The line a too-long-line error names, if `e` is one.
pub(super) fn too_long(e: &io::Error) -> Option<u64> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LineTooLong>())
        .map(|t| t.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_hashed_as_read_and_long_lines_refused() {
        let hash = Hash::default();
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut s = Source::hashed(Box::new(io::Cursor::new(bytes.clone())), hash.clone());
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(
            hash.hex(),
            crate::model::scenario::hex_sha256(&bytes),
            "the digest is the file's"
        );

        let mut long = b"a\nb\n".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES as usize + 1));
        let mut s = Source::hashed(Box::new(io::Cursor::new(long)), Hash::default());
        let e = s.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(too_long(&e), Some(3));
        // A line of exactly the limit is fine.
        let mut ok = vec![b'x'; MAX_LINE_BYTES as usize];
        ok.push(b'\n');
        let mut s = Source::hashed(Box::new(io::Cursor::new(ok)), Hash::default());
        assert!(s.read_to_end(&mut Vec::new()).is_ok());
    }
}
