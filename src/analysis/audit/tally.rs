//! What an audit keeps while it reads a trace row by row: the ledger of tokens per day,
//! endpoint, model and tier, and the few counts the audit section needs (cost per user, token
//! lengths for exact medians, prefix blocks and intents seen, sessions).
//!
//! This is the hot path of `tokencast audit`: [`Tally::add`] runs once per row and allocates
//! only when a row brings something new (an endpoint, a ledger line, a user, a session, an
//! intent), never the row itself.

use std::sync::Arc;

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bill::bill;
use super::breakdown::Breakdowns;
use super::recorded::RecordedCosts;
use super::strmap::StrMap;
use crate::foundations::ledger::{Ledger, LineKey, tally};
use crate::foundations::pricing::{Bucket, Catalog, ModelPrice, PriceTier, ServiceTier, Ttl};
use crate::model::workload::trace::{self, TraceRecord, TraceRunError};
use crate::simulation::pipeline::ModelTable;

/// Everything read from the rows so far.
pub(super) struct Tally {
    /// Models in the order rows first named them.
    pub(super) models: ModelTable,
    /// Endpoint names in the order rows first named them (`all` for rows without one).
    pub(super) endpoints: Vec<String>,
    endpoint_index: HashMap<String, u16>,
    /// Tokens and requests per day and line; sessions per endpoint.
    pub(super) ledger: Ledger,
    lines: HashMap<(u16, u16, ServiceTier, PriceTier), usize>,
    /// Long-context threshold of each model (`u64::MAX` when it has none).
    thresholds: HashMap<u16, u64>,
    /// Cost and requests per user id.
    pub(super) user_cost: StrMap<(f64, u64)>,
    /// Rows per prompt length.
    pub(super) input_counts: HashMap<u64, u64>,
    /// Rows per output length.
    pub(super) output_counts: HashMap<u64, u64>,
    seen_blocks: HashSet<u64>,
    /// Prompt tokens in blocks that repeat a prefix seen earlier, of rows with prefix hashes.
    reuse_tokens: u64,
    /// Prompt tokens of rows with prefix hashes.
    hashed_tokens: u64,
    /// Distinct intents of each endpoint, by endpoint index (a set per endpoint, so that a
    /// row's intent is looked up without copying it).
    intents: Vec<HashSet<String>>,
    /// Rows with an intent.
    intent_rows: u64,
    /// Sessions seen, with the endpoint whose session count they were added to.
    sessions: StrMap<u16>,
    /// Day 0, set by the first row.
    pub(super) day0_ms: Option<i64>,
    /// Prices of each model, by index.
    prices: Vec<Arc<ModelPrice>>,
    /// The previous row's model and its index.
    last_model: Option<(String, u16)>,
    /// The previous row's endpoint and its index.
    last_endpoint: Option<(String, u16)>,
    /// Recorded costs against prices, per model.
    pub(super) recorded: RecordedCosts,
    /// Costs by each `--by` key.
    pub(super) breakdowns: Breakdowns,
    /// Tokens per prefix block when a row does not say (the trace format's).
    default_block: Option<u64>,
    /// Rows read.
    pub(super) rows: u64,
    /// Bad rows skipped.
    pub(super) skipped: u64,
    /// The lines of the first 20 bad rows skipped.
    pub(super) skipped_lines: Vec<u64>,
    /// Sum of prompt lengths.
    pub(super) sum_in: u64,
    /// Sum of output lengths.
    pub(super) sum_out: u64,
    /// Requests the rows stand for (one per row of a request log; a usage report's buckets
    /// say how many, or not: see `requests_known`).
    pub(super) requests: u64,
    /// Whether each row is a bucket of requests (a provider's usage report): no medians, and
    /// the long-context tier is what the row says, never guessed from its summed tokens.
    pub(super) bucketed: bool,
    /// Whether rows say how many requests they are (Anthropic's usage report does not).
    pub(super) requests_known: bool,
    /// Whether the recorded costs come from a cost report (`--recorded-costs`) rather than
    /// each row: rows are then priced into the comparison without a cost of their own.
    pub(super) cost_report: bool,
    /// What the reader must know about how rows were priced, each said once.
    pub(super) warnings: BTreeSet<String>,
    /// Earliest and latest row times.
    pub(super) span_ms: Option<(i64, i64)>,
}

