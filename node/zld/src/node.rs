//! Running a node: open the ledger, serve the API, produce blocks, stop cleanly on SIGTERM.

use crate::driver::{Driver, Settings};
use crate::{clock, home, store};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use zl_api::{ApiLimits, NodeState};
use zl_config::NodeConfig;
use zl_ledger::Ledger;
use zl_mempool::MempoolLimits;
use zl_network::{Network, NetworkConfig, PeerKey};
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
    let transport_key = home::load_transport_key(&config.transport_key_path)?;
    if genesis.validators.find(&key.public_key()).is_none() {
        tracing::info!(key = %key.public_key(), "this node is not a validator: it follows the chain as a full node");
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
    let store = store::open(&config.objects)?;
    let mut node_state = NodeState::new(ledger.clone(), ApiLimits::default(), clock::now_ms)
        .with_mempool_limits(mempool_limits)
        .with_store(store);
    if let Some(bridge) = &config.bridge {
        node_state = node_state.with_bridge(store::bridge(bridge, key.clone())?);
    }
    let state = Arc::new(node_state);
    tokio::spawn(store::publish(state.clone()));
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
    let allowed = allowed_peers(&ledger)?;
    let network_config = NetworkConfig::new(
        transport_key.seed(),
        config.p2p_listen,
        config.p2p_peers.clone(),
        allowed,
    );
    let (network, handle, events) = Network::new(network_config).await.with_context(|| {
        format!(
            "cannot start the peer network on {}; is another node using that port? change p2p.listen",
            config.p2p_listen
        )
    })?;
    let p2p_address = network.listen_addr();
    tokio::spawn(network.run());
    let driver = Driver::new(state.clone(), key, handle.clone(), settings(&config))?;
    let driver = tokio::spawn(driver.run(events));
    state.ready.store(true, Ordering::SeqCst);
    println!(
        "zld: chain {} at height {}; peers on {p2p_address}; API listening on http://{address}",
        genesis.chain_id,
        ledger.height()
    );
    let outcome = supervise(&state, driver).await;
    state.ready.store(false, Ordering::SeqCst);
    state.begin_shutdown();
    handle.shutdown();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
    tracing::info!(height = ledger.height(), "stopped");
    outcome
}

/// The transport keys of the members' nodes in the registry: the only peers allowed to connect.
pub(crate) fn allowed_peers(ledger: &Ledger) -> Result<Vec<PeerKey>> {
    ledger
        .transport_keys()?
        .iter()
        .map(|(key, _)| PeerKey::try_from(key).map_err(anyhow::Error::from))
        .collect()
}

fn settings(config: &NodeConfig) -> Settings {
    Settings {
        transactions_max: config.block_transactions_max.get(),
        bytes_max: config.block_bytes_max.get(),
        rebroadcast: config.rebroadcast,
        timeouts: config.timeouts,
    }
}

/// Waits for SIGTERM/Ctrl-C or for the consensus driver to end (which is fatal); then stops the driver.
async fn supervise(
    state: &Arc<NodeState>,
    mut driver: tokio::task::JoinHandle<Result<()>>,
) -> Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: shutting down"),
        result = &mut driver => {
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.context("consensus driver failed; the node stopped to protect the ledger")),
                Err(e) => Err(anyhow::anyhow!("consensus driver panicked: {e}")),
            };
        }
    }
    // The driver finishes the step in hand (its commit is one atomic write), then returns.
    state.begin_shutdown();
    state.mempool_ready.notify_one();
    match driver.await {
        Ok(result) => result,
        Err(e) => Err(anyhow::anyhow!("consensus driver panicked: {e}")),
    }
}
