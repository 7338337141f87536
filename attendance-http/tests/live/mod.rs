//! A live server for the end-to-end tests: [`attendance_http::serve`] on an
//! ephemeral loopback port, reqwest as the client, and replies that check
//! every problem body.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use attendance_core::access::Identity;
use attendance_core::tokens::{TokenService, TokenStore};
use attendance_http::{BearerAuthenticator, Services};
use attendance_pg::PgStore;
use axum::Router;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running [`attendance_http::serve`] on 127.0.0.1:0.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub shutdown: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

/// `services` authenticating bearer tokens kept in `tokens`, and a fresh
/// admin token's secret: what the server example does, minus the CLI.
pub async fn with_admin_token(
    services: Services,
    tokens: Arc<dyn TokenStore>,
) -> (Services, String) {
    let tokens = TokenService::new(tokens);
    let admin = Identity::Admin {
        name: "e2e".to_owned(),
    };
    let (_, secret) = tokens.create(&admin, None).await.unwrap();
    let bearer = BearerAuthenticator::new(tokens, services.attendance().clone());
    let services = services.with_authenticator(Arc::new(bearer));
    (services, secret.expose().to_owned())
}

impl Server {
    /// Serves `app`; the client sends `token` as a bearer token, if given.
    pub async fn start(app: Router, token: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(attendance_http::serve(listener, app, async {
            rx.await.ok();
        }));
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = token {
            headers.insert(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            );
        }
        Self {
            base,
            client: reqwest::Client::builder()
                .no_proxy()
                .default_headers(headers)
                .build()
                .unwrap(),
            shutdown: Some(tx),
            task,
        }
    }

    /// The server over `store`, the client an admin with a token kept in
    /// the same database.
    pub async fn over(store: PgStore) -> Self {
        let tokens = Arc::new(store.tokens());
        let services = Services::from_store(Arc::new(store));
        let (services, token) = with_admin_token(services, tokens).await;
        Self::start(attendance_http::router(services), Some(&token)).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        Reply::from(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Signals shutdown and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        self.task.await.unwrap().unwrap();
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub request_id: Option<String>,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after");
        let request_id = header("x-request-id");
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            retry_after,
            request_id,
            body,
            text,
        }
    }

    /// A problem+json of `status` and kind, without internals.
    pub fn problem(&self, status: StatusCode, kind: &str) -> &Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type, "application/problem+json", "{self:?}");
        assert_eq!(
            self.body["type"],
            format!("https://attendance.dev/problems/{kind}"),
            "{self:?}"
        );
        assert_eq!(self.body["status"], status.as_u16());
        for needle in ["sqlx", "SELECT", "postgres", "::", "panicked", "relation"] {
            assert!(
                !self.text.contains(needle),
                "{needle} leaked: {}",
                self.text
            );
        }
        &self.body
    }
}
