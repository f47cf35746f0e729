//! Thresholds (`--fail-above PERCENT`, `--fail-above-usd AMOUNT`): which strategies' increase
//! of mean monthly cost crossed them, recorded in [`Diff::gate`] for the CLI's exit code.
//!
//! The rules (what is gated, what counts as crossing) are in the module docs of `diff`.

use crate::analysis::diff::{Change, Crossing, Diff, Gate, ScenarioDiff, Status, StrategyDiff};

impl Diff {
    /// Check every strategy's increase of mean monthly cost against the thresholds and record
    /// what crossed them in [`Diff::gate`]. Returns whether anything crossed.
    pub fn apply_gate(&mut self, fail_above_pct: Option<f64>, fail_above_usd: Option<f64>) -> bool {
        if fail_above_pct.is_none() && fail_above_usd.is_none() {
            self.gate = None;
            return false;
        }
        let mut crossed = Vec::new();
        for s in &self.scenarios {
            for st in s.strategies.iter().filter(|st| is_gated(s, st)) {
                let c = &st.monthly_mean;
                if let Some(threshold) = threshold_crossed(c, fail_above_pct, fail_above_usd) {
                    crossed.push(Crossing {
                        file: s.file.clone(),
                        scenario: s.name.clone(),
                        strategy: st.strategy.clone(),
                        change_usd: c.change_usd,
                        change_pct: c.change_pct,
                        threshold,
                    });
                }
            }
        }
        let any = !crossed.is_empty();
        self.gate = Some(Gate {
            fail_above_pct,
            fail_above_usd,
            crossed,
        });
        any
    }
}

/// Strategies are alternatives: adding or dropping one of a scenario on both sides is not
/// spending, and is not gated.
fn is_gated(s: &ScenarioDiff, st: &StrategyDiff) -> bool {
    !(s.status != Status::Added && matches!(st.status, Status::Added | Status::Removed))
}

/// The threshold a change of mean monthly cost is strictly above, with its unit; the
/// percentage first, which needs a base above zero.
fn threshold_crossed(
    c: &Change,
    fail_above_pct: Option<f64>,
    fail_above_usd: Option<f64>,
) -> Option<String> {
    match (fail_above_pct, c.change_pct, fail_above_usd) {
        (Some(limit), Some(p), _) if c.base_usd > 0.0 && p > limit => {
            Some(format!("--fail-above {}%", limit))
        }
        (_, _, Some(limit)) if c.change_usd > limit => Some(format!("--fail-above-usd ${}", limit)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::diff::{Pairing, assemble};

    #[test]
    fn gate_names_what_crossed() {
        let mut st = StrategyDiff {
            strategy: "baseline".into(),
            status: Status::Changed,
            monthly_mean: Change::point(Some(100.0), Some(120.0)),
            monthly_p50: Change::point(Some(100.0), Some(120.0)),
            monthly_p95: Change::point(Some(100.0), Some(120.0)),
            by_endpoint: Vec::new(),
            by_model: Vec::new(),
            by_bucket: Vec::new(),
        };
        let s = |st: StrategyDiff| ScenarioDiff {
            file: "a.ron".into(),
            name: "a".into(),
            status: Status::Changed,
            pairing: Pairing::Paired,
            base: None,
            head: None,
            notes: Vec::new(),
            new_warnings: Vec::new(),
            headline_strategy: "baseline".into(),
            strategies: vec![st],
        };
        let mut d = assemble(vec![s(st.clone())], None);
        assert!(!d.apply_gate(Some(20.0), None), "20% is not above 20%");
        assert!(d.apply_gate(Some(19.5), None));
        let c = &d.gate.as_ref().unwrap().crossed[0];
        assert_eq!(
            crate::output::diff::crossing_message(c),
            "a (a.ron), strategy baseline: mean monthly cost +$20.00 (+20.0%) is above --fail-above 19.5%"
        );
        assert!(d.apply_gate(None, Some(19.99)));
        assert!(!d.apply_gate(None, Some(20.0)));
        // An added scenario: only the USD threshold applies.
        st.monthly_mean = Change::point(None, Some(50.0));
        st.status = Status::Added;
        let mut d = assemble(vec![s(st.clone())], None);
        d.scenarios[0].status = Status::Added;
        assert!(!d.apply_gate(Some(0.0), None));
        assert!(d.apply_gate(None, Some(10.0)));
        // An added strategy of a changed scenario is an alternative, not spending.
        d.scenarios[0].status = Status::Changed;
        assert!(!d.apply_gate(Some(0.0), Some(0.0)));
    }
}
