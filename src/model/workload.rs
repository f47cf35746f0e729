//! Workloads: time-ordered streams of [`Request`]s, synthetic or (later) read from traces.
//!
//! Every source yields requests in non-decreasing time order; the engine and the cost levers
//! see nothing else, so a recorded trace and a generated month of traffic go through exactly the
//! same pipeline.

pub mod synth;
pub mod synthetic;
pub mod trace;

use crate::foundations::time::SimTime;

/// One model call as the application would make it, before any cost lever acts on it.
///
/// The prompt is made of segments in the order they are sent:
/// `system | tools | document | history | context | user`. Token counts are exact integers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    /// When the request is sent.
    pub time: SimTime,
    /// Index of the endpoint in the scenario.
    pub endpoint: u16,
    /// Session id, unique within a run.
    pub session: u64,
    /// User id, unique within an endpoint and day.
    pub user: u32,
    /// Turn number within the session, 0 for the first request.
    pub turn: u32,
    /// System prompt tokens.
    pub system_tokens: u64,
    /// Tool definition tokens.
    pub tools_tokens: u64,
    /// The session's document, from the endpoint's shared pool (`prompt.documents`): its id
    /// (equal ids, equal documents) and tokens; `None` and 0 without one.
    pub document: Option<u64>,
    /// Tokens of the document.
    pub document_tokens: u64,
    /// Re-sent conversation history tokens.
    pub history_tokens: u64,
    /// Retrieved context tokens of this turn.
    pub context_tokens: u64,
    /// New user message tokens.
    pub user_tokens: u64,
    /// Visible output tokens.
    pub output_tokens: u64,
    /// Hidden reasoning tokens.
    pub reasoning_tokens: u64,
    /// True for the last request of its session (lets levers free per-session state).
    pub final_turn: bool,
    /// True when the history sent is not a continuation of the session's previous prompt
    /// (a context policy slid its window or summarised), so no cached conversation prefix
    /// applies. Traffic sources always set `false`.
    pub history_reset: bool,
    /// The question this request asks, when the endpoint models repeated queries
    /// (`traffic.queries`): set on the first turn of each session, `None` otherwise. Equal ids
    /// are the same question in any wording; a semantic cache keys answers by it.
    pub intent: Option<u64>,
    /// Prefix block ids of a recorded request, in prompt order (equal ids: equal prefixes), and
    /// the tokens per block. When present, the prompt cache matches these blocks instead of the
    /// synthetic segment structure.
    pub prefix: Option<PrefixBlocks>,
}

/// Prefix blocks of a recorded prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixBlocks {
    /// Block ids, in prompt order.
    pub hashes: std::sync::Arc<[u64]>,
    /// Tokens per block (the last block may be partial).
    pub block_tokens: u64,
}

impl Request {
    /// All prompt tokens sent (every segment).
    pub fn prompt_tokens(&self) -> u64 {
        self.system_tokens
            .saturating_add(self.tools_tokens)
            .saturating_add(self.document_tokens)
            .saturating_add(self.history_tokens)
            .saturating_add(self.context_tokens)
            .saturating_add(self.user_tokens)
    }
}