impl Tally {
    /// Nothing read yet, of a trace whose rows are `bucketed` (or requests) and say their
    /// number of requests or not (`requests_known`); `default_block` is the trace format's
    /// tokens per prefix block; `day0_ms` is day 0 when known before the first row (a piece of a
    /// file read by several threads), else the first row sets it.
    pub(super) fn new(
        default_block: Option<u64>,
        breakdowns: Breakdowns,
        day0_ms: Option<i64>,
        bucketed: bool,
        requests_known: bool,
    ) -> Tally {
        Tally {
            models: ModelTable::default(),
            endpoints: Vec::new(),
            endpoint_index: HashMap::default(),
            ledger: Ledger::new(1, 0),
            lines: HashMap::default(),
            thresholds: HashMap::default(),
            user_cost: StrMap::default(),
            input_counts: HashMap::default(),
            output_counts: HashMap::default(),
            seen_blocks: HashSet::default(),
            reuse_tokens: 0,
            hashed_tokens: 0,
            intents: Vec::new(),
            intent_rows: 0,
            sessions: StrMap::default(),
            day0_ms,
            prices: Vec::new(),
            last_model: None,
            last_endpoint: None,
            recorded: RecordedCosts::default(),
            breakdowns,
            default_block,
            rows: 0,
            skipped: 0,
            skipped_lines: Vec::new(),
            sum_in: 0,
            sum_out: 0,
            requests: 0,
            bucketed,
            requests_known,
            cost_report: false,
            warnings: BTreeSet::new(),
            span_ms: None,
        }
    }

    /// A bad row skipped at `line`.
    #[inline]
    pub(super) fn skip(&mut self, line: u64) {
        self.skipped += 1;
        if self.skipped_lines.len() < 20 {
            self.skipped_lines.push(line);
        }
    }

    /// Bill one row on its model (`default_model` for rows that name none) and count it;
    /// returns its cost.
    #[inline]
    pub(super) fn add(
        &mut self,
        r: &TraceRecord,
        catalog: &Catalog,
        default_model: Option<&str>,
        path: &str,
    ) -> Result<f64, TraceRunError> {
        let model = self.model(r, catalog, default_model, path)?;
        let price = Arc::clone(&self.prices[model as usize]);
        let price = &*price;
        let model_id = self.models.ids[model as usize].as_str();
        check_write_ttls(r, price).map_err(|ttl| TraceRunError::Row {
            path: path.to_string(),
            line: r.line,
            message: no_ttl_message(r, model_id, price, ttl, &catalog.source),
        })?;
        let day = self.day_of(r, path)?;
        let ep = self.endpoint(r.endpoint.as_deref().unwrap_or("all"));
        let (service, tier) = self.tiers(r, model, price);
        self.ledger.ensure(day + 1, self.endpoints.len());
        let line = self.line(LineKey {
            endpoint: ep,
            model,
            service,
            price_tier: tier,
        });
        let tokens = split_tokens(r, write_bucket(price));
        let cost = bill(&tokens, price, service, tier).map_err(|b| TraceRunError::Row {
            path: path.to_string(),
            line: r.line,
            message: format!(
                "{:?} has no {} price at {:?} prices in {}",
                self.models.ids[model as usize],
                b.name(),
                service,
                catalog.source
            ),
        })?;
        let cell = self.ledger.cell_mut(line, day);
        for (c, t) in cell.tokens.iter_mut().zip(tokens) {
            tally(c, t);
        }
        tally(&mut cell.requests, r.requests);
        match (r.recorded_cost, self.cost_report) {
            (Some(_), true) => {
                return Err(TraceRunError::Row {
                    path: path.to_string(),
                    line: r.line,
                    message: "the row records its own cost and --recorded-costs gives a cost \
                              report too; compare one of them"
                        .into(),
                });
            }
            (None, true) => self
                .recorded
                .add_priced(model, cost, &tokens, price, service, tier),
            (Some(recorded), false) => self
                .recorded
                .add(model, recorded, cost, &tokens, price, service, tier),
            (None, false) => self.recorded.without_cost(),
        }
        self.span_ms = Some(match self.span_ms {
            Some((lo, hi)) => (lo.min(r.time_ms), hi.max(r.time_ms)),
            None => (r.time_ms, r.time_ms),
        });
        self.breakdowns.add(
            r,
            &self.endpoints[ep as usize],
            &self.models.ids[model as usize],
            cost,
        );
        self.count_user(r, cost);
        self.count_session(r, ep);
        self.count_prefix_reuse(r);
        self.count_intent(r, ep);
        self.count_sizes(r);
        Ok(cost)
    }

