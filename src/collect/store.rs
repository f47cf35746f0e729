//! The collected rows on disk: native JSON lines in `DATA/spans-YYYY-MM-DD-NNNNNN.jsonl`, one
//! file at a time appended to, rotated when the UTC day of arrival changes or the file would
//! pass its size limit, and a new file at every start (a file is never appended to by two
//! processes, nor after a crash).
//!
//! **Durability.** [`Store::append`] writes a group of rows, `fdatasync`s the file, then
//! records the file's committed length in `DATA/.commit` (a fixed-width record overwritten in
//! place, and synced); only then does it return, and only then are the rows acknowledged. A
//! crash (`kill -9`, power loss) at any point leaves every committed row on disk. Rows of a
//! group that was being written (never acknowledged, so the client sends them again) may be
//! in the file after a crash: at the next start the file is cut back to its committed length,
//! so each acknowledged row is kept exactly once and no unacknowledged one. A failed write
//! (a full disk) cuts the file back at once and the group is refused.
//!
//! **Time order.** Rows are appended as they arrive, and spans arrive out of start-time order
//! (a long call's span is exported when it ends). A file that is not in time order is sorted
//! when it is closed (rotation, shutdown, or at the next start after a crash): written sorted
//! to a hidden file, synced, and renamed over the original, so a crash while sorting leaves
//! the unsorted file whole. Readers take a directory's files as each in time order and merge
//! them; the file being written may be out of order until it is closed.
//!
//! One process holds `DATA/.lock` (an exclusive lock) while it writes.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::foundations::time::MS_PER_DAY;
use crate::model::workload::trace::date_of;

/// Bytes of the commit record: a file name and its committed length, space padded.
const COMMIT_BYTES: usize = 96;

/// The file being written and its committed length, for readers in the same process (the
/// page reads it only that far).
pub(crate) type Committed = std::sync::Arc<std::sync::Mutex<Option<(String, u64)>>>;

/// What a start found and mended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Files of earlier runs found.
    pub files: usize,
    /// Bytes cut from the end of the last file: rows written but never acknowledged.
    pub cut_bytes: u64,
    /// Files sorted because a crash left them out of time order.
    pub sorted: usize,
    /// Files that could not be sorted (or read), and why.
    pub unsorted: Vec<String>,
}

/// The file being appended to.
struct Active {
    file: File,
    name: String,
    /// UTC day (since the epoch) of arrival its rows belong to.
    day: i64,
    /// Committed length.
    len: u64,
    /// Timestamp of its last row.
    last_ms: i64,
    /// Whether its rows are in time order so far.
    ordered: bool,
}

/// The data directory.
pub struct Store {
    dir: PathBuf,
    max_file_bytes: u64,
    active: Option<Active>,
    next_seq: u64,
    commit: File,
    /// Shared with readers: the file being written and its committed length.
    committed: Committed,
    /// Held for the lock.
    _lock: File,
}

