//! User ids kept as keyed hashes (`--hash-user-ids`).

/// The key of user-id hashes, kept in `DATA/.user-key` (created with 32 random bytes from
/// the operating system on first use, readable by its owner only), so a user's hash is the
/// same across restarts and unknown to whoever reads only the rows.
pub(crate) fn user_key(dir: &std::path::Path) -> Result<[u8; 32], String> {
    use std::io::Read;
    let path = dir.join(".user-key");
    let shown = path.display();
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "{shown}: {} bytes; the key of user-id hashes is 32 bytes (delete the file to \
                 start a new key, which changes every user's hash)",
                b.len()
            )
        });
    }
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{shown}: {e}"))?;
    use std::io::Write;
    f.write_all(&key)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{shown}: {e}"))?;
    Ok(key)
}

/// HMAC-SHA-256 of `message` under `key` (RFC 2104), as 64 hex digits.
pub fn keyed_hash(key: &[u8; 32], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2's message under a 32-byte key; checked against
        // `printf 'what do ya want for nothing?' | openssl dgst -sha256 -hmac` with the key
        // "Jefe" padded to 32 bytes with zeros (HMAC pads short keys with zeros).
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            keyed_hash(&key, b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
