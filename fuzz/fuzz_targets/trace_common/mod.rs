//! Shared by the trace targets: read a whole trace from bytes, as `replay` and `fit` stream a
//! file, then audit it as `tokencast audit --skip-bad-rows` does.

use std::io::Cursor;

use tokencast::Catalog;
use tokencast::audit::{AuditOptions, audit};
use tokencast::workload::trace::{TraceFormat, TraceReader, TraceRecord};

/// Read every row of `data` in `format` (detected when `None`), through the end even after
/// a bad row, and take the digest of what was read; then audit the same bytes.
pub fn read_all(data: &[u8], format: Option<TraceFormat>) {
    let open = || TraceReader::from_reader("fuzz", Box::new(Cursor::new(data.to_vec())), format);
    let Ok(mut reader) = open() else {
        return;
    };
    let mut record = TraceRecord::default();
    while reader.read_into(&mut record).is_some() {}
    let _ = reader.sha256();
    if let Ok(reader) = open() {
        let opts = AuditOptions {
            default_model: Some("claude-sonnet-4-6".to_string()),
            skip_bad_rows: true,
            ..AuditOptions::default()
        };
        let _ = audit(reader, &Catalog::builtin(), &opts);
    }
}