    /// The row's day since day 0, which the first row sets. A row more than a day before the
    /// first row's is an error.
    #[inline]
    fn day_of(&mut self, r: &TraceRecord, path: &str) -> Result<u32, TraceRunError> {
        // Dated traces start their day 0 at the UTC midnight before the first row.
        let day0_ms = *self
            .day0_ms
            .get_or_insert_with(|| trace::day0_ms(r.time_ms));
        let row_error = |message| TraceRunError::Row {
            path: path.to_string(),
            line: r.line,
            message,
        };
        if r.time_ms < day0_ms {
            return Err(row_error(format!(
                "timestamp is more than a day before the first row's; audit accepts unsorted rows within the trace's span (first row's day starts at {day0_ms} ms)"
            )));
        }
        trace::day_of(r.time_ms, day0_ms).map_err(row_error)
    }

    /// The row's service tier (batch rows at batch prices) and price tier (long context when
    /// its prompt is above the model's threshold).
    #[inline]
    fn tiers(
        &mut self,
        r: &TraceRecord,
        model: u16,
        price: &ModelPrice,
    ) -> (ServiceTier, PriceTier) {
        let threshold = *self.thresholds.entry(model).or_insert_with(|| {
            price
                .long_context
                .as_ref()
                .map(|t| t.above_input_tokens)
                .unwrap_or(u64::MAX)
        });
        let service = if r.batch == Some(true) {
            ServiceTier::Batch
        } else {
            ServiceTier::Standard
        };
        if self.bucketed {
            self.bucket_warnings(r, model, threshold);
        }
        let long = match r.long_context {
            Some(long) => long && threshold < u64::MAX,
            None => !self.bucketed && r.input_tokens > threshold,
        };
        let tier = if long {
            PriceTier::LongContext
        } else {
            PriceTier::Base
        };
        (service, tier)
    }

    /// What a bucket of a usage report cannot say and how it was priced instead: whether its
    /// requests were above the model's long-context threshold, and service tiers without a
    /// price of their own here.
    #[cold]
    fn bucket_warnings(&mut self, r: &TraceRecord, model: u16, threshold: u64) {
        let model_id = &self.models.ids[model as usize];
        if r.long_context.is_none() && threshold < u64::MAX {
            self.warnings.insert(format!(
                "{model_id}: the usage report does not say which requests had prompts above the \
                 model's long-context threshold ({threshold} tokens), so its buckets are priced at \
                 base rates; the bill is higher if some were"
            ));
        }
        if let Some((_, tier)) = r.tags.iter().find(|(k, _)| k == "service_tier")
            && !matches!(tier.as_str(), "default" | "standard" | "batch" | "auto")
        {
            self.warnings.insert(format!(
                "service tier {tier:?}: tokencast has no price of its own for it, so its buckets \
                 are priced at standard rates (or batch rates when marked batch)"
            ));
        }
    }

    /// The index of the row's model (`default_model` when it names none), numbered on first
    /// sight, its prices kept beside it: rows mostly repeat the previous row's model, which
    /// costs one comparison.
    #[inline]
    fn model(
        &mut self,
        r: &TraceRecord,
        catalog: &Catalog,
        default_model: Option<&str>,
        path: &str,
    ) -> Result<u16, TraceRunError> {
        if let (Some((last, m)), Some(id)) =
            (&self.last_model, r.model.as_deref().or(default_model))
            && last == id
        {
            return Ok(*m);
        }
        let (model_id, price) = model_of(r, catalog, default_model, path)?;
        let m = self.models.index(model_id);
        if self.prices.len() <= m as usize {
            self.prices.push(Arc::new(price.clone()));
        }
        self.last_model = Some((model_id.to_string(), m));
        Ok(m)
    }

    /// The index of endpoint `name`, numbered on first sight.
    #[inline]
    fn endpoint(&mut self, name: &str) -> u16 {
        if let Some((last, i)) = &self.last_endpoint
            && last == name
        {
            return *i;
        }
        let i = self.endpoint_slow(name);
        self.last_endpoint = Some((name.to_string(), i));
        i
    }

