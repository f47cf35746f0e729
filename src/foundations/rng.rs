//! Seeded random streams, one per (run, purpose, name).
//!
//! Run `i` of a scenario with seed `s` gets a ChaCha8 key derived from `(s, i)`; inside a run,
//! every consumer of randomness (an endpoint's arrivals, its session shapes, its token sizes, and
//! later each cost lever) draws from its own stream, selected by a stable hash of the endpoint's
//! *name* and the purpose. So:
//!
//! - results do not depend on thread count (no per-thread generator, no `thread_rng`);
//! - switching a lever on never changes the traffic it sees (common random numbers);
//! - adding, removing or editing one endpoint leaves every other endpoint's traffic identical,
//!   which is what lets `tokencast diff` attribute a change exactly.
//!
//! The ChaCha8 stream selected that way only seeds the generator the consumer draws from,
//! [`StreamRng`] (xoshiro256++, Blackman and Vigna 2019): 256 bits of state, period 2^256 − 1,
//! passes BigCrush and PractRand, and costs a few instructions per 64-bit draw where ChaCha8
//! costs a block refill every 32 draws. A simulation draws about six numbers per request, so the
//! generator is a visible share of a run; its output needs no cryptographic strength. Seeding
//! from ChaCha8 keeps every stream's key as described above (distinct streams start from
//! unrelated 256-bit states; overlapping stretches of a 2^256 period are out of reach).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is used for. The discriminant is part of the stream id: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Session arrival times.
    Arrivals = 1,
    /// Session shape: turns, think times, user ids.
    Sessions = 2,
    /// Token sizes of prompts and outputs.
    Tokens = 3,
    /// Model tiering: which model a request is routed to, and cascade escalations.
    Routing = 10,
    /// Batch turnaround times.
    Batch = 20,
    /// Query intents of an endpoint with `traffic.queries`.
    Queries = 4,
    /// Semantic-cache lookups of one endpoint under one strategy (recognised or not).
    SemanticCache = 5,
    /// Documents of an endpoint with `prompt.documents`: whether a session sends one, and
    /// which.
    Documents = 6,
    /// The size of one document of an endpoint's pool, keyed by the document's id instead of
    /// a run's: every run sees the same pool.
    DocumentSize = 7,
    /// The sample of session openings that estimates the expected share of an endpoint's
    /// sessions in each band of `traffic.turns_by_opening` (keyed by the endpoint, not a run:
    /// a property of the scenario's distributions).
    OpeningShares = 8,
    /// The draw of one uncertain parameter for one run (named by its field path).
    Uncertain = 30,
    /// The stratum each run of a block of runs draws an uncertain parameter from (named by its
    /// field path; keyed by the block's number instead of a run's).
    Strata = 31,
}

/// SplitMix64 step: a well-mixed 64-bit value from a counter.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of a string: stable across platforms and Rust versions (unlike `DefaultHasher`).
pub fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// A hasher for keys that are already well-mixed 64-bit values (the output of
/// [`splitmix64`]): it passes them through, so maps keyed by them skip SipHash on the hot path.
#[derive(Debug, Clone, Copy, Default)]
pub struct MixedKeyHasher(u64);

impl std::hash::Hasher for MixedKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are expected; anything else is still hashed, just slowly.
        for b in bytes {
            self.0 = splitmix64(self.0 ^ u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 ^= x;
    }
}

/// A `HashMap` keyed by mixed `u64` values.
pub type MixedKeyMap<V> =
    std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<MixedKeyHasher>>;

/// The generator for run `run` of a scenario seeded with `seed`, for `purpose` of the component
/// called `name` (an endpoint or lever name).
pub fn stream(seed: u64, run: u64, name: &str, purpose: Purpose) -> StreamRng {
    StreamRng::from_rng(&mut chacha_stream(seed, run, name, purpose))
}

/// The ChaCha8 stream that seeds [`stream`]`(seed, run, name, purpose)`.
fn chacha_stream(seed: u64, run: u64, name: &str, purpose: Purpose) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let mut state = splitmix64(seed) ^ splitmix64(run.wrapping_add(0x5151_5151));
    for chunk in key.chunks_exact_mut(8) {
        state = splitmix64(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(splitmix64(
        stable_hash(name) ^ (purpose as u64).wrapping_mul(0x9E37_79B9),
    ));
    rng
}

/// xoshiro256++: the generator every simulation stream draws from (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRng {
    s: [u64; 4],
}

impl StreamRng {
    /// A generator with state `s` (all zeros, the one state xoshiro cannot leave, is replaced
    /// by a fixed non-zero state).
    pub fn from_state(s: [u64; 4]) -> StreamRng {
        if s == [0; 4] {
            return StreamRng {
                s: [0x9E37_79B9_7F4A_7C15, 1, 2, 3],
            };
        }
        StreamRng { s }
    }
}

impl rand::TryRng for StreamRng {
    type Error = std::convert::Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        // The high half: the better bits of any xorshift-family output.
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        Ok(out)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl SeedableRng for StreamRng {
    type Seed = [u8; 32];

    /// The state is the seed's four little-endian 64-bit words.
    fn from_seed(seed: [u8; 32]) -> StreamRng {
        let mut s = [0u64; 4];
        for (w, chunk) in s.iter_mut().zip(seed.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
        }
        StreamRng::from_state(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first(seed: u64, run: u64, name: &str, p: Purpose) -> [u64; 4] {
        let mut r = stream(seed, run, name, p);
        [r.random(), r.random(), r.random(), r.random()]
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = first(1, 0, "chat", Purpose::Tokens);
        assert_eq!(a, first(1, 0, "chat", Purpose::Tokens));
        assert_ne!(a, first(2, 0, "chat", Purpose::Tokens));
        assert_ne!(a, first(1, 1, "chat", Purpose::Tokens));
        assert_ne!(a, first(1, 0, "search", Purpose::Tokens));
        assert_ne!(a, first(1, 0, "chat", Purpose::Arrivals));
    }

    const REFERENCE: [u64; 6] = [
        41943041,
        58720359,
        3588806011781223,
        3591011842654386,
        9228616714210784205,
        9973669472204895162,
    ];

    #[test]
    fn stream_rng_is_xoshiro256plusplus() {
        // The reference implementation (prng.di.unimi.it/xoshiro256plusplus.c) from state
        // {1, 2, 3, 4}.
        use rand::Rng;
        let mut r = StreamRng::from_state([1, 2, 3, 4]);
        let got: Vec<u64> = (0..6).map(|_| r.next_u64()).collect();
        assert_eq!(got, REFERENCE);
        assert_eq!(StreamRng::from_state([0; 4]), StreamRng::from_state([0; 4]));
        assert_ne!(StreamRng::from_state([0; 4]).next_u64(), 0);
    }

    #[test]
    fn stable_hash_is_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
