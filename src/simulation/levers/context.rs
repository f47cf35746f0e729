//! Context policy: how much conversation history a request re-sends.
//!
//! Without a policy every turn re-sends the whole history, so a session's prompt tokens grow
//! quadratically with its length. Two policies bound that:
//!
//! - **Keep the last N turns** (`KeepLastTurns(n)`): the history sent is the last `n` turns'
//!   messages (user message and output, plus retrieved context when it stays in the history).
//!   Once the window is full it *slides*: every turn drops the oldest, so the history is no
//!   longer a prefix of the previous prompt and a provider cache cannot reuse the conversation
//!   (only the system and tool prefix). The report shows that trade-off.
//! - **Summarise every K turns** (`Summarize(every_turns: k, summary_tokens: s, model: m)`): before
//!   turns k, 2k, 3k, … a summarisation call is made, billed as a request: its prompt is the
//!   history the application holds (previous summary + turns since), its output `s` tokens. The
//!   history then restarts from that summary and grows again; between summaries it is a prefix
//!   of the next prompt, so conversation caching still works.
//!
//! Context window: with a policy on, a prompt that would still exceed the model's
//! `max_input_tokens` has its oldest turns dropped until it fits (counted as *forced trims*); a
//! prompt whose fixed parts alone exceed the window is refused like any other (see
//! [`crate::simulation::pipeline`]). Without a policy, oversize requests are refused.
//!
//! State is per live session: the sizes of the turns still in the window; it is freed on the
//! session's last turn.

use std::collections::{HashMap, VecDeque};

use crate::model::strategy::ContextPolicy;
use crate::model::workload::Request;

/// A summarisation call the policy made before a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryCall {
    /// Prompt tokens of the summarisation request.
    pub prompt_tokens: u64,
    /// Output tokens (the summary).
    pub output_tokens: u64,
}

#[derive(Clone, Debug, Default)]
struct SessionWindow {
    /// History the application held after the previous turn (untrimmed, from the traffic).
    last_full_history: u64,
    /// Sizes of the turns currently kept, oldest first.
    turns: VecDeque<u64>,
    /// Current summary size (0 before the first summary).
    summary: u64,
    /// Turns since the last summary.
    since_summary: u32,
}

/// Per-strategy state of one endpoint's context policy.
#[derive(Clone, Debug)]
pub struct ContextTrimmer {
    policy: ContextPolicy,
    sessions: HashMap<u64, SessionWindow>,
}

/// What the policy did to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trimmed {
    /// History tokens to send.
    pub history_tokens: u64,
    /// The history is not a continuation of the previous prompt (window slid or summary).
    pub history_reset: bool,
    /// A summarisation call made before this request.
    pub summary: Option<SummaryCall>,
    /// Turns dropped to fit the context window.
    pub forced_trims: u32,
}

impl ContextTrimmer {
    /// A trimmer applying `policy`.
    pub fn new(policy: ContextPolicy) -> Self {
        ContextTrimmer {
            policy,
            sessions: HashMap::new(),
        }
    }

    /// Live sessions tracked (for memory checks).
    pub fn live_sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Decide the history `req` sends. `fixed_tokens` is the rest of its prompt (system, tools,
    /// context, user message) and `max_input` the model's window.
    pub fn apply(&mut self, req: &Request, max_input: u64) -> Trimmed {
        let w = self.sessions.entry(req.session).or_default();
        if req.turn == 0 {
            *w = SessionWindow::default();
        }
        // The turn the application added since the previous request of this session.
        let added = req.history_tokens.saturating_sub(w.last_full_history);
        w.last_full_history = req.history_tokens;
        if req.turn > 0 {
            w.turns.push_back(added);
            w.since_summary += 1;
        }
        let mut out = Trimmed::default();
        match &self.policy {
            ContextPolicy::KeepLastTurns(n) => {
                while w.turns.len() > *n as usize {
                    w.turns.pop_front();
                    out.history_reset = true;
                }
            }
            ContextPolicy::Summarize {
                every_turns,
                summary_tokens,
                ..
            } => {
                if req.turn > 0 && w.since_summary >= *every_turns {
                    let held = w.summary + w.turns.iter().sum::<u64>();
                    out.summary = Some(SummaryCall {
                        prompt_tokens: held,
                        output_tokens: *summary_tokens,
                    });
                    w.summary = *summary_tokens;
                    w.turns.clear();
                    w.since_summary = 0;
                    out.history_reset = true;
                }
            }
        }
        let fixed = req.prompt_tokens() - req.history_tokens;
        let mut history = w.summary + w.turns.iter().sum::<u64>();
        while fixed + history > max_input {
            match w.turns.pop_front() {
                Some(t) => {
                    history -= t;
                    out.forced_trims += 1;
                    out.history_reset = true;
                }
                None => break,
            }
        }
        out.history_tokens = history;
        if req.final_turn {
            self.sessions.remove(&req.session);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundations::time::SimTime;

    /// Turn k of a session whose turns each add 100 history tokens.
    fn req(turn: u32, final_turn: bool) -> Request {
        Request {
            time: SimTime(0),
            endpoint: 0,
            session: 7,
            user: 0,
            turn,
            system_tokens: 1000,
            tools_tokens: 0,
            document: None,
            document_tokens: 0,
            history_tokens: 100 * u64::from(turn),
            context_tokens: 0,
            user_tokens: 50,
            output_tokens: 50,
            reasoning_tokens: 0,
            final_turn,
            history_reset: false,
            intent: None,
            prefix: None,
        }
    }

    #[test]
    fn keep_last_turns_slides_the_window() {
        let mut t = ContextTrimmer::new(ContextPolicy::KeepLastTurns(2));
        let h: Vec<(u64, bool)> = (0..5)
            .map(|k| {
                let r = t.apply(&req(k, k == 4), u64::MAX);
                (r.history_tokens, r.history_reset)
            })
            .collect();
        assert_eq!(
            h,
            vec![
                (0, false),
                (100, false),
                (200, false),
                (200, true),
                (200, true)
            ]
        );
        assert_eq!(t.live_sessions(), 0);
    }

    #[test]
    fn summaries_replace_the_history_and_are_billed() {
        let mut t = ContextTrimmer::new(ContextPolicy::Summarize {
            every_turns: 3,
            summary_tokens: 40,
            model: None,
        });
        let out: Vec<Trimmed> = (0..8).map(|k| t.apply(&req(k, false), u64::MAX)).collect();
        let hist: Vec<u64> = out.iter().map(|o| o.history_tokens).collect();
        // Turns 1, 2 grow; turn 3 summarises 300 into 40; 4, 5 grow; 6 summarises 40 + 300.
        assert_eq!(hist, vec![0, 100, 200, 40, 140, 240, 40, 140]);
        assert_eq!(
            out[3].summary,
            Some(SummaryCall {
                prompt_tokens: 300,
                output_tokens: 40
            })
        );
        assert_eq!(
            out[6].summary,
            Some(SummaryCall {
                prompt_tokens: 340,
                output_tokens: 40
            })
        );
        assert!(out.iter().filter(|o| o.summary.is_some()).count() == 2);
    }

    #[test]
    fn window_overflow_drops_oldest_turns() {
        let mut t = ContextTrimmer::new(ContextPolicy::KeepLastTurns(10));
        // fixed part = 1000 + 50 = 1050; window 1300 leaves room for 2 turns of 100.
        let mut last = Trimmed::default();
        for k in 0..6 {
            last = t.apply(&req(k, false), 1300);
        }
        assert_eq!(last.history_tokens, 200);
        assert!(last.forced_trims > 0);
    }
}