    /// [`Tally::endpoint`] past the previous row's.
    fn endpoint_slow(&mut self, name: &str) -> u16 {
        match self.endpoint_index.get(name) {
            Some(i) => *i,
            None => {
                let i = self.endpoints.len() as u16;
                self.endpoints.push(name.to_string());
                self.endpoint_index.insert(name.to_string(), i);
                i
            }
        }
    }

    /// The ledger line of `key`, opened on first sight.
    #[inline]
    fn line(&mut self, key: LineKey) -> usize {
        let k = (key.endpoint, key.model, key.service, key.price_tier);
        match self.lines.get(&k) {
            Some(l) => *l,
            None => {
                let l = self.ledger.line(key);
                self.lines.insert(k, l);
                l
            }
        }
    }

    /// The row's cost and request on its user, if it names one.
    #[inline]
    fn count_user(&mut self, r: &TraceRecord, cost: f64) {
        if let Some(u) = &r.user_id {
            match self.user_cost.get_mut(u) {
                Some(e) => {
                    e.0 += cost;
                    e.1 += r.requests;
                }
                None => self.user_cost.insert_new(u, (cost, r.requests)),
            }
        }
    }

    /// A new session on endpoint `ep` when the row's session id is new.
    #[inline]
    fn count_session(&mut self, r: &TraceRecord, ep: u16) {
        match &r.session_id {
            Some(s) => {
                if !self.sessions.contains(s) {
                    self.sessions.insert_new(s, ep);
                    self.ledger.sessions[ep as usize] += 1;
                }
            }
            // A request without a session id is a session of its own.
            None => self.ledger.sessions[ep as usize] += r.requests,
        }
    }

    /// Of a row with prefix hashes: the prompt tokens in its leading blocks already seen.
    #[inline]
    fn count_prefix_reuse(&mut self, r: &TraceRecord) {
        if r.prefix_hashes.is_empty() {
            return;
        }
        let block = r.block_tokens.or(self.default_block).unwrap_or(0);
        let mut reusable = 0u64;
        let mut prefix = true;
        for (i, h) in r.prefix_hashes.iter().enumerate() {
            let len = block.min(r.input_tokens.saturating_sub(i as u64 * block));
            if prefix && self.seen_blocks.contains(h) {
                reusable = reusable.saturating_add(len);
            } else {
                prefix = false;
            }
            self.seen_blocks.insert(*h);
        }
        tally(&mut self.reuse_tokens, reusable);
        tally(&mut self.hashed_tokens, r.input_tokens);
    }

    /// The row's intent, if any, as a question of endpoint `ep`.
    #[inline]
    fn count_intent(&mut self, r: &TraceRecord, ep: u16) {
        if let Some(i) = &r.intent {
            // Intents are questions of one endpoint: the same id elsewhere is another question.
            self.intent_rows += 1;
            let ep = ep as usize;
            if self.intents.len() <= ep {
                self.intents.resize_with(ep + 1, HashSet::default);
            }
            if !self.intents[ep].contains(i.as_str()) {
                self.intents[ep].insert(i.clone());
            }
        }
    }

    /// The row's prompt and output lengths, and the row itself.
    #[inline]
    fn count_sizes(&mut self, r: &TraceRecord) {
        // A bucket's tokens are many requests' sum: no request's length.
        if !self.bucketed {
            *self.input_counts.entry(r.input_tokens).or_default() += 1;
            *self.output_counts.entry(r.output_tokens).or_default() += 1;
        }
        tally(&mut self.requests, r.requests);
        tally(&mut self.sum_in, r.input_tokens);
        tally(&mut self.sum_out, r.output_tokens);
        self.rows += 1;
    }

