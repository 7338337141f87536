//! The web app in a real headless Chromium, served by the server example
//! (its embedded assets) over a fresh PostgreSQL database. Data is seeded
//! through the API with an admin token, so the page and the API read the
//! same rows; what the page shows is compared with what the API answers.

mod employee;
mod hostile;
mod manager;
mod screenshots;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::browser::Browser;
use super::*;

/// How long a view may take to leave `loading`.
const VIEW_TIMEOUT: Duration = Duration::from_secs(20);

/// A fresh database, the server example over it and an admin caller.
struct Site {
    db: common::TestDb,
    server: Served,
    base: String,
    http: reqwest::Client,
    admin_token: String,
    admin: Api,
}

impl Site {
    /// Serves a fresh database with `env` added to the server's environment.
    async fn start(env: &[(&str, &str)]) -> Self {
        let db = common::TestDb::create().await;
        let admin_token = token(&db.url, &["--admin", "--name", "web-test admin"]);
        let server = serve_with(&db.url, None, env).await;
        let base = format!("http://127.0.0.1:{}", server.port);
        let http = http_client();
        let admin = Api {
            http: http.clone(),
            base: base.clone(),
            auth: Auth::Bearer(admin_token.clone()),
        };
        Self {
            db,
            server,
            base,
            http,
            admin_token,
            admin,
        }
    }

    /// A caller with `token`.
    fn api(&self, token: &str) -> Api {
        Api {
            http: self.http.clone(),
            base: self.base.clone(),
            auth: Auth::Bearer(token.to_owned()),
        }
    }

    /// A caller that presents the app's session cookie, and the CSRF token
    /// when given.
    fn with_cookie(&self, cookie: &str, csrf: Option<&str>) -> Api {
        Api {
            http: self.http.clone(),
            base: self.base.clone(),
            auth: Auth::Cookie {
                cookie: cookie.to_owned(),
                csrf: csrf.map(str::to_owned),
            },
        }
    }

    /// A token for the employee `id`, from the command line.
    fn employee_token(&self, id: i64) -> String {
        token(&self.db.url, &["--employee", &id.to_string()])
    }

    /// `route` (such as `#/teams`) of the app on this server.
    fn url(&self, route: &str) -> String {
        format!("{}/{route}", self.base)
    }

    async fn stop(self) {
        drop(self.server);
        self.db.drop_db().await;
    }
}

/// How a caller proves who it is.
#[derive(Debug, Clone)]
enum Auth {
    Bearer(String),
    Cookie {
        cookie: String,
        csrf: Option<String>,
    },
}

/// One caller of the served API.
#[derive(Debug, Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    auth: Auth,
}

