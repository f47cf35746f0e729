//! Who may send, and how fast: an optional bearer token (`--token-file`) and an optional
//! rate limit on export requests (`--max-requests-per-second`).
//!
//! The token is compared in constant time. Without `--token-file` anyone who can reach the
//! address may send, which is why the receiver binds loopback unless told otherwise. The rate
//! limit is a token bucket holding one second of requests: past it, OTLP/HTTP answers 429
//! with `Retry-After: 1` and OTLP/gRPC `RESOURCE_EXHAUSTED`, which exporters retry.

use std::sync::Mutex;
use std::time::Instant;

/// The longest token read from `--token-file`.
const MAX_TOKEN_BYTES: usize = 4096;

/// The bearer token in `path`: its first line, trimmed; refused when empty, too long, or not
/// printable ASCII (what an `Authorization` header can carry).
pub fn read_token(path: &std::path::Path) -> Result<String, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--token-file {shown}: {e}"))?;
    let token = text.lines().next().unwrap_or("").trim();
    if token.is_empty() {
        return Err(format!(
            "--token-file {shown}: the file is empty; its first line is the bearer token clients \
             send as `Authorization: Bearer TOKEN`"
        ));
    }
    if token.len() > MAX_TOKEN_BYTES || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "--token-file {shown}: the token must be 1 to {MAX_TOKEN_BYTES} printable ASCII \
             characters without spaces"
        ));
    }
    Ok(token.to_string())
}

/// Whether an `Authorization` header value carries `token`.
pub(crate) fn authorized(token: &str, header: Option<&[u8]>) -> bool {
    let Some(value) = header else {
        return false;
    };
    let Some(given) = value
        .strip_prefix(b"Bearer ")
        .or_else(|| value.strip_prefix(b"bearer "))
    else {
        return false;
    };
    let given = given.trim_ascii();
    // Constant time in the token's content (its length is not a secret worth hiding).
    given.len() == token.len()
        && given
            .iter()
            .zip(token.as_bytes())
            .fold(0u8, |d, (a, b)| d | (a ^ b))
            == 0
}

/// A token bucket of export requests.
pub(crate) struct RateLimit {
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    /// At most `per_second` requests a second, in bursts of up to as many.
    pub(crate) fn new(per_second: u64) -> RateLimit {
        let per_second = per_second as f64;
        RateLimit {
            per_second,
            state: Mutex::new((per_second, Instant::now())),
        }
    }

    /// Take one request's token: whether it may go on.
    pub(crate) fn admit(&self) -> bool {
        let mut s = super::store::lock(&self.state);
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.per_second;
        s.0 = (s.0 + refill).min(self.per_second);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_token_must_match_exactly() {
        assert!(authorized("s3cret", Some(b"Bearer s3cret")));
        assert!(authorized("s3cret", Some(b"bearer s3cret ")));
        assert!(!authorized("s3cret", Some(b"Bearer s3cre")));
        assert!(!authorized("s3cret", Some(b"Bearer s3cret2")));
        assert!(!authorized("s3cret", Some(b"Basic s3cret")));
        assert!(!authorized("s3cret", Some(b"s3cret")));
        assert!(!authorized("s3cret", None));
    }

    #[test]
    fn the_bucket_holds_one_second_of_requests() {
        let r = RateLimit::new(3);
        assert!(r.admit() && r.admit() && r.admit());
        assert!(!r.admit());
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert!(r.admit());
    }

    #[test]
    fn a_token_file_must_hold_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, "  abc123\nignored\n").unwrap();
        assert_eq!(read_token(&p).unwrap(), "abc123");
        std::fs::write(&p, "\n").unwrap();
        assert!(read_token(&p).unwrap_err().contains("the file is empty"));
        std::fs::write(&p, "a b").unwrap();
        assert!(read_token(&p).unwrap_err().contains("printable ASCII"));
    }
}
