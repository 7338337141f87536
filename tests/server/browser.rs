//! A small WebDriver client: ChromeDriver started on a free port, one
//! headless Chromium session driven over W3C WebDriver's JSON with reqwest.
//! The dozen commands the web tests use do not justify a client crate and
//! the sixty crates it would bring.

use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};

/// The key under which WebDriver names an element (W3C, section 12.1).
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long ChromeDriver and a new session may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How often `wait_*` look again.
const POLL: Duration = Duration::from_millis(50);

/// What to run when the browser is missing.
const INSTALL: &str = "install them with `apt-get install chromium chromium-driver` (`.ci/run` \
                       does so when they are missing), or point CHROME_BIN and CHROMEDRIVER at \
                       them";

/// A WebDriver command that failed: the driver's error code and message.
#[derive(Debug)]
pub(crate) struct DriverError {
    command: String,
    error: String,
    message: String,
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.command, self.error, self.message)
    }
}

impl std::error::Error for DriverError {}

impl DriverError {
    /// Whether the element named is no longer in the page (drawn again).
    pub(crate) fn is_stale(&self) -> bool {
        self.error == "stale element reference"
    }
}

type Result<T> = std::result::Result<T, DriverError>;

/// ChromeDriver and one browser session; both end when dropped.
#[derive(Debug)]
pub(crate) struct Browser {
    http: reqwest::Client,
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
}

/// An element of the current page.
#[derive(Debug, Clone)]
pub(crate) struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