impl Api {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        request = match &self.auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Cookie { cookie, csrf } => {
                let request = request.header("Cookie", format!("attendance_session={cookie}"));
                match csrf {
                    Some(csrf) => request.header("X-CSRF-Token", csrf),
                    None => request,
                }
            }
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// `GET path`, which must answer 200.
    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `POST path`, which must create; returns the new row's id.
    async fn create(&self, path: &str, body: Value) -> i64 {
        let (status, created) = self.post(path, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {created}");
        created["id"].as_i64().unwrap()
    }

    async fn team(&self, name: &str, timezone: &str, late_after: &str) -> i64 {
        let team = json!({"name": name, "timezone": timezone, "late_after": late_after});
        self.create("/teams", team).await
    }

    async fn employee(&self, name: &str, team_id: i64, manager: bool) -> i64 {
        let person =
            json!({"name": name, "role": "Engineer", "team_id": team_id, "is_manager": manager});
        self.create("/employees", person).await
    }

    /// A finished session, recorded after the fact.
    async fn record(&self, employee_id: i64, mode: &str, from: &str, to: &str) -> i64 {
        let session = json!({"employee_id": employee_id, "work_mode": mode, "clock_in": from,
                             "clock_out": to, "reason": "seeded by the web test"});
        self.create("/attendance/sessions", session).await
    }

    /// An open session from `at`.
    async fn clock_in(&self, employee_id: i64, mode: &str, at: &str) -> i64 {
        let clock_in = json!({"employee_id": employee_id, "work_mode": mode, "at": at});
        self.create("/attendance/clock-in", clock_in).await
    }
}

/// Runs `script` until `done` accepts what it returns, for up to
/// [`VIEW_TIMEOUT`]; returns the accepted value, or fails with the last one.
async fn settle(
    browser: &Browser,
    what: &str,
    script: &str,
    args: &[Value],
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + VIEW_TIMEOUT;
    loop {
        let value = browser.execute(script, args).await.unwrap();
        if done(&value) {
            return value;
        }
        if std::time::Instant::now() >= deadline {
            let console = browser.console().await.unwrap_or_default();
            panic!(
                "{what}: after {VIEW_TIMEOUT:?} the page still shows {value}; console: {console:#?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for `main#view` to show the view `name` in a settled state
/// (`ready`, `not-found` or `error`) and returns that state. A timeout
/// fails with what the page shows instead, and its console.
async fn wait_view(browser: &Browser, name: &str) -> String {
    const SETTLED: &str = "const view = document.querySelector('main#view');
        if (!view || view.dataset.view !== arguments[0]) return null;
        const state = view.dataset.state;
        return state && state !== 'loading' ? state : null;";
    match browser
        .wait_until(SETTLED, &[json!(name)], VIEW_TIMEOUT)
        .await
    {
        Ok(state) => state.as_str().unwrap_or_default().to_owned(),
        Err(err) => {
            let shown = browser
                .execute(
                    "const view = document.querySelector('main#view');
                     const alert = document.querySelector('[role=alert]');
                     return {url: location.href,
                             view: view && view.dataset.view, state: view && view.dataset.state,
                             alert: alert && alert.textContent,
                             body: document.body ? document.body.innerText.slice(0, 600) : null};",
                    &[],
                )
                .await
                .unwrap_or_else(|e| Value::String(e.to_string()));
            let console = browser.console().await.unwrap_or_default();
            panic!(
                "the view {name:?} did not settle ({err}); the page shows {shown:#}; \
                 console: {console:#?}"
            )
        }
    }
}

/// Opens `route` and waits for its view to be `ready`.
async fn open(browser: &Browser, site: &Site, route: &str, view: &str) {
    browser.goto(&site.url(route)).await.unwrap();
    let state = wait_view(browser, view).await;
    assert_eq!(state, "ready", "{route}");
}

/// Signs in on the sign-in view with `token` and returns the view the app
/// lands on.
async fn sign_in(browser: &Browser, site: &Site, token: &str) -> String {
    browser.goto(&site.url("")).await.unwrap();
    assert_eq!(wait_view(browser, "sign-in").await, "ready");
    browser
        .wait_for("form#sign-in input#token[type=password]", VIEW_TIMEOUT)
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    let label = browser.find("form#sign-in label[for=token]").await.unwrap();
    assert!(!label.text().await.unwrap().trim().is_empty());
    press(
        browser,
        "form#sign-in button:not([type=button]):not([type=reset])",
    )
    .await;
    let landed = browser
        .wait_until(
            "const view = document.querySelector('main#view');
             return view && view.dataset.view !== 'sign-in' && view.dataset.state === 'ready'
                 ? view.dataset.view : null;",
            &[],
            VIEW_TIMEOUT,
        )
        .await;
    match landed {
        Ok(view) => view.as_str().unwrap_or_default().to_owned(),
        Err(err) => {
            let error = browser.find("#sign-in-error").await;
            let shown = match error {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("signing in did not leave the sign-in view ({err}); #sign-in-error: {shown:?}")
        }
    }
}

/// Clicks the element matching `selector`, found afresh: a view may draw
/// its controls again between a find and a click.
async fn press(browser: &Browser, selector: &str) {
    let mut attempts = 0;
    loop {
        let outcome = match browser.find(selector).await {
            Ok(element) => element.click().await,
            Err(err) => Err(err),
        };
        match outcome {
            Ok(()) => return,
            Err(err) if err.is_stale() && attempts < 5 => attempts += 1,
            Err(err) => panic!("clicking {selector}: {err}"),
        }
    }
}

/// Sets the form control `selector` to `value` as a user would leave it
/// (`input` and `change` fired). For a `select`, `value` may also be an
/// option's visible text.
async fn set_control(browser: &Browser, selector: &str, value: &str) {
    let set = browser
        .execute(
            "const control = document.querySelector(arguments[0]);
             if (!control) return 'missing';
             let value = arguments[1];
             if (control.tagName === 'SELECT') {
                 const option = [...control.options].find(
                     o => o.value === value || o.textContent.trim() === value);
                 if (!option) return 'no option ' + value + ' among '
                     + [...control.options].map(o => o.value + '=' + o.textContent.trim()).join(', ');
                 value = option.value;
             }
             control.value = value;
             if (control.value !== value) return 'refused ' + value;
             control.dispatchEvent(new Event('input', {bubbles: true}));
             control.dispatchEvent(new Event('change', {bubbles: true}));
             return 'ok';",
            &[json!(selector), json!(value)],
        )
        .await
        .unwrap();
    assert_eq!(set, "ok", "{selector} = {value:?}");
}

/// The rendered text of every element matching `selector`, trimmed, read
/// in one go (a view may draw its elements again at any time).
async fn texts(browser: &Browser, selector: &str) -> Vec<String> {
    let texts = browser
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(el => el.innerText.trim());",
            &[json!(selector)],
        )
        .await
        .unwrap();
    serde_json::from_value(texts).unwrap()
}
