//! The audit as FinOps FOCUS cost-and-usage rows (`audit --focus FILE`), so LLM spend sits next
//! to cloud spend in the tools finance already uses.
//!
//! FOCUS 1.2 (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, tag v1.2, `specification/columns`):
//! every mandatory column, and the conditional ones an LLM charge has. One row per UTC day,
//! endpoint, model, service tier, price tier and token bucket with tokens (`input`,
//! `cache_read`, `cache_write_5m`, ...), priced as the provider bills it:
//!
//! | column | value |
//! |---|---|
//! | `BilledCost`, `EffectiveCost`, `ListCost`, `ContractedCost` | the bucket's tokens at the catalog's rate (no negotiated discounts are known) |
//! | `BillingAccountId` | `--billing-account`, else the audited trace's file name (no log names the provider account) |
//! | `BillingCurrency` | `USD` |
//! | `BillingPeriodStart` / `End` | the calendar month of the charge |
//! | `ChargePeriodStart` / `End` | the UTC day |
//! | `ChargeCategory`, `ChargeFrequency`, `PricingCategory` | `Usage`, `Usage-Based`, `Standard` |
//! | `ChargeDescription` | e.g. `claude-sonnet-4-6 cache_read tokens (standard, base)` |
//! | `ConsumedQuantity` / `ConsumedUnit`, `PricingQuantity` / `PricingUnit` | tokens, `Tokens` |
//! | `ListUnitPrice`, `ContractedUnitPrice` | USD per token |
//! | `ProviderName`, `InvoiceIssuerName` | who bills: `Anthropic`, `OpenAI`, `Google`, `Microsoft` (Azure), `Amazon Web Services` (Bedrock), `DeepSeek`, else the catalog's provider |
//! | `PublisherName` | who made the model (`Anthropic` for Claude on Bedrock) |
//! | `ServiceCategory` / `ServiceSubcategory` | `AI and Machine Learning` / `Generative AI` |
//! | `ServiceName` | e.g. `Anthropic API`, `Azure OpenAI`, `Amazon Bedrock`, `Vertex AI` |
//! | `SkuId` / `SkuPriceId` | `model/bucket` / `model/bucket/service/tier` |
//! | `Tags` | `{"endpoint": ...}` |
//! | `x_Endpoint`, `x_Model`, `x_TokenType`, `x_ServiceTier`, `x_PriceTier`, `x_Requests` | tokencast's own columns (`x_` as FOCUS requires); `x_Requests` is on the row of the line's first bucket only, so it sums to the trace's requests |
//!
//! Dates are `YYYY-MM-DDTHH:mm:ssZ`. A trace timed from its start (Azure, Mooncake, BurstGPT)
//! has no dates: FOCUS rows need them, so `--focus` refuses such a trace.

use serde::Serialize;

use crate::foundations::calendar::{Date, days_in_month};
use crate::foundations::ledger::Ledger;
use crate::foundations::pricing::{Bucket, Catalog};
use crate::simulation::pipeline::ModelTable;

/// One FOCUS row.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct FocusRow {
    pub billed_cost: f64,
    pub billing_account_id: String,
    pub billing_account_name: String,
    pub billing_currency: &'static str,
    pub billing_period_start: String,
    pub billing_period_end: String,
    pub charge_category: &'static str,
    pub charge_class: &'static str,
    pub charge_description: String,
    pub charge_frequency: &'static str,
    pub charge_period_start: String,
    pub charge_period_end: String,
    pub consumed_quantity: u64,
    pub consumed_unit: &'static str,
    pub contracted_cost: f64,
    pub contracted_unit_price: f64,
    pub effective_cost: f64,
    pub invoice_issuer_name: String,
    pub list_cost: f64,
    pub list_unit_price: f64,
    pub pricing_category: &'static str,
    pub pricing_quantity: u64,
    pub pricing_unit: &'static str,
    pub provider_name: String,
    pub publisher_name: String,
    pub service_category: &'static str,
    pub service_name: String,
    pub service_subcategory: &'static str,
    pub sku_id: String,
    pub sku_price_id: String,
    pub tags: String,
    #[serde(rename = "x_Endpoint")]
    pub x_endpoint: String,
    #[serde(rename = "x_Model")]
    pub x_model: String,
    #[serde(rename = "x_TokenType")]
    pub x_token_type: &'static str,
    #[serde(rename = "x_ServiceTier")]
    pub x_service_tier: &'static str,
    #[serde(rename = "x_PriceTier")]
    pub x_price_tier: &'static str,
    #[serde(rename = "x_Requests")]
    pub x_requests: u64,
}

