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
//! after it is closed (rotation, shutdown, or at the next start after a crash), by a thread of
//! its own so that writing goes on meanwhile. Every file is made with a marker
//! `DATA/.NAME.sorting` beside it (both synced into the directory before a row is written), and
//! the marker goes only once the file is known to be in order: at its close when its rows came
//! in order, else when the sort is done. The sort reads the file once to index its rows by time
//! (24 bytes a row, so memory stays a small fraction of the file), writes them in order into
//! the marker, syncs it and renames it over the original. A crash at any point leaves the file
//! whole and its marker, and the next start sorts it (cutting a torn last line first); a stop
//! waits for the sorts under way. At a start only marked files (and, for a directory an older
//! version wrote, the last file and the one the commit record names) are read for their order.
//! Readers take a directory's files as each in time order and merge them; the file being
//! written, and one being sorted, may be out of order until then.
//!
//! **The commit record** holds the file name, its committed length and an FNV-1a checksum of
//! both; a record that does not check (a torn write of it) is reported at the start and the
//! last file is then only cut back to its last whole line. A record without a checksum (as
//! versions before it wrote) is read as it was written.
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
    /// A commit record that could not be read, and why.
    pub commit_unreadable: Option<String>,
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
    /// The thread sorting closed files, and the channel handing them over.
    sorter: Option<(std::sync::mpsc::Sender<String>, std::thread::JoinHandle<()>)>,
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
        let parsed = match got {
            0 => None,
            COMMIT_BYTES => match parse_commit(&record) {
                Some(c) => Some(c),
                None => {
                    recovery.commit_unreadable = Some(format!(
                        "{shown}/.commit: the commit record does not check (a torn write?); \
                         the last file is only cut back to its last whole line"
                    ));
                    None
                }
            },
            n => {
                recovery.commit_unreadable = Some(format!(
                    "{shown}/.commit: {n} bytes, not the {COMMIT_BYTES} of a commit record; \
                     the last file is only cut back to its last whole line"
                ));
                None
            }
        };
        let committed_name = parsed.as_ref().map(|(n, _)| n.clone());
        if let Some((name, len)) = parsed {
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
        let files = data_files(dir)?;
        // Files whose sort a stop or crash left undone.
        let marked: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("{shown}: {e}"))?
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                Some(n.strip_prefix('.')?.strip_suffix(".sorting")?.to_string())
            })
            .collect();
        // The last file by sequence (not by name: the date is the arrival's, and a clock may
        // step back): with the committed one, what a version without markers may have left
        // open.
        let last = files.iter().max_by_key(|n| seq_of(n)).cloned();
        for name in &files {
            recovery.files += 1;
            if let Some(seq) = seq_of(name) {
                next_seq = next_seq.max(seq + 1);
            }
            let was_marked = marked.contains(name);
            if !was_marked && last.as_ref() != Some(name) && committed_name.as_ref() != Some(name) {
                continue;
            }
            let path = dir.join(name);
            recovery.cut_bytes += cut_torn_line(&path)?;
            match sort_file(dir, name) {
                Ok(sorted) => recovery.sorted += usize::from(sorted),
                // The collector still starts: its new rows go to a new file. The marker
                // stays, so the next start tries again.
                Err(e) => {
                    if !was_marked {
                        let _ = File::create(marker(dir, name));
                    }
                    recovery.unsorted.push(e);
                }
            }
        }
        // Markers of files that are gone.
        for name in &marked {
            if !files.contains(name) {
                let _ = std::fs::remove_file(marker(dir, name));
            }
        }
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let sorting_dir = dir.to_path_buf();
        let sorter = std::thread::Builder::new()
            .name("collect-sorter".into())
            .spawn(move || {
                for name in rx {
                    if let Err(e) = sort_file(&sorting_dir, &name) {
                        // The rows are whole and synced: a file left unsorted is read with
                        // `--sort`, and sorted again at the next start (its marker stays).
                        eprintln!("tokencast collect: warning: {e}");
                    }
                }
            })
            .map_err(|e| format!("cannot start the sorting thread: {e}"))?;
        Ok((
            Store {
                dir: dir.to_path_buf(),
                max_file_bytes,
                active: None,
                next_seq,
                commit,
                committed: Committed::default(),
                sorter: Some((tx, sorter)),
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
            if a.ordered {
                // In order: nothing to sort. A marker that cannot be removed only makes the
                // next start read the file once more.
                let _ = std::fs::remove_file(marker(&self.dir, &a.name));
            } else {
                // Its marker, made with it, stays until the sort is done.
                let sent = self
                    .sorter
                    .as_ref()
                    .is_some_and(|(tx, _)| tx.send(a.name.clone()).is_ok());
                if !sent {
                    eprintln!(
                        "tokencast collect: warning: {}: left out of time order (the sorting \
                         thread has stopped); the next start sorts it",
                        a.name
                    );
                }
            }
        }
        Ok(())
    }

    /// Close the file being written and wait for the sorts under way.
    pub fn finish(&mut self) -> io::Result<()> {
        let closed = self.close();
        if let Some((tx, sorter)) = self.sorter.take() {
            drop(tx);
            let _ = sorter.join();
        }
        closed
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
        let path = self.dir.join(&name);
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)?;
        // Its marker, until it is known to be in order; then both names must survive a crash
        // as its rows do.
        let marked =
            File::create(marker(&self.dir, &name)).and_then(|_| File::open(&self.dir)?.sync_all());
        if let Err(e) = marked {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        self.next_seq += 1;
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
        let _ = self.finish();
    }
}