/// The program named by the variable `var`, else the first of `candidates`
/// found (on `PATH` for a bare name).
fn binary(var: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "{var}={} does not exist; {INSTALL}",
            path.display()
        );
        return path;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    for candidate in candidates {
        let candidate = Path::new(candidate);
        if candidate.is_absolute() {
            if candidate.exists() {
                return candidate.to_owned();
            }
        } else if let Some(dir) = on_path.iter().find(|dir| dir.join(candidate).exists()) {
            return dir.join(candidate);
        }
    }
    panic!("{} is not installed: {INSTALL}", candidates[0]);
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium with a fresh profile.
    pub(crate) async fn start() -> Self {
        let chromium = binary("CHROME_BIN", &["chromium", "/usr/bin/chromium"]);
        let chromedriver = binary("CHROMEDRIVER", &["chromedriver", "/usr/bin/chromedriver"]);
        let port = super::free_port();
        let profile =
            std::env::temp_dir().join(format!("attendance-chromium-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).unwrap();
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            // Dates and times as the tests compute them, whatever the host.
            .env("TZ", "UTC")
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group, so that Chromium's processes end with it.
            .process_group(0);
        let driver = command.spawn().unwrap_or_else(|err| {
            panic!(
                "{} does not start ({err}); {INSTALL}",
                chromedriver.display()
            )
        });
        let http = super::http_client();
        let mut browser = Self {
            http,
            driver,
            port,
            session: String::new(),
            profile,
        };
        browser.wait_ready().await;
        browser.session = browser.new_session(&chromium).await;
        browser
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let status = self
                .http
                .get(format!("http://127.0.0.1:{}/status", self.port))
                .send()
                .await;
            if let Ok(response) = status
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == true
            {
                return;
            }
            if let Some(exit) = self.driver.try_wait().unwrap() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.driver.stderr.take() {
                    pipe.read_to_string(&mut stderr).ok();
                }
                panic!("chromedriver exited ({exit}): {stderr}");
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    async fn new_session(&self, chromium: &Path) -> String {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--lang=en-US".to_owned(),
            "--window-size=1280,800".to_owned(),
            format!("--user-data-dir={}", self.profile.display()),
        ];
        let body = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"script": 30_000, "pageLoad": 30_000, "implicit": 0},
        }}});
        let response = self
            .http
            .post(format!("http://127.0.0.1:{}/session", self.port))
            .json(&body)
            .send()
            .await
            .unwrap();
        let value: Value = response.json().await.unwrap();
        match value["value"]["sessionId"].as_str() {
            Some(id) => id.to_owned(),
            None => panic!(
                "Chromium ({}) did not start a session: {}; {INSTALL}",
                chromium.display(),
                value["value"]["message"]
            ),
        }
    }

    /// Sends one command of the session and returns its `value`.
    async fn command(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let label = format!("{method} {path}");
        let url = format!(
            "http://127.0.0.1:{}/session/{}{path}",
            self.port, self.session
        );
        let mut request = self.http.request(method.clone(), url);
        // WebDriver wants a JSON body on every POST, even an empty one.
        if method == Method::POST {
            request = request.json(&body.unwrap_or_else(|| json!({})));
        }
        let failed = |error: String, message: String| DriverError {
            command: label.clone(),
            error,
            message,
        };
        let response = request
            .send()
            .await
            .map_err(|e| failed("transport".into(), e.to_string()))?;
        let status = response.status();
        let mut body: Value = response
            .json()
            .await
            .map_err(|e| failed("malformed response".into(), e.to_string()))?;
        let value = body["value"].take();
        if status.is_success() {
            Ok(value)
        } else {
            Err(failed(
                value["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_owned(),
                value["message"].as_str().unwrap_or_default().to_owned(),
            ))
        }
    }

    /// Opens `url` and waits for it to load.
    pub(crate) async fn goto(&self, url: &str) -> Result<()> {
        self.command(Method::POST, "/url", Some(json!({"url": url})))
            .await
            .map(drop)
    }

    /// The address of the current page.
    pub(crate) async fn current_url(&self) -> Result<String> {
        let url = self.command(Method::GET, "/url", None).await?;
        Ok(url.as_str().unwrap_or_default().to_owned())
    }

    /// Sets the outer size of the window.
    pub(crate) async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        let rect = json!({"width": width, "height": height});
        self.command(Method::POST, "/window/rect", Some(rect))
            .await
            .map(drop)
    }

    /// Sizes the window so that the page's viewport is `width` × `height`
    /// CSS pixels (the window's frame, if it has one, added on).
    pub(crate) async fn set_viewport(&self, width: u32, height: u32) -> Result<()> {
        let (mut outer_w, mut outer_h) = (width, height);
        for _ in 0..3 {
            self.set_window_size(outer_w, outer_h).await?;
            let inner = self
                .execute("return [window.innerWidth, window.innerHeight];", &[])
                .await?;
            let (w, h) = (
                inner[0].as_i64().unwrap_or(0),
                inner[1].as_i64().unwrap_or(0),
            );
            if (w, h) == (i64::from(width), i64::from(height)) {
                return Ok(());
            }
            outer_w = u32::try_from(i64::from(outer_w) + i64::from(width) - w).unwrap_or(width);
            outer_h = u32::try_from(i64::from(outer_h) + i64::from(height) - h).unwrap_or(height);
        }
        let inner = self
            .execute("return [window.innerWidth, window.innerHeight];", &[])
            .await?;
        Err(DriverError {
            command: format!("viewport {width}x{height}"),
            error: "not reached".into(),
            message: format!("the viewport stays {inner}"),
        })
    }

    fn element(&self, value: &Value) -> Element<'_> {
        Element {
            browser: self,
            id: value[ELEMENT_KEY].as_str().unwrap_or_default().to_owned(),
        }
    }

    /// The first element matching the CSS `selector`.
    pub(crate) async fn find(&self, selector: &str) -> Result<Element<'_>> {
        let body = json!({"using": "css selector", "value": selector});
        let found = self.command(Method::POST, "/element", Some(body)).await?;
        Ok(self.element(&found))
    }

    /// Every element matching the CSS `selector`, in document order.
    pub(crate) async fn find_all(&self, selector: &str) -> Result<Vec<Element<'_>>> {
        let body = json!({"using": "css selector", "value": selector});
        let found = self.command(Method::POST, "/elements", Some(body)).await?;
        Ok(found
            .as_array()
            .map(|all| all.iter().map(|e| self.element(e)).collect())
            .unwrap_or_default())
    }

    /// Waits up to `timeout` for an element matching `selector`.
    pub(crate) async fn wait_for(&self, selector: &str, timeout: Duration) -> Result<Element<'_>> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(selector).await {
                Ok(found) => return Ok(found),
                Err(err) if err.error == "no such element" && Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) until it
    /// returns something other than `null`, `undefined` or `false`, for up
    /// to `timeout`, and returns that. A timeout's error carries the last
    /// value seen.
    pub(crate) async fn wait_until(
        &self,
        script: &str,
        args: &[Value],
        timeout: Duration,
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, args).await?;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(value);
            }
            if Instant::now() >= deadline {
                return Err(DriverError {
                    command: "wait_until".into(),
                    error: "timeout".into(),
                    message: format!(
                        "after {timeout:?} the script still returns {value}: {script}"
                    ),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` in the page and returns what it returns.
    pub(crate) async fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        let body = json!({"script": script, "args": args});
        self.command(Method::POST, "/execute/sync", Some(body))
            .await
    }

    /// Runs `script`, which calls its last argument with the result (as
    /// after a `fetch`), and returns that result.
    pub(crate) async fn execute_async(&self, script: &str, args: &[Value]) -> Result<Value> {
        let body = json!({"script": script, "args": args});
        self.command(Method::POST, "/execute/async", Some(body))
            .await
    }

    /// The value of the cookie `name`, `HttpOnly` ones included.
    pub(crate) async fn cookie(&self, name: &str) -> Result<String> {
        let cookie = self
            .command(Method::GET, &format!("/cookie/{name}"), None)
            .await?;
        Ok(cookie["value"].as_str().unwrap_or_default().to_owned())
    }

    /// The browser console's messages since the last call (Chromium's
    /// logging extension), one line each; CSP violations show up here.
    pub(crate) async fn console(&self) -> Result<Vec<String>> {
        let logs = self
            .command(Method::POST, "/se/log", Some(json!({"type": "browser"})))
            .await?;
        Ok(logs
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|entry| format!("{} {}", entry["level"], entry["message"]))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Writes a PNG of the viewport to `path`, creating its directory.
    pub(crate) async fn screenshot(&self, path: &Path) -> Result<()> {
        let encoded = self.command(Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|e| DriverError {
                command: "GET /screenshot".into(),
                error: "not base64".into(),
                message: e.to_string(),
            })?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
        Ok(())
    }

    /// Ends the session (ChromeDriver closes Chromium) with a plain
    /// blocking request: `Drop` cannot await.
    fn delete_session(&self) {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.session, self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return;
        }
        // ChromeDriver answers once Chromium is gone, and may keep the
        // connection open after: the response's head is enough.
        let mut response = Vec::new();
        let mut chunk = [0_u8; 1024];
        while !response.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            self.delete_session();
        }
        // The driver's group holds any Chromium process the session left.
        let group = format!("-{}", self.driver.id());
        Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .ok();
        self.driver.kill().ok();
        self.driver.wait().ok();
        std::fs::remove_dir_all(&self.profile).ok();
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// Clicks the element (scrolled into view first by the driver).
    pub(crate) async fn click(&self) -> Result<()> {
        self.browser
            .command(Method::POST, &self.path("/click"), None)
            .await
            .map(drop)
    }

    /// Clears the field, then types `text` into it.
    pub(crate) async fn send_keys(&self, text: &str) -> Result<()> {
        self.browser
            .command(Method::POST, &self.path("/clear"), None)
            .await?;
        self.browser
            .command(
                Method::POST,
                &self.path("/value"),
                Some(json!({"text": text})),
            )
            .await
            .map(drop)
    }

    /// The rendered text, as a user sees it.
    pub(crate) async fn text(&self) -> Result<String> {
        let text = self
            .browser
            .command(Method::GET, &self.path("/text"), None)
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The attribute `name`, or `None` when absent.
    pub(crate) async fn attribute(&self, name: &str) -> Result<Option<String>> {
        let value = self
            .browser
            .command(Method::GET, &self.path(&format!("/attribute/{name}")), None)
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Whether the control is enabled.
    pub(crate) async fn is_enabled(&self) -> Result<bool> {
        let value = self
            .browser
            .command(Method::GET, &self.path("/enabled"), None)
            .await?;
        Ok(value == true)
    }

    /// The element as a script argument (`arguments[i]` in `execute`).
    pub(crate) fn as_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}