/// The FOCUS rows of an audited ledger whose day 0 starts at `day0_ms` (a dated trace).
pub(super) fn rows(
    ledger: &Ledger,
    models: &ModelTable,
    endpoints: &[String],
    catalog: &Catalog,
    day0_ms: i64,
    account: &str,
) -> Vec<FocusRow> {
    let day0 = Date::EPOCH.plus_days(day0_ms.div_euclid(86_400_000));
    let mut out = Vec::new();
    for day in 0..ledger.days() {
        let date = day0.plus_days(i64::from(day));
        let (period_start, period_end) = month_of(date);
        for (l, key) in ledger.lines().iter().enumerate() {
            let cell = ledger.cell(l, day);
            if cell.requests == 0 && cell.tokens.iter().all(|t| *t == 0) {
                continue;
            }
            let model = &models.ids[key.model as usize];
            let Some(price) = catalog.get(model) else {
                continue;
            };
            let endpoint = &endpoints[key.endpoint as usize];
            let (provider, service_name) = provider_names(&price.provider);
            let publisher = publisher_of(model, &provider);
            let mut requests = cell.requests;
            for b in Bucket::ALL {
                let tokens = cell.tokens[b.index()];
                if tokens == 0 {
                    continue;
                }
                let rate = price
                    .rate_per_token(key.service, key.price_tier, b)
                    .unwrap_or(0.0);
                let cost = tokens as f64 * rate;
                out.push(FocusRow {
                    billed_cost: cost,
                    billing_account_id: account.to_string(),
                    billing_account_name: account.to_string(),
                    billing_currency: "USD",
                    billing_period_start: iso(period_start),
                    billing_period_end: iso(period_end),
                    charge_category: "Usage",
                    charge_class: "",
                    charge_description: format!(
                        "{model} {} tokens ({}, {})",
                        b.name(),
                        key.service.name(),
                        key.price_tier.name()
                    ),
                    charge_frequency: "Usage-Based",
                    charge_period_start: iso(date),
                    charge_period_end: iso(date.plus_days(1)),
                    consumed_quantity: tokens,
                    consumed_unit: "Tokens",
                    contracted_cost: cost,
                    contracted_unit_price: rate,
                    effective_cost: cost,
                    invoice_issuer_name: provider.clone(),
                    list_cost: cost,
                    list_unit_price: rate,
                    pricing_category: "Standard",
                    pricing_quantity: tokens,
                    pricing_unit: "Tokens",
                    provider_name: provider.clone(),
                    publisher_name: publisher.clone(),
                    service_category: "AI and Machine Learning",
                    service_name: service_name.clone(),
                    service_subcategory: "Generative AI",
                    sku_id: format!("{model}/{}", b.name()),
                    sku_price_id: format!(
                        "{model}/{}/{}/{}",
                        b.name(),
                        key.service.name(),
                        key.price_tier.name()
                    ),
                    tags: serde_json::json!({ "endpoint": endpoint }).to_string(),
                    x_endpoint: endpoint.clone(),
                    x_model: model.clone(),
                    x_token_type: b.name(),
                    x_service_tier: key.service.name(),
                    x_price_tier: key.price_tier.name(),
                    x_requests: std::mem::take(&mut requests),
                });
            }
        }
    }
    out
}

/// `date` at midnight UTC in FOCUS's date-time format.
fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}T00:00:00Z", d.year, d.month, d.day)
}

/// The first day of `d`'s month and of the next.
fn month_of(d: Date) -> (Date, Date) {
    let start = Date { day: 1, ..d };
    (
        start,
        start.plus_days(i64::from(days_in_month(d.year, d.month))),
    )
}

/// Who bills a catalog provider's usage, and the service's name.
fn provider_names(provider: &str) -> (String, String) {
    let p = provider.to_ascii_lowercase();
    let (name, service) = if p.starts_with("azure") {
        ("Microsoft", "Azure OpenAI")
    } else if p.starts_with("bedrock") {
        ("Amazon Web Services", "Amazon Bedrock")
    } else if p.starts_with("vertex") {
        ("Google", "Vertex AI")
    } else if p == "anthropic" {
        ("Anthropic", "Anthropic API")
    } else if p == "openai" || p == "text-completion-openai" {
        ("OpenAI", "OpenAI API")
    } else if p == "gemini" {
        ("Google", "Gemini API")
    } else if p == "deepseek" {
        ("DeepSeek", "DeepSeek API")
    } else {
        return (provider.to_string(), format!("{provider} API"));
    };
    (name.to_string(), service.to_string())
}

/// Who made `model` (the publisher), when a reseller (`provider`) bills it.
fn publisher_of(model: &str, provider: &str) -> String {
    let m = model.to_ascii_lowercase();
    if m.contains("claude") {
        "Anthropic".into()
    } else if m.contains("gpt") || m.contains("o1") || m.contains("o3") || m.contains("o4") {
        "OpenAI".into()
    } else if m.contains("gemini") {
        "Google".into()
    } else if m.contains("deepseek") {
        "DeepSeek".into()
    } else {
        provider.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_dates() {
        let d = Date::parse("2026-02-14").unwrap();
        let (a, b) = month_of(d);
        assert_eq!(
            (iso(a), iso(b)),
            (
                "2026-02-01T00:00:00Z".to_string(),
                "2026-03-01T00:00:00Z".to_string()
            )
        );
        let (_, b) = month_of(Date::parse("2026-12-31").unwrap());
        assert_eq!(iso(b), "2027-01-01T00:00:00Z");
        assert_eq!(provider_names("bedrock_converse").0, "Amazon Web Services");
        assert_eq!(
            publisher_of("anthropic.claude-sonnet-4-6", "Amazon Web Services"),
            "Anthropic"
        );
    }
}