/// The marker of a file to sort, and the file its sorted rows are written to.
fn marker(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.sorting"))
}

/// FNV-1a (64 bits) of `bytes`: the commit record's check.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A mutex's guard, whether or not a panic poisoned it (what it guards stays consistent).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Overwrite the commit record with `name` committed to `len` bytes, and sync it.
fn write_commit(commit: &File, name: &str, len: u64) -> io::Result<()> {
    let mut record = [b' '; COMMIT_BYTES];
    let text = format!("{name} {len}");
    let text = format!("{text} {:016x}", fnv1a(text.as_bytes()));
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
    let fields: Vec<&str> = text.split(' ').collect();
    let (name, len) = match fields[..] {
        // Written before the record had its check.
        [name, len] => (name, len),
        [name, len, check] => {
            let checked = text.rsplit_once(' ')?.0;
            (u64::from_str_radix(check, 16).ok()? == fnv1a(checked.as_bytes())).then_some(())?;
            (name, len)
        }
        _ => return None,
    };
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
    // The last newline, read backwards a block at a time (never the file whole).
    let mut block = vec![0u8; 64 * 1024];
    let mut end = len;
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(block.len() as u64);
        let piece = &mut block[..(end - start) as usize];
        f.read_exact_at(piece, start)
            .map_err(|e| format!("{shown}: {e}"))?;
        if let Some(i) = piece.iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        end = start;
    };
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.set_len(keep)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: cannot cut its torn last line: {e}", path.display()))?;
    Ok(len - keep)
}

