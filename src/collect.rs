//! `tokencast collect`: an OpenTelemetry receiver that keeps the token counts of GenAI spans
//! as a native trace, for `audit`, `fit`, `replay` and `backtest` to read.
//!
//! - [`http`]: OTLP/HTTP `POST /v1/traces` (protobuf and JSON bodies, gzip or not) and
//!   `GET /healthz`, on tokio and axum. Each request's spans are read as a trace file's are
//!   ([`crate::model::workload::trace::request_spans`]): spans with GenAI usage become rows;
//!   other spans are counted and dropped; nothing of a prompt or completion is kept (a row
//!   holds only what the native format has: time, token counts, model, session, endpoint,
//!   user).
//! - [`store`]: the data directory, with its durability contract (a request is acknowledged
//!   only once its rows are on disk, one `fdatasync` per group of requests).
//! - A writer thread between them: requests queue for it (a bounded queue; a full one answers
//!   503 with `Retry-After`), and it writes every queued request in one group.

pub mod access;
pub mod grpc;
pub mod http;
pub mod ingest;
pub mod store;
pub mod users;
pub mod view;
pub mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// How the receiver runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory.
    pub dir: PathBuf,
    /// OTLP/HTTP address.
    pub listen: SocketAddr,
    /// OTLP/gRPC address, if served.
    pub grpc_listen: Option<SocketAddr>,
    /// The largest request body, in bytes (after gzip too).
    pub max_body_bytes: usize,
    /// A data file is rotated before it passes this size.
    pub max_file_bytes: u64,
    /// Requests that may wait for the writer before new ones are refused with 503.
    pub queue: usize,
    /// Store a keyed hash of each user id instead of the id.
    pub hash_user_ids: bool,
    /// The bearer token clients must send, if any.
    pub token: Option<String>,
    /// Export requests a second, at most, if limited.
    pub max_requests_per_second: Option<u64>,
    /// Prices of `/metrics`' costs and the page's audit.
    pub catalog: crate::foundations::pricing::Catalog,
}

/// Run the receiver until SIGTERM or Ctrl-C; then answer what was accepted, write it, close
/// the last file and return. `ready` is told the bound addresses (HTTP, gRPC) once it
/// listens.
pub fn serve(
    config: &Config,
    ready: impl FnOnce(SocketAddr, Option<SocketAddr>),
) -> Result<(), String> {
    let (store, recovery) = store::Store::open(&config.dir, config.max_file_bytes)?;
    if recovery.cut_bytes > 0 || recovery.sorted > 0 {
        eprintln!(
            "tokencast collect: {}: mended what the last run left: {} bytes of rows never \
             acknowledged cut, {} file(s) sorted by time",
            config.dir.display(),
            recovery.cut_bytes,
            recovery.sorted
        );
    }
    if let Some(e) = &recovery.commit_unreadable {
        eprintln!("tokencast collect: warning: {e}");
    }
    for e in &recovery.unsorted {
        eprintln!("tokencast collect: warning: {e}; the file is left as it is");
    }
    let user_key = if config.hash_user_ids {
        Some(users::user_key(&config.dir)?)
    } else {
        None
    };
    let counters = Arc::new(writer::Counters::default());
    let catalog = Arc::new(config.catalog.clone());
    let page = view::Page::new(config.dir.clone(), store.committed(), Arc::clone(&catalog));
    let (tx, rx) = std::sync::mpsc::sync_channel::<writer::Job>(config.queue.max(1));
    let writer_counters = Arc::clone(&counters);
    let writer = std::thread::Builder::new()
        .name("collect-writer".into())
        .spawn(move || writer::writer(store, rx, writer_counters))
        .map_err(|e| format!("cannot start the writer thread: {e}"))?;
    let shared = Arc::new(ingest::Shared {
        jobs: tx,
        counters: Arc::clone(&counters),
        max_body_bytes: config.max_body_bytes,
        user_key,
        token: config.token.clone(),
        rate: config.max_requests_per_second.map(access::RateLimit::new),
        usage: view::Usage::default(),
        catalog,
        page,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let served = runtime.block_on(async {
        // A file-size limit (`ulimit -f`) reached sends SIGXFSZ, which by default ends the
        // process; handled, the write fails instead (EFBIG), and the requests are answered 503
        // as on a full disk, the process staying up.
        let _file_size_limit =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(SIGXFSZ));
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("--listen {}: {e}", config.listen))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("--listen {}: {e}", config.listen))?;
        let grpc = match config.grpc_listen {
            Some(at) => {
                let l = tokio::net::TcpListener::bind(at)
                    .await
                    .map_err(|e| format!("--grpc-listen {at}: {e}"))?;
                let bound = l
                    .local_addr()
                    .map_err(|e| format!("--grpc-listen {at}: {e}"))?;
                Some((l, bound))
            }
            None => None,
        };
        ready(addr, grpc.as_ref().map(|(_, a)| *a));
        // One signal stops both servers; each drains what it accepted.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let http = axum::serve(listener, http::router(Arc::clone(&shared)))
            .with_graceful_shutdown(until_stopped(stopped.clone()));
        let grpc = async {
            match grpc {
                Some((l, bound)) => tonic::transport::Server::builder()
                    .add_service(grpc::service(Arc::clone(&shared)))
                    .serve_with_incoming_shutdown(
                        tokio_stream::wrappers::TcpListenerStream::new(l),
                        until_stopped(stopped.clone()),
                    )
                    .await
                    .map_err(|e| format!("serving gRPC on {bound}: {e}")),
                None => Ok(()),
            }
        };
        // A client that keeps its connection open (HTTP/2 keeps them) would hold a graceful
        // shutdown forever: past DRAIN after the signal, what is still open is closed.
        let servers = async { tokio::join!(http, grpc) };
        let mut signalled = stopped.clone();
        let deadline = async move {
            let _ = signalled.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN).await;
        };
        let (h, g) = tokio::select! {
            done = servers => done,
            () = deadline => {
                eprintln!(
                    "tokencast collect: connections still open {} s after the signal are \
                     closed; requests they had not been answered for are not acknowledged",
                    DRAIN.as_secs()
                );
                (Ok(()), Ok(()))
            }
        };
        drop(shared);
        h.map_err(|e| format!("serving {addr}: {e}"))?;
        g
    });
    // Every handler is done (the router and its sender with them): the writer drains the
    // queue, closes the last file and ends.
    // A page being built (a blocking task) may take a while on a large directory: it is not
    // waited for beyond the drain time.
    runtime.shutdown_timeout(DRAIN);
    if writer.join().is_err() {
        return Err("the writer thread failed".to_string());
    }
    served
}

/// How long a stop waits for open connections to finish.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// SIGXFSZ's number on Linux (x86-64 and AArch64).
const SIGXFSZ: i32 = 25;

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