impl Store {
    /// Open (creating) `dir`, take its lock, and mend what an earlier run left: the last
    /// file cut to its committed length, torn last lines cut, unsorted files sorted, leftover
    /// temporary files removed.
    pub fn open(dir: &Path, max_file_bytes: u64) -> Result<(Store, Recovery), String> {
        let shown = dir.display();
        std::fs::create_dir_all(dir).map_err(|e| format!("{shown}: cannot create: {e}"))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))
            .map_err(|e| format!("{shown}: cannot write in it: {e}"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "{shown}: another `tokencast collect` is writing to this directory (it holds \
                     {shown}/.lock); give each collector its own --dir"
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("{shown}/.lock: cannot lock: {e}"));
            }
        }
        let commit = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(".commit"))
            .map_err(|e| format!("{shown}/.commit: {e}"))?;
        let mut recovery = Recovery::default();
        // The commit record: the last file's committed length.
        let mut record = [0u8; COMMIT_BYTES];
        let got = commit.read_at(&mut record, 0).unwrap_or(0);
        if got == COMMIT_BYTES
            && let Some((name, len)) = parse_commit(&record)
        {
            let path = dir.join(&name);
            if let Ok(meta) = std::fs::metadata(&path)
                && meta.len() > len
            {
                let f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                f.set_len(len)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| format!("{}: cannot cut to {len} bytes: {e}", path.display()))?;
                recovery.cut_bytes += meta.len() - len;
            }
        }
        let mut next_seq = 1;
        for name in data_files(dir)? {
            recovery.files += 1;
            if let Some(seq) = seq_of(&name) {
                next_seq = next_seq.max(seq + 1);
            }
            let path = dir.join(&name);
            recovery.cut_bytes += cut_torn_line(&path)?;
            match sort_file(dir, &name) {
                Ok(true) => recovery.sorted += 1,
                Ok(false) => {}
                // The collector still starts: its new rows go to a new file.
                Err(e) => recovery.unsorted.push(e),
            }
        }
        // Temporary files of a sort a crash interrupted.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with(".spans-") && n.ends_with(".sorting") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok((
            Store {
                dir: dir.to_path_buf(),
                max_file_bytes,
                active: None,
                next_seq,
                commit,
                committed: Committed::default(),
                _lock: lock,
            },
            recovery,
        ))
    }

    /// Append `rows` (whole native JSON lines, with `times` their timestamps in order), arriving
    /// at `now_ms`, and make them durable: on `Ok` every row is on disk once; on `Err` none is.
    pub fn append(&mut self, rows: &[u8], times: &[i64], now_ms: i64) -> io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let day = now_ms.div_euclid(MS_PER_DAY as i64);
        let rotate = match &self.active {
            None => true,
            Some(a) => {
                a.day != day || (a.len > 0 && a.len + rows.len() as u64 > self.max_file_bytes)
            }
        };
        if rotate {
            let shared = std::sync::Arc::clone(&self.committed);
            let mut committed = lock(&shared);
            self.close_in(&mut committed)?;
            self.start_file_in(day, &mut committed)?;
        }
        let Some(a) = self.active.as_mut() else {
            return Err(io::Error::other("no file is open"));
        };
        let at = a.len;
        let written = a
            .file
            .write_all_at(rows, at)
            .and_then(|()| a.file.sync_data())
            .and_then(|()| write_commit(&self.commit, &a.name, at + rows.len() as u64));
        if let Err(e) = written {
            // Nothing of the group may stay: it is refused, and sent again.
            let _ = a.file.set_len(at);
            let _ = a.file.sync_data();
            let _ = write_commit(&self.commit, &a.name, at);
            return Err(e);
        }
        a.len = at + rows.len() as u64;
        *lock(&self.committed) = Some((a.name.clone(), a.len));
        for &t in times {
            if t < a.last_ms {
                a.ordered = false;
            }
            a.last_ms = a.last_ms.max(t);
        }
        Ok(())
    }

    /// Close the file being written: sorted if its rows are out of time order.
    pub fn close(&mut self) -> io::Result<()> {
        let shared = std::sync::Arc::clone(&self.committed);
        let mut committed = lock(&shared);
        self.close_in(&mut committed)
    }

    /// [`Store::close`], `committed` held: a reader in this process sees the file either
    /// being written or closed (and sorted), never between.
    fn close_in(&mut self, committed: &mut Option<(String, u64)>) -> io::Result<()> {
        if let Some(a) = self.active.take() {
            *committed = None;
            // Nothing past the committed length (a cut that failed after a failed write) may
            // stay in a closed file.
            a.file.set_len(a.len)?;
            a.file.sync_all()?;
            drop(a.file);
            if !a.ordered
                && let Err(e) = sort_file(&self.dir, &a.name)
            {
                // The rows are whole and synced: a file left unsorted is read with
                // `--sort`, and sorted again at the next start.
                eprintln!("tokencast collect: warning: {e}");
            }
        }
        Ok(())
    }

    /// The file being written and its committed length, as it changes.
    pub(crate) fn committed(&self) -> Committed {
        std::sync::Arc::clone(&self.committed)
    }

    /// The name of the file being written, if any.
    pub fn active_file(&self) -> Option<&str> {
        self.active.as_ref().map(|a| a.name.as_str())
    }

    fn start_file_in(&mut self, day: i64, committed: &mut Option<(String, u64)>) -> io::Result<()> {
        let date = date_of(day * MS_PER_DAY as i64)
            .map(|d| d.to_string())
            .unwrap_or_else(|| format!("day{day}"));
        let name = format!("spans-{date}-{:06}.jsonl", self.next_seq);
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(self.dir.join(&name))?;
        self.next_seq += 1;
        // The new name must survive a crash as its rows do.
        File::open(&self.dir)?.sync_all()?;
        write_commit(&self.commit, &name, 0)?;
        *committed = Some((name.clone(), 0));
        self.active = Some(Active {
            file,
            name,
            day,
            len: 0,
            last_ms: i64::MIN,
            ordered: true,
        });
        Ok(())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// A mutex's guard, whether or not a panic poisoned it (what it guards stays consistent).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Overwrite the commit record with `name` committed to `len` bytes, and sync it.
fn write_commit(commit: &File, name: &str, len: u64) -> io::Result<()> {
    let mut record = [b' '; COMMIT_BYTES];
    let text = format!("{name} {len}");
    if text.len() >= COMMIT_BYTES {
        return Err(io::Error::other("file name too long for the commit record"));
    }
    record[..text.len()].copy_from_slice(text.as_bytes());
    record[COMMIT_BYTES - 1] = b'\n';
    commit.write_all_at(&record, 0)?;
    commit.sync_data()
}

/// The file name and length a commit record holds.
fn parse_commit(record: &[u8]) -> Option<(String, u64)> {
    let text = std::str::from_utf8(record).ok()?.trim();
    let (name, len) = text.rsplit_once(' ')?;
    (seq_of(name).is_some()).then_some(())?;
    Some((name.to_string(), len.parse().ok()?))
}

/// The sequence number of a data file's name `spans-YYYY-MM-DD-NNNNNN.jsonl`.
fn seq_of(name: &str) -> Option<u64> {
    let stem = name.strip_prefix("spans-")?.strip_suffix(".jsonl")?;
    let (_, seq) = stem.rsplit_once('-')?;
    (seq.len() == 6).then_some(())?;
    seq.parse().ok()
}

/// The data files of `dir`, by name.
pub(crate) fn data_files(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| seq_of(n).is_some())
        .collect();
    names.sort();
    Ok(names)
}

