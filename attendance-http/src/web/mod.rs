//! The web app (feature `web`): the pages employees clock in with and
//! managers read, served beside the API.
//!
//! A thin client of the API: plain ES modules and CSS embedded in this
//! crate (no Node toolchain, no CDN; nothing is fetched from elsewhere), a
//! view per hash route, every figure read from the same routes, with the
//! same tokens and scope, as any other client. The page builds its DOM from
//! text nodes only, and every response carries a strict
//! Content-Security-Policy ([`CONTENT_SECURITY_POLICY`]: scripts and styles
//! from this origin, no inline code), so a name from the data is shown as
//! text, never run.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use attendance_core::memory::InMemoryStore;
//! use attendance_core::tokens::{InMemoryTokens, TokenService};
//! use attendance_http::web::{SessionConfig, WebApp, WebConfig, WebSessions};
//! use attendance_http::{BearerAuthenticator, HttpConfig, Services};
//!
//! # fn demo() -> Result<(), attendance_http::web::WebConfigError> {
//! let services = Services::from_store(Arc::new(InMemoryStore::new()));
//! let tokens = TokenService::new(Arc::new(InMemoryTokens::new()));
//! let bearer = BearerAuthenticator::new(tokens, services.attendance().clone());
//! // Sign-in with API tokens, kept in a session cookie; the API accepts
//! // both the cookie (with its CSRF token) and bearer tokens.
//! let sessions = WebSessions::new(bearer, SessionConfig::default());
//! let services = services.with_authenticator(Arc::new(sessions.clone()));
//! let api = attendance_http::router_with(services, &HttpConfig::default());
//! // The app at /ui, the API at /api.
//! let config = WebConfig::default().with_app_base("/ui")?.with_api_base("/api")?;
//! let web = WebApp::new(config).with_sign_in(sessions);
//! let app = axum::Router::new()
//!     .nest("/api", api)
//!     .nest("/ui", web.router());
//! # Ok(())
//! # }
//! ```
//!
//! # Routes (under the app's base)
//! | method | path | what |
//! |---|---|---|
//! | GET | `/` | the page |
//! | GET | `/assets/{path}` | a script or stylesheet (`ETag`, gzip when accepted) |
//! | POST | `/session` `{token}` | sign in: 201 `{csrf_token, expires_at}` and the cookie |
//! | GET | `/session` | the session's `{csrf_token, expires_at}`, or 401 |
//! | DELETE | `/session` | sign out (needs `X-CSRF-Token`): 204 |
//!
//! Without [`WebApp::with_sign_in`] there are no `/session` routes and the
//! page signs no one in: for a host whose [`Authenticator`](crate::Authenticator)
//! finds the user by other means (a proxy's header, or
//! [`AuthOff`](crate::AuthOff) in development).

mod assets;
mod session;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::problem::Problem;
use assets::Asset;

pub use session::{CSRF_HEADER, SESSION_COOKIE, SessionConfig, WebSessions};

/// The Content-Security-Policy of every response of the app: scripts,
/// styles and requests to this origin only, nothing inline, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Where the app and the API are mounted, and where the app's files come
/// from; every default is documented on its field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebConfig {
    /// The path the host nests [`WebApp::router`] under: `""` (default) for
    /// the root, or `/ui`-like.
    pub app_base: String,
    /// The path the host nests the API under: `""` (default) when the
    /// API is at the root beside the app.
    pub api_base: String,
    /// Serve the files from this directory, read on every request, instead
    /// of the copies embedded in the crate: for working on the app (edit,
    /// reload). Default: `None`.
    pub assets_dir: Option<PathBuf>,
}

/// A base path that cannot be used in a URL as given.
#[derive(Debug, thiserror::Error)]
#[error(
    "{field} {value:?} is not a base path: empty, or `/` and segments of letters, digits \
     and `-_.~`, without a trailing `/`"
)]
pub struct WebConfigError {
    field: &'static str,
    value: String,
}

impl WebConfig {
    /// Sets [`WebConfig::app_base`].
    pub fn with_app_base(mut self, base: &str) -> Result<Self, WebConfigError> {
        self.app_base = base_path("app_base", base)?;
        Ok(self)
    }

    /// Sets [`WebConfig::api_base`].
    pub fn with_api_base(mut self, base: &str) -> Result<Self, WebConfigError> {
        self.api_base = base_path("api_base", base)?;
        Ok(self)
    }