/// The timestamp a line the store wrote opens with (`{"timestamp":N,`).
fn line_time(line: &[u8]) -> Option<i64> {
    let rest = line.strip_prefix(b"{\"timestamp\":")?;
    let end = rest.iter().position(|&b| b == b',' || b == b'}')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Sort the data file `name` of `dir` by time if it is not in order (whether it was), and
/// remove its marker. One pass indexes the rows (time, offset: 16 bytes each); the rows are
/// then copied in time order into the marker file, which is synced and renamed over the file.
fn sort_file(dir: &Path, name: &str) -> Result<bool, String> {
    let path = dir.join(name);
    let shown = path.display();
    let tmp = marker(dir, name);
    let file = File::open(&path).map_err(|e| format!("{shown}: {e}"))?;
    let mut reader = io::BufReader::with_capacity(1 << 20, &file);
    let mut index: Vec<(i64, u64)> = Vec::new();
    let mut line = Vec::new();
    let mut at = 0u64;
    let mut ordered = true;
    let mut last = i64::MIN;
    loop {
        line.clear();
        let got = io::BufRead::read_until(&mut reader, b'\n', &mut line)
            .map_err(|e| format!("{shown}: {e}"))?;
        if got == 0 {
            break;
        }
        let t = line_time(&line)
            .filter(|_| line.ends_with(b"\n"))
            .ok_or_else(|| {
                format!(
                    "{shown}:{}: not a row `tokencast collect` writes (it opens with \
                 {{\"timestamp\":N, and ends with a newline); leave the collector's files as it \
                 writes them",
                    index.len() + 1
                )
            })?;
        ordered &= t >= last;
        last = last.max(t);
        index.push((t, at));
        at += got as u64;
    }
    if ordered {
        let _ = std::fs::remove_file(&tmp);
        return Ok(false);
    }
    let end = at;
    // Each row's length, from the next row's offset, before the order changes.
    let lengths: Vec<u32> = (0..index.len())
        .map(|i| {
            let next = index.get(i + 1).map_or(end, |r| r.1);
            u32::try_from(next - index[i].1).unwrap_or(u32::MAX)
        })
        .collect();
    let mut order: Vec<u32> = (0..index.len() as u32).collect();
    // Stable: rows of one time keep their arrival order.
    order.sort_by_key(|&i| index[i as usize].0);
    let written = (|| -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        let mut row = Vec::new();
        for &i in &order {
            row.resize(lengths[i as usize] as usize, 0);
            file.read_exact_at(&mut row, index[i as usize].1)?;
            out.write_all(&row)?;
        }
        let out = out.into_inner().map_err(|e| e.into_error())?;
        out.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        File::open(dir)?.sync_all()
    })();
    written.map_err(|e| {
        // An empty marker stays: the next start sorts the file again.
        let _ = File::create(&tmp);
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

    #[test]
    fn a_sort_a_crash_interrupted_is_done_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            "spans-2024-10-04-000001.jsonl",
            "spans-2024-10-04-000002.jsonl",
            "spans-2024-10-04-000003.jsonl",
        );
        // `a` was closed and sorted, `b` closed and being sorted (its marker holds part of
        // the sorted rows), `c` the last file, left open by the crash.
        std::fs::write(dir.path().join(a), row(1) + &row(2)).unwrap();
        std::fs::write(dir.path().join(b), row(9) + &row(3) + &row(5)).unwrap();
        std::fs::write(marker(dir.path(), b), row(3)).unwrap();
        std::fs::write(dir.path().join(c), row(8) + &row(7)).unwrap();
        // A marker whose file is gone.
        std::fs::write(marker(dir.path(), "spans-2024-10-03-000009.jsonl"), "").unwrap();
        let (s, rec) = Store::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(rec.sorted, 2);
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(read(b), row(3) + &row(5) + &row(9));
        assert_eq!(read(c), row(7) + &row(8));
        drop(s);
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sorting"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_file_is_marked_until_it_is_known_to_be_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = Store::open(dir.path(), 1 << 20).unwrap();
        let (b, t) = rows(&[1, 2]);
        s.append(&b, &t, 20_000 * DAY).unwrap();
        let name = s.active_file().unwrap().to_string();
        assert!(marker(dir.path(), &name).exists());
        s.close().unwrap();
        assert!(!marker(dir.path(), &name).exists());
        // Out of order: marked until its sort is done, then in order and unmarked.
        let (b, t) = rows(&[9, 3]);
        s.append(&b, &t, 20_000 * DAY).unwrap();
        let name = s.active_file().unwrap().to_string();
        s.finish().unwrap();
        assert!(!marker(dir.path(), &name).exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&name)).unwrap(),
            row(3) + &row(9)
        );
    }

    #[test]
    fn a_commit_record_that_does_not_check_is_reported_and_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let name;
        {
            let (mut s, _) = Store::open(dir.path(), 1 << 20).unwrap();
            let (b, t) = rows(&[1, 2]);
            s.append(&b, &t, 20_000 * DAY).unwrap();
            name = s.active_file().unwrap().to_string();
            // A whole row written after the commit, never acknowledged, then a crash.
            let mut f = OpenOptions::new()
                .append(true)
                .open(dir.path().join(&name))
                .unwrap();
            f.write_all(row(3).as_bytes()).unwrap();
            s.active = None;
        }
        let commit = dir.path().join(".commit");
        let mut record = std::fs::read(&commit).unwrap();
        assert_eq!(record.len(), COMMIT_BYTES);
        // The length's last digit changed, the check not.
        let text = String::from_utf8(record.clone()).unwrap();
        let at = text.find(&format!("{name} ")).unwrap() + name.len() + 1;
        record[at] = if record[at] == b'9' { b'8' } else { b'9' };
        std::fs::write(&commit, &record).unwrap();
        let (_s, rec) = Store::open(dir.path(), 1 << 20).unwrap();
        let e = rec.commit_unreadable.unwrap();
        assert!(e.contains("the commit record does not check"), "{e}");
        // Not cut to a length it cannot trust: only torn lines would be.
        assert_eq!(rec.cut_bytes, 0);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&name)).unwrap(),
            row(1) + &row(2) + &row(3)
        );
    }

    #[test]
    fn the_commit_record_checks_its_name_and_length() {
        let dir = tempfile::tempdir().unwrap();
        let f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(dir.path().join(".commit"))
            .unwrap();
        write_commit(&f, "spans-2024-10-04-000001.jsonl", 4_096).unwrap();
        let mut record = [0u8; COMMIT_BYTES];
        f.read_at(&mut record, 0).unwrap();
        assert_eq!(
            parse_commit(&record),
            Some(("spans-2024-10-04-000001.jsonl".to_string(), 4_096))
        );
        record[10] = b'7';
        assert_eq!(parse_commit(&record), None);
        // As versions before the check wrote it: read as written.
        let mut old = [b' '; COMMIT_BYTES];
        let text = b"spans-2024-10-04-000003.jsonl 812";
        old[..text.len()].copy_from_slice(text);
        old[COMMIT_BYTES - 1] = b'\n';
        assert_eq!(
            parse_commit(&old),
            Some(("spans-2024-10-04-000003.jsonl".to_string(), 812))
        );
    }

    #[test]
    fn a_file_that_cannot_be_made_refuses_the_group_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let now = 20_000 * DAY;
        let (mut s, _) = Store::open(dir.path(), 100).unwrap();
        let (b, t) = rows(&[1, 2]);
        s.append(&b, &t, now).unwrap();
        let first = s.active_file().unwrap().to_string();
        // The next file's name is taken (as by a directory that cannot be written to): the
        // rotation fails, and the group with it.
        let next = dir.path().join("spans-2024-10-04-000002.jsonl");
        std::fs::create_dir(&next).unwrap();
        let (b, t) = rows(&[3, 4]);
        assert!(s.append(&b, &t, now).is_err());
        assert!(s.append(&b, &t, now).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&first)).unwrap(),
            row(1) + &row(2)
        );
        // Once it can, it takes the group.
        std::fs::remove_dir(&next).unwrap();
        s.append(&b, &t, now).unwrap();
        drop(s);
        assert_eq!(std::fs::read_to_string(&next).unwrap(), row(3) + &row(4));
    }
}