/// Cut a last line without its newline (a write a crash tore): the bytes cut.
fn cut_torn_line(path: &Path) -> Result<u64, String> {
    let shown = path.display();
    let f = File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let len = f.metadata().map_err(|e| format!("{shown}: {e}"))?.len();
    let mut last = [0u8; 1];
    if len == 0 || (f.read_at(&mut last, len - 1).is_ok() && last[0] == b'\n') {
        return Ok(0);
    }
    let data = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let keep = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.set_len(keep as u64)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: cannot cut its torn last line: {e}", path.display()))?;
    Ok((data.len() - keep) as u64)
}

/// The timestamp a line the store wrote opens with (`{"timestamp":N,`).
fn line_time(line: &[u8]) -> Option<i64> {
    let rest = line.strip_prefix(b"{\"timestamp\":")?;
    let end = rest.iter().position(|&b| b == b',' || b == b'}')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Sort the data file `name` of `dir` by time if it is not in order: whether it was.
fn sort_file(dir: &Path, name: &str) -> Result<bool, String> {
    let path = dir.join(name);
    let shown = path.display();
    let data = std::fs::read(&path).map_err(|e| format!("{shown}: {e}"))?;
    let mut rows: Vec<(i64, &[u8])> = Vec::new();
    for (i, line) in data.split_inclusive(|&b| b == b'\n').enumerate() {
        let t = line_time(line).ok_or_else(|| {
            format!(
                "{shown}:{}: not a row `tokencast collect` writes (it opens with \
                 {{\"timestamp\":N,); leave the collector's files as it writes them",
                i + 1
            )
        })?;
        rows.push((t, line));
    }
    if rows.windows(2).all(|w| w[0].0 <= w[1].0) {
        return Ok(false);
    }
    // Stable: rows of one time keep their arrival order.
    rows.sort_by_key(|(t, _)| *t);
    let tmp = dir.join(format!(".{name}.sorting"));
    let written = (|| -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        for (_, line) in &rows {
            f.write_all(line)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        File::open(dir)?.sync_all()
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{shown}: cannot sort it by time: {e}")
    })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: i64) -> String {
        format!("{{\"timestamp\":{t},\"input_tokens\":1,\"output_tokens\":2}}\n")
    }

    fn rows(ts: &[i64]) -> (Vec<u8>, Vec<i64>) {
        (
            ts.iter().map(|&t| row(t)).collect::<String>().into_bytes(),
            ts.to_vec(),
        )
    }

    const DAY: i64 = MS_PER_DAY as i64;

    #[test]
    fn rows_rotate_by_day_and_size_and_are_sorted_when_closed() {
        let dir = tempfile::tempdir().unwrap();
        let now = 20_000 * DAY + 5;
        let (mut s, rec) = Store::open(dir.path(), 200).unwrap();
        assert_eq!(rec, Recovery::default());
        let (b, t) = rows(&[30, 10]);
        s.append(&b, &t, now).unwrap();
        assert_eq!(s.active_file(), Some("spans-2024-10-04-000001.jsonl"));
        // Past 200 bytes: a new file.
        let (b, t) = rows(&[40, 50]);
        s.append(&b, &t, now).unwrap();
        assert_eq!(s.active_file(), Some("spans-2024-10-04-000002.jsonl"));
        // The next day: a new file, even below the size.
        let (b, t) = rows(&[60]);
        s.append(&b, &t, now + DAY).unwrap();
        assert_eq!(s.active_file(), Some("spans-2024-10-05-000003.jsonl"));
        drop(s);
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(read("spans-2024-10-04-000001.jsonl"), row(10) + &row(30));
        assert_eq!(read("spans-2024-10-04-000002.jsonl"), row(40) + &row(50));
        assert_eq!(read("spans-2024-10-05-000003.jsonl"), row(60));
        // A new start never appends to an old file.
        let (mut s, rec) = Store::open(dir.path(), 200).unwrap();
        assert_eq!(rec.files, 3);
        s.append(&rows(&[70]).0, &[70], now + DAY).unwrap();
        assert_eq!(s.active_file(), Some("spans-2024-10-05-000004.jsonl"));
    }

    #[test]
    fn a_crash_keeps_committed_rows_once_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let now = 20_000 * DAY;
        let name;
        {
            let (mut s, _) = Store::open(dir.path(), 1 << 20).unwrap();
            let (b, t) = rows(&[5, 1]);
            s.append(&b, &t, now).unwrap();
            name = s.active_file().unwrap().to_string();
            // A crash: no close, and half of a group written after the last commit.
            let path = dir.path().join(&name);
            let mut f = OpenOptions::new().append(true).open(&path).unwrap();
            f.write_all((row(9) + "{\"timestamp\":1").as_bytes())
                .unwrap();
            // The process ends without closing the file (or sorting it).
            s.active = None;
        }
        let (_s, rec) = Store::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(rec.cut_bytes, (row(9).len() + 14) as u64);
        assert_eq!(rec.sorted, 1);
        let data = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        assert_eq!(data, row(1) + &row(5));
    }

    #[test]
    fn a_second_collector_on_one_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_s, _) = Store::open(dir.path(), 1 << 20).unwrap();
        let err = Store::open(dir.path(), 1 << 20).err().unwrap();
        assert!(err.contains("another `tokencast collect`"), "{err}");
    }

    #[test]
    fn a_file_the_store_did_not_write_is_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.jsonl"), "hello").unwrap();
        let bad = "spans-2024-10-04-000001.jsonl";
        std::fs::write(dir.path().join(bad), "{\"input_tokens\":1}\n{\"x\":2}\n").unwrap();
        let (_s, rec) = Store::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(rec.unsorted.len(), 1);
        assert!(
            rec.unsorted[0].contains("spans-2024-10-04-000001.jsonl:1: not a row"),
            "{:?}",
            rec.unsorted
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(bad)).unwrap(),
            "{\"input_tokens\":1}\n{\"x\":2}\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.jsonl")).unwrap(),
            "hello"
        );
    }
}