    /// Add `later`, the tally of the rows that follow this one's in the file (read by another
    /// thread from the same day 0): the result is the tally of all the rows read in order, but
    /// for the order of floating-point sums. Prefix reuse depends on every earlier row, so
    /// traces with prefix hashes are not split (see `CsvChunks`).
    pub(super) fn merge(&mut self, later: Tally) {
        let models: Vec<u16> = later
            .models
            .ids
            .iter()
            .map(|m| self.models.index(m))
            .collect();
        let endpoints: Vec<u16> = later.endpoints.iter().map(|e| self.endpoint(e)).collect();
        self.ledger.ensure(
            later.ledger.days().max(self.ledger.days()),
            self.endpoints.len(),
        );
        for (l, key) in later.ledger.lines().iter().enumerate() {
            let mine = self.line(LineKey {
                endpoint: endpoints[key.endpoint as usize],
                model: models[key.model as usize],
                ..*key
            });
            for day in 0..later.ledger.days() {
                let cell = later.ledger.cell(l, day);
                if cell.requests > 0 || cell.tokens.iter().any(|t| *t > 0) {
                    self.ledger.cell_mut(mine, day).add(cell);
                }
            }
        }
        // A session the earlier rows saw was counted again by the later tally.
        let mut sessions = later.ledger.sessions.clone();
        self.sessions.merge(
            later.sessions,
            |_, ep| sessions[ep as usize] -= 1,
            |ep| endpoints[ep as usize],
        );
        for (ep, n) in sessions.into_iter().enumerate() {
            self.ledger.sessions[endpoints[ep] as usize] += n;
        }
        self.user_cost.merge(
            later.user_cost,
            |e, (cost, requests)| {
                e.0 += cost;
                e.1 += requests;
            },
            |e| e,
        );
        for (v, n) in later.input_counts {
            *self.input_counts.entry(v).or_default() += n;
        }
        for (v, n) in later.output_counts {
            *self.output_counts.entry(v).or_default() += n;
        }
        for (ep, set) in later.intents.into_iter().enumerate() {
            let mine = endpoints[ep] as usize;
            if self.intents.len() <= mine {
                self.intents.resize_with(mine + 1, HashSet::default);
            }
            self.intents[mine].extend(set);
        }
        self.intent_rows += later.intent_rows;
        self.recorded.merge(later.recorded, &models);
        self.breakdowns.merge(later.breakdowns);
        self.rows += later.rows;
        self.skipped += later.skipped;
        for l in later.skipped_lines {
            if self.skipped_lines.len() < 20 {
                self.skipped_lines.push(l);
            }
        }
        tally(&mut self.sum_in, later.sum_in);
        tally(&mut self.sum_out, later.sum_out);
        tally(&mut self.requests, later.requests);
        self.warnings.extend(later.warnings);
        self.span_ms = match (self.span_ms, later.span_ms) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (a, b) => a.or(b),
        };
        if self.day0_ms.is_none() {
            self.day0_ms = later.day0_ms;
        }
    }

    /// The sets only reading needs, taken out so that they can be freed apart from the rest:
    /// sessions, users' costs, prefix blocks and intents (take the figures of
    /// [`Tally::prefix_reuse_ratio`], [`Tally::intent_repeat_ratio`] and the users first).
    pub(super) fn take_sets(&mut self) -> impl Send + 'static {
        (
            std::mem::take(&mut self.sessions),
            std::mem::take(&mut self.user_cost),
            std::mem::take(&mut self.seen_blocks),
            std::mem::take(&mut self.intents),
        )
    }

    /// Share of hashed prompt tokens that repeat an earlier prefix (`None` without hashes).
    pub(super) fn prefix_reuse_ratio(&self) -> Option<f64> {
        (self.hashed_tokens > 0).then(|| self.reuse_tokens as f64 / self.hashed_tokens as f64)
    }

    /// Share of rows with an intent that repeat an earlier one (`None` without intents).
    pub(super) fn intent_repeat_ratio(&self) -> Option<f64> {
        let distinct: usize = self.intents.iter().map(HashSet::len).sum();
        (self.intent_rows > 0).then(|| 1.0 - distinct as f64 / self.intent_rows as f64)
    }
}

/// The row's model id and its prices; an error when the row names none (and there is no
/// default) or the catalog lacks it.
#[inline]
fn model_of<'a>(
    r: &'a TraceRecord,
    catalog: &'a Catalog,
    default_model: Option<&'a str>,
    path: &str,
) -> Result<(&'a str, &'a ModelPrice), TraceRunError> {
    let Some(model_id) = r.model.as_deref().or(default_model) else {
        return Err(TraceRunError::Row {
            path: path.to_string(),
            line: r.line,
            message: "the row names no model; pass --model to price rows without one".into(),
        });
    };
    let Some(price) = catalog.get(model_id) else {
        if let Some(skipped) = catalog.skipped_entry(model_id) {
            return Err(TraceRunError::Row {
                path: path.to_string(),
                line: r.line,
                message: format!(
                    "{skipped}; fix the entry, or pass --prices with a catalog that has it"
                ),
            });
        }
        let sugg = catalog.suggest(model_id);
        return Err(TraceRunError::Row {
            path: path.to_string(),
            line: r.line,
            message: format!(
                "unknown model {model_id:?} in {}{}; pass --prices with a catalog that has it",
                catalog.source,
                if sugg.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", sugg.join(", "))
                }
            ),
        });
    };
    Ok((model_id, price))
}

