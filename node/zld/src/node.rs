//! Running a node: open the ledger, serve the API, produce blocks, stop cleanly on SIGTERM.

use crate::{clock, home, producer};
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use zl_api::{ApiLimits, NodeState};
use zl_config::NodeConfig;
use zl_ledger::Ledger;
use zl_mempool::MempoolLimits;
use zl_types::Genesis;

/// How long open HTTP connections get to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs the node of `home` until SIGTERM or Ctrl-C; `api_override` replaces the configured address.
pub(crate) fn run(home: &Path, api_override: Option<String>) -> Result<()> {
    let mut config = NodeConfig::load(home)?;
    if let Some(listen) = api_override {
        config.api_listen = listen
            .parse()
            .with_context(|| format!("--api {listen:?} is not an address like 127.0.0.1:8700"))?;
    }
    init_logging(&config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config))
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(config: NodeConfig) -> Result<()> {
    let genesis_text = std::fs::read_to_string(&config.genesis_path)
        .with_context(|| format!("cannot read genesis {}", config.genesis_path.display()))?;
    let genesis = Genesis::from_json(&genesis_text)?;
    let key = home::load_key(&config.key_path)?;
    if genesis.validators.find(&key.public_key()).is_none() {
        bail!(
            "this node's key {} is not in the genesis validator set; a non-validator node needs the peer network (a later release)",
            key.public_key()
        );
    }
    let ledger = Ledger::open(&config.data_dir, genesis.clone())
        .with_context(|| format!("cannot open the ledger at {}", config.data_dir.display()))?;
    let ledger = Arc::new(ledger);
    tracing::info!(chain_id = %genesis.chain_id, height = ledger.height(), genesis = %ledger.genesis_hash(), "ledger open");
    let mempool_limits = MempoolLimits {
        transactions_max: config.mempool_transactions_max.get(),
        bytes_max: config.mempool_bytes_max.get(),
        per_member_max: config.mempool_per_member_max.get(),
    };
    let state = Arc::new(
        NodeState::new(ledger.clone(), ApiLimits::default(), clock::now_ms)
            .with_mempool_limits(mempool_limits),
    );
    let listener = tokio::net::TcpListener::bind(config.api_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}; is another node running there? change api.listen",
                config.api_listen
            )
        })?;
    let address = listener.local_addr()?;
    let app = zl_api::router(state.clone());
    let mut stop = state.shutdown.subscribe();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            })
            .await
    });
    let producer = tokio::spawn(producer::run(
        state.clone(),
        key,
        producer::Settings::from(&config),
    ));
    state.ready.store(true, Ordering::SeqCst);
    println!(
        "zld: chain {} at height {}; API listening on http://{address}",
        genesis.chain_id,
        ledger.height()
    );
    let outcome = supervise(&state, producer).await;
    state.ready.store(false, Ordering::SeqCst);
    state.begin_shutdown();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
    tracing::info!(height = ledger.height(), "stopped");
    outcome
}

/// Waits for SIGTERM/Ctrl-C or for the producer to end (which is fatal); then stops the producer.
async fn supervise(
    state: &Arc<NodeState>,
    mut producer: tokio::task::JoinHandle<Result<()>>,
) -> Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: shutting down"),
        result = &mut producer => {
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.context("block producer failed; the node stopped to protect the ledger")),
                Err(e) => Err(anyhow::anyhow!("block producer panicked: {e}")),
            };
        }
    }
    // The producer finishes the block in hand (its commit is one atomic write), then returns.
    state.begin_shutdown();
    state.mempool_ready.notify_one();
    match producer.await {
        Ok(result) => result,
        Err(e) => Err(anyhow::anyhow!("block producer panicked: {e}")),
    }
}
