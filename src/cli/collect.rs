//! `tokencast collect`: the OTLP receiver ([`crate::collect`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::anyhow;

use crate::collect::access::read_token;
use crate::collect::{Config, serve};

use super::failure::Failure;
use super::flags::load_catalog;

/// Arguments of `tokencast collect`.
#[derive(Debug, clap::Args)]
pub struct CollectArgs {
    /// The data directory: rows are written there as native JSON lines, one file per day
    /// (and per `--max-file-mb`); `audit`, `fit`, `replay` and `backtest` read it as one trace.
    #[arg(long)]
    pub dir: PathBuf,
    /// Address for OTLP/HTTP (`POST /v1/traces`). Loopback by default; another address
    /// (`0.0.0.0:4318`) takes spans from other hosts.
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub listen: SocketAddr,
    /// Address for OTLP/gRPC (`TraceService/Export`), on its own port since SDKs default to
    /// one or the other by language.
    #[arg(long, default_value = "127.0.0.1:4317", conflicts_with = "no_grpc")]
    pub grpc_listen: SocketAddr,
    /// Serve OTLP/HTTP only.
    #[arg(long)]
    pub no_grpc: bool,
    /// The largest request body (an OTLP/gRPC message too), in bytes, before and after gzip (413 beyond it).
    #[arg(long, default_value_t = 16 << 20, value_parser = clap::value_parser!(u64).range(1024..=(256 << 20)))]
    pub max_body_bytes: u64,
    /// A data file is rotated before it grows past this many MiB (at most 4096; sorting a
    /// closed file holds 24 bytes a row in memory, about a tenth of it).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_file_mb: u64,
    /// Requests that may wait for the disk before new ones are answered 503 (retry).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub queue: u64,
    /// Require `Authorization: Bearer TOKEN` (OTLP exporters: `OTEL_EXPORTER_OTLP_HEADERS=
    /// "Authorization=Bearer TOKEN"`), TOKEN being this file's first line; the page and the
    /// metrics need it too, `/healthz` does not.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Answer export requests beyond this many a second with 429 (gRPC: RESOURCE_EXHAUSTED),
    /// which exporters retry.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_requests_per_second: Option<u64>,
    /// Price catalog of `/metrics`' costs and the `/` page's audit: LiteLLM JSON or tokencast
    /// RON (default: the built-in one).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Store a keyed hash (HMAC-SHA-256) of each user id instead of the id; the key is kept
    /// in DIR/.user-key, created on first use.
    #[arg(long)]
    pub hash_user_ids: bool,
}

/// Run `tokencast collect` until SIGTERM or Ctrl-C.
pub(crate) fn execute(a: &CollectArgs) -> Result<i32, Failure> {
    let config = Config {
        dir: a.dir.clone(),
        listen: a.listen,
        grpc_listen: (!a.no_grpc).then_some(a.grpc_listen),
        max_body_bytes: usize::try_from(a.max_body_bytes).unwrap_or(usize::MAX),
        max_file_bytes: a.max_file_mb << 20,
        queue: usize::try_from(a.queue).unwrap_or(usize::MAX),
        hash_user_ids: a.hash_user_ids,
        catalog: load_catalog(a.prices.as_deref())?,
        token: match &a.token_file {
            Some(p) => Some(read_token(p).map_err(|e| Failure::input(anyhow!(e)))?),
            None => None,
        },
        max_requests_per_second: a.max_requests_per_second,
    };
    let dir = a.dir.display().to_string();
    serve(&config, |addr, grpc| {
        let grpc = grpc.map_or(String::new(), |g| format!(" and grpc://{g} (OTLP/gRPC)"));
        eprintln!(
            "tokencast collect: listening on http://{addr} (OTLP/HTTP: POST /v1/traces){grpc}, \
             writing {dir}"
        );
    })
    .map_err(|e| Failure::runtime(anyhow!("collect: {e}")))?;
    eprintln!("tokencast collect: stopped; every acknowledged row is in {dir}");
    Ok(0)
}