/// The bucket of a recorded cache write (`cache_write_tokens`): the 5-minute write, or the
/// model's only or default TTL when it offers no 5-minute one (OpenAI GPT-5.6: 30 minutes).
#[inline]
fn write_bucket(price: &ModelPrice) -> Bucket {
    match price.cache.ttls.first() {
        Some(first) if !price.cache.ttls.contains(&Ttl::M5) => first.write_bucket(),
        _ => Bucket::CacheWrite5m,
    }
}

/// Writes recorded with a TTL (`cache_write_5m_tokens`, `cache_write_1h_tokens`) need a model
/// that offers that TTL: a 1-hour write on a model without one is a wrong model or a catalog
/// entry without the 1-hour price, and billing it at some other rate would misprice the row
/// silently. The TTL the model lacks is the error; counts of 0 need nothing.
#[inline]
fn check_write_ttls(r: &TraceRecord, price: &ModelPrice) -> Result<(), Ttl> {
    for (ttl, n) in [
        (Ttl::M5, r.cache_write_5m_tokens),
        (Ttl::H1, r.cache_write_1h_tokens),
    ] {
        if n.unwrap_or(0) > 0 && !price.cache.ttls.contains(&ttl) {
            return Err(ttl);
        }
    }
    Ok(())
}

/// Why a row's writes with `ttl` cannot be priced on `model_id`, and what would do.
#[cold]
fn no_ttl_message(
    r: &TraceRecord,
    model_id: &str,
    price: &ModelPrice,
    ttl: Ttl,
    source: &str,
) -> String {
    let (field, n) = match ttl {
        Ttl::M5 => ("cache_write_5m_tokens", r.cache_write_5m_tokens),
        _ => ("cache_write_1h_tokens", r.cache_write_1h_tokens),
    };
    let offered = if price.cache.ttls.is_empty() {
        "no prompt-cache TTL".to_string()
    } else {
        let ttls: Vec<String> = price.cache.ttls.iter().map(Ttl::to_string).collect();
        format!("cache TTLs {}", ttls.join(", "))
    };
    format!(
        "{field} is {} but {model_id:?} has no {ttl} cache TTL in {source} (it has {offered}); \
         check the row's model, record writes of the model's default TTL as \
         cache_write_tokens, or pass --prices with a catalog whose entry has the {ttl} TTL",
        n.unwrap_or(0)
    )
}

/// The row's tokens per bucket: prompt into cache reads, cache writes and uncached input;
/// output into reasoning and visible output. `cache_write_tokens` goes into `write_to` (see
/// [`write_bucket`]), `cache_write_5m_tokens` into the 5-minute bucket and
/// `cache_write_1h_tokens` into the 1-hour one.
#[inline]
fn split_tokens(r: &TraceRecord, write_to: Bucket) -> [u64; Bucket::ALL.len()] {
    let read = r.cache_read_tokens.unwrap_or(0);
    let reasoning = r.reasoning_tokens.unwrap_or(0);
    let mut tokens = [0u64; Bucket::ALL.len()];
    tokens[Bucket::Input.index()] = r.input_tokens - read - r.cache_write_total();
    tokens[Bucket::CacheRead.index()] = read;
    // A checked row gives `cache_write_tokens` or the split counts, never both, so at most one
    // count lands in a bucket; adding keeps that true of any row.
    tokens[write_to.index()] += r.cache_write_tokens.unwrap_or(0);
    tokens[Bucket::CacheWrite5m.index()] += r.cache_write_5m_tokens.unwrap_or(0);
    tokens[Bucket::CacheWrite1h.index()] += r.cache_write_1h_tokens.unwrap_or(0);
    tokens[Bucket::Reasoning.index()] = reasoning;
    tokens[Bucket::Output.index()] = r.output_tokens - reasoning;
    tokens
}
