//! Reading a LiteLLM entry: which price keys tokencast understands ([`parse_key`]), the
//! per-token to per-million conversion ([`per_million`]), and typed reads of numbers and token
//! counts that say what was wrong when a value has the wrong type.

use serde_json::{Map, Value};

use super::{IN, OUT, READ, REASONING, SkipReason, WRITE_1H, WRITE_5M, WRITE_24H};
use crate::foundations::pricing::billing::ServiceTier;

/// Split a price key into (service tier, long-context threshold in tokens, slot). `None` for
/// keys tokencast does not read.
pub(super) fn parse_key(key: &str) -> Option<(ServiceTier, Option<u64>, usize)> {
    const PREFIXES: [(&str, usize); 5] = [
        ("input_cost_per_token", IN),
        ("output_cost_per_token", OUT),
        ("output_cost_per_reasoning_token", REASONING),
        ("cache_read_input_token_cost", READ),
        ("cache_creation_input_token_cost", WRITE_5M),
    ];
    let (mut rest, mut slot) = PREFIXES
        .iter()
        .find_map(|&(p, s)| key.strip_prefix(p).map(|r| (r, s)))?;
    if slot == WRITE_5M {
        if let Some(r) = rest.strip_prefix("_above_1hr") {
            (rest, slot) = (r, WRITE_1H);
        } else if let Some(r) = rest.strip_prefix("_above_12hr") {
            (rest, slot) = (r, WRITE_24H);
        }
    }
    let mut threshold = None;
    if let Some(r) = rest.strip_prefix("_above_") {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        let (num, tail) = r.split_at(digits);
        rest = tail.strip_prefix("k_tokens")?;
        threshold = Some(num.parse::<u64>().ok()?.checked_mul(1000)?);
    }
    let service = match rest {
        "" => ServiceTier::Standard,
        "_batches" => ServiceTier::Batch,
        "_flex" => ServiceTier::Flex,
        _ => return None,
    };
    Some((service, threshold, slot))
}

/// USD per token -> USD per million tokens, by moving the decimal exponent of the shortest
/// representation (exact for every price LiteLLM writes, unlike `x * 1e6`).
pub(super) fn per_million(per_token: f64) -> f64 {
    let s = format!("{per_token:e}");
    if let Some((mantissa, exp)) = s.split_once('e')
        && let Ok(exp) = exp.parse::<i32>()
        && let Ok(v) = format!("{mantissa}e{}", exp + 6).parse::<f64>()
    {
        return v;
    }
    per_token * 1e6
}

pub(super) fn number(obj: &Map<String, Value>, key: &str) -> Result<Option<f64>, SkipReason> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(other) => Err(SkipReason::BadValue {
            field: key.to_string(),
            message: format!("expected a number, found {other}"),
        }),
    }
}

pub(super) fn count(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, SkipReason> {
    match number(obj, key)? {
        None => Ok(None),
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 9.0e15 => Ok(Some(x as u64)),
        Some(x) => Err(SkipReason::BadValue {
            field: key.to_string(),
            message: format!("expected a whole number of tokens, found {x}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_million_is_exact_decimal_shift() {
        assert_eq!(per_million(3e-6), 3.0);
        assert_eq!(per_million(1.345e-7), 0.1345);
        assert_eq!(per_million(3.75e-6), 3.75);
        assert_eq!(per_million(6e-9), 0.006);
        assert_eq!(per_million(0.0), 0.0);
        assert_eq!(per_million(2.5e-5), 25.0);
        // The naive product is not exact; the shift is.
        assert_ne!(1.345e-7 * 1e6, 0.1345);
    }

    #[test]
    fn parse_key_splits_tier_threshold_and_slot() {
        use ServiceTier::{Batch, Flex, Standard};
        assert_eq!(
            parse_key("input_cost_per_token"),
            Some((Standard, None, IN))
        );
        assert_eq!(
            parse_key("output_cost_per_token_flex"),
            Some((Flex, None, OUT))
        );
        assert_eq!(
            parse_key("input_cost_per_token_above_272k_tokens_batches"),
            Some((Batch, Some(272_000), IN))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_1hr"),
            Some((Standard, None, WRITE_1H))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_12hr_above_272k_tokens_flex"),
            Some((Flex, Some(272_000), WRITE_24H))
        );
        assert_eq!(
            parse_key("cache_creation_input_token_cost_above_128k_tokens"),
            Some((Standard, Some(128_000), WRITE_5M))
        );
        assert_eq!(
            parse_key("output_cost_per_reasoning_token"),
            Some((Standard, None, REASONING))
        );
        for ignored in [
            "input_cost_per_token_priority",
            "input_cost_per_token_above_272k_tokens_priority",
            "input_cost_per_token_cache_hit",
            "input_cost_per_audio_token",
            "cache_read_input_audio_token_cost",
            "input_cost_per_video_per_second_above_15s_interval",
            "input_cost_per_token_above_k_tokens",
            "output_cost_per_token_batches_extra",
        ] {
            assert_eq!(parse_key(ignored), None, "{ignored}");
        }
    }
}
