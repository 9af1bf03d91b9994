//! `--metrics ADDR`: the runtime's metrics (`docs/metrics.md`) in Prometheus's text format
//! at `http://ADDR/metrics`, rendered by `metrics-exporter-prometheus` and served by the same
//! hyper stack as the stand-in providers.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The running endpoint, and the process's recorder. Dropping it stops serving; the recorder
/// stays installed, as a global recorder does.
#[derive(Debug)]
pub struct MetricsServer {
    address: SocketAddr,
    _tasks: JoinSet<()>,
}

impl MetricsServer {
    /// Installs a Prometheus recorder as the process's global recorder and serves it at
    /// `address` (port 0: one the system picks).
    ///
    /// # Errors
    /// When a recorder is already installed, or `address` cannot be bound.
    pub async fn start(address: SocketAddr) -> io::Result<Self> {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).map_err(io::Error::other)?;
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let mut tasks = JoinSet::new();
        tasks.spawn(accept(listener, handle));
        Ok(Self { address, _tasks: tasks })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

async fn accept(listener: TcpListener, handle: PrometheusHandle) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        while connections.try_join_next().is_some() {}
        let handle = handle.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| scrape(handle.clone(), request));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn scrape(handle: PrometheusHandle, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != "/metrics" {
        let mut missing = Response::new(Full::new(Bytes::from_static(b"try /metrics\n")));
        *missing.status_mut() = StatusCode::NOT_FOUND;
        return Ok(missing);
    }
    let mut reply = Response::new(Full::new(Bytes::from(handle.render())));
    reply.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    Ok(reply)
}
