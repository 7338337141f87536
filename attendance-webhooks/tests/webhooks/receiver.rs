//! A real receiver: an axum router served over hyper on 127.0.0.1:0, one
//! path per endpoint (`/hook/{name}`), each answering from a script
//! (then 204), logging every arrival and checking its signature twice:
//! with the crate's `verify` and with the independent HMAC in
//! `signature.rs`.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use attendance_core::webhooks::WebhookSecret;
use attendance_webhooks::{DEFAULT_TOLERANCE, WEBHOOK_TIMESTAMP, verify};
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Notify;

use crate::signature::independently_signed;

/// How the receiver answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 204.
    Ok,
    /// This status, with a short body.
    Status(u16),
    /// Never answers (the worker times out).
    Hang,
    /// Closes the connection without an answer.
    Close,
    /// Never answers, and tells the test it is holding a request.
    Stall,
    /// 307 to another path of this receiver.
    Redirect(&'static str),
    /// 200 with a body this many bytes long, streamed.
    HugeOk(usize),
    /// 500 with a body this many bytes long.
    LongError(usize),
    /// 204 after this long, telling the test the request came in.
    Slow(Duration),
}

impl Answer {
    /// Whether the worker hears a 2xx.
    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Self::Ok | Self::HugeOk(_) | Self::Slow(_))
    }
}

/// One request that came in.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    /// The endpoint's name (the path's last segment).
    pub(crate) endpoint: String,
    /// `webhook-id`.
    pub(crate) msg_id: String,
    /// The event's id, from the body.
    pub(crate) event_id: i64,
    /// How it was answered.
    pub(crate) answer: Answer,
    /// Both signature checks passed.
    pub(crate) verified: bool,
}

#[derive(Default)]
struct Shared {
    scripts: Mutex<HashMap<String, VecDeque<Answer>>>,
    secrets: Mutex<HashMap<String, WebhookSecret>>,
    arrivals: Mutex<Vec<Arrival>>,
    /// Woken at every arrival.
    arrived: Notify,
    /// Woken when a request is stalled or slow.
    holding: Notify,
    /// Body bytes handed to hyper by `HugeOk` bodies.
    produced: Arc<AtomicUsize>,
}

/// The receiver; stops when dropped.
pub(crate) struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    /// Listens on 127.0.0.1 on a free port.
    pub(crate) async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = axum::Router::new()
            .route("/hook/{name}", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                // Per connection: a handler that wants the connection gone
                // wakes this, and the connection is dropped unanswered.
                let close = Arc::new(Notify::new());
                let service =
                    TowerToHyperService::new(router.clone().layer(Extension(close.clone())));
                tokio::spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = connection => {}
                        () = close.notified() => {}
                    }
                });
            }
        });
        Self {
            addr,
            shared,
            server,
        }
    }

    /// The URL of endpoint `name`.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("http://{}/hook/{name}", self.addr)
    }

    /// The port.
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The secret `name`'s messages are signed with.
    pub(crate) fn expect(&self, name: &str, secret: WebhookSecret) {
        self.shared
            .secrets
            .lock()
            .unwrap()
            .insert(name.to_owned(), secret);
    }

    /// Answers `name`'s next requests so, then 204.
    pub(crate) fn script(&self, name: &str, answers: impl IntoIterator<Item = Answer>) {
        self.shared
            .scripts
            .lock()
            .unwrap()
            .entry(name.to_owned())
            .or_default()
            .extend(answers);
    }

    /// What is left of `name`'s script.
    pub(crate) fn script_left(&self, name: &str) -> usize {
        self.shared
            .scripts
            .lock()
            .unwrap()
            .get(name)
            .map_or(0, VecDeque::len)
    }

    /// Every arrival so far, in order.
    pub(crate) fn arrivals(&self) -> Vec<Arrival> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// `name`'s arrivals so far, in order.
    pub(crate) fn arrivals_at(&self, name: &str) -> Vec<Arrival> {
        self.arrivals()
            .into_iter()
            .filter(|a| a.endpoint == name)
            .collect()
    }

    /// Body bytes the `HugeOk` answers handed to hyper.
    pub(crate) fn produced(&self) -> usize {
        self.shared.produced.load(Ordering::SeqCst)
    }

    /// Waits until `done` holds for the arrivals; fails after a minute
    /// (a bound against hanging, not a measurement).
    pub(crate) async fn until(&self, what: &str, done: impl Fn(&[Arrival]) -> bool) {
        let wait = async {
            loop {
                let arrived = self.shared.arrived.notified();
                if done(&self.arrivals()) {
                    return;
                }
                arrived.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .is_err()
        {
            panic!(
                "{what}: not within a minute; arrivals: {:#?}",
                self.arrivals()
            );
        }
    }

    /// Waits until a `Stall` or `Slow` answer is holding a request.
    pub(crate) async fn holding(&self) {
        tokio::time::timeout(Duration::from_secs(60), self.shared.holding.notified())
            .await
            .expect("a request to hold within a minute");
    }
}

async fn hook(
    State(shared): State<Arc<Shared>>,
    Extension(close): Extension<Arc<Notify>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = shared
        .scripts
        .lock()
        .unwrap()
        .get_mut(&name)
        .and_then(VecDeque::pop_front)
        .unwrap_or(Answer::Ok);
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let secret = shared.secrets.lock().unwrap().get(&name).cloned();
    let verified = secret.is_some_and(|secret| checks_out(&secret, &headers, &body));
    let header_text = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    shared.arrivals.lock().unwrap().push(Arrival {
        endpoint: name,
        msg_id: header_text("webhook-id"),
        event_id: event["id"].as_i64().unwrap_or(-1),
        answer: answer.clone(),
        verified,
    });
    shared.arrived.notify_waiters();
    match answer {
        Answer::Ok => StatusCode::NO_CONTENT.into_response(),
        Answer::Status(status) => (
            StatusCode::from_u16(status).unwrap(),
            "the receiver says no",
        )
            .into_response(),
        Answer::Hang => std::future::pending().await,
        Answer::Close => {
            close.notify_one();
            std::future::pending().await
        }
        Answer::Stall => {
            shared.holding.notify_one();
            std::future::pending().await
        }
        Answer::Redirect(to) => {
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response()
        }
        Answer::HugeOk(len) => Body::from_stream(Chunks {
            left: len,
            produced: shared.produced.clone(),
        })
        .into_response(),
        Answer::LongError(len) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "x".repeat(len)).into_response()
        }
        Answer::Slow(delay) => {
            shared.holding.notify_one();
            tokio::time::sleep(delay).await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// The signature checks out by the crate's `verify` (at the message's own
/// timestamp: tests move the worker's clock) and by the independent HMAC.
fn checks_out(secret: &WebhookSecret, headers: &HeaderMap, body: &[u8]) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(ts), Some(signatures)) = (
        text("webhook-id"),
        text(WEBHOOK_TIMESTAMP),
        text("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(ts) = ts.parse::<i64>() else {
        return false;
    };
    let at = chrono::DateTime::from_timestamp(ts, 0).unwrap();
    let ours = verify(secret, headers, body, at, DEFAULT_TOLERANCE).is_ok();
    let theirs = independently_signed(secret.expose(), id, ts, body);
    ours && signatures.split(' ').any(|s| s == theirs)
}

/// A body of `left` bytes in 64 KiB chunks, counting what it hands out.
struct Chunks {
    left: usize,
    produced: Arc<AtomicUsize>,
}

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(CHUNK.len());
        self.left -= n;
        self.produced.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Bytes::from_static(&CHUNK[..n]))))
    }
}