    /// Sets [`WebConfig::assets_dir`].
    pub fn with_assets_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.assets_dir = Some(dir.into());
        self
    }
}

fn base_path(field: &'static str, value: &str) -> Result<String, WebConfigError> {
    let valid = value.is_empty()
        || (value.starts_with('/')
            && value.len() <= 200
            && value[1..].split('/').all(|segment| {
                !segment.is_empty()
                    && segment.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
                    })
            }));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(WebConfigError {
            field,
            value: value.chars().take(200).collect(),
        })
    }
}

/// The web app: build it once, then take its [`WebApp::router`].
#[derive(Debug, Clone)]
pub struct WebApp {
    config: Arc<WebConfig>,
    sessions: Option<WebSessions>,
}

impl WebApp {
    /// The app mounted as `config` says, signing no one in until
    /// [`WebApp::with_sign_in`].
    pub fn new(config: WebConfig) -> Self {
        Self {
            config: Arc::new(config),
            sessions: None,
        }
    }

    /// Signs users in with their API tokens into `sessions`, the same
    /// [`WebSessions`] the API's services authenticate with.
    pub fn with_sign_in(mut self, sessions: WebSessions) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// The app's routes (see "Routes" above), to merge beside the API or
    /// nest under [`WebConfig::app_base`]. It has no fallback, so it merges
    /// with the API's router.
    pub fn router(&self) -> Router {
        let pages = Router::new()
            .route("/", get(index))
            .route("/assets/{*path}", get(asset))
            .with_state(self.clone());
        let Some(sessions) = &self.sessions else {
            return pages;
        };
        pages.merge(
            Router::new()
                .route(
                    "/session",
                    get(session::current)
                        .post(session::sign_in)
                        .delete(session::sign_out),
                )
                .with_state(sessions.clone())
                .layer(DefaultBodyLimit::max(16 * 1024)),
        )
    }

    /// The page: the template with the bases and the sign-in mode filled
    /// in (attribute-escaped, though [`WebConfig`] already allows no
    /// character that needs it).
    async fn page(&self) -> Option<Asset> {
        let template = match &self.config.assets_dir {
            Some(dir) => tokio::fs::read_to_string(dir.join(assets::INDEX))
                .await
                .ok()?,
            None => assets::embedded_text(assets::INDEX)?.to_owned(),
        };
        let sign_in = if self.sessions.is_some() {
            "token"
        } else {
            "none"
        };
        let page = template
            .replace("{{APP_BASE}}", &escape(&self.config.app_base))
            .replace("{{API_BASE}}", &escape(&self.config.api_base))
            .replace("{{SIGN_IN}}", sign_in);
        Some(Asset::new(assets::INDEX, page.into()))
    }
}

async fn index(State(app): State<WebApp>, headers: HeaderMap) -> Response {
    match app.page().await {
        Some(page) => serve(&page, &headers),
        None => Problem::not_found("the app's page is missing").into_response(),
    }
}

async fn asset(
    State(app): State<WebApp>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let found = match &app.config.assets_dir {
        Some(dir) => assets::from_dir(dir, &path).await.map(Arc::new),
        None if path != assets::INDEX => assets::embedded(&path),
        None => None,
    };
    match found {
        Some(asset) => serve(&asset, &headers),
        None => Problem::not_found("no such file in the app").into_response(),
    }
}

/// `asset` with the app's security headers, revalidated by `ETag`,
/// gzipped when the client takes it.
fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let gzipped = asset.gzip.is_some() && assets::accepts_gzip(request);
    let mut response = if asset.is_fresh(request, gzipped) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match &asset.gzip {
            Some(packed) if gzipped => {
                let mut r = Body::from(packed.clone()).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            _ => Body::from(asset.body.clone()).into_response(),
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::ETAG, asset.etag(gzipped));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // Always revalidate: a new release is seen on the next load, and an
    // unchanged file costs a 304.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// `value` safe inside a double-quoted HTML attribute.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_plain_paths() {
        for good in ["", "/ui", "/attendance/app", "/a-b_c.d~e"] {
            assert!(base_path("app_base", good).is_ok(), "{good:?}");
        }
        for bad in [
            "/",
            "ui",
            "/ui/",
            "//evil.example",
            "/a//b",
            "/\"><script>",
            "/ü",
            "/a b",
        ] {
            assert!(base_path("app_base", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#""><img src=x onerror='1'>&"#),
            "&quot;&gt;&lt;img src=x onerror=&#39;1&#39;&gt;&amp;"
        );
    }
}
