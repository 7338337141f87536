//! The server example end to end: the real binary
//! (`target/…/examples/server`, which `cargo test` builds with the tests)
//! against a fresh PostgreSQL database.
//!
//! `cli`: `token create --admin` prints a token that the running server
//! accepts, `token revoke` makes the server refuse it, and only
//! `ATTENDANCE_AUTH=off` turns authentication off.
//! `close`: a month closed as a company would: a request approved, the
//! period locked, the timesheet exported, and a receiver hearing of it all
//! through signed webhooks.
//! `browser`: a small WebDriver client for ChromeDriver and headless Chromium.
//! `web`: the web app in that browser, each role's views checked against the API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cli;
mod close;
mod web;

use attendance_testsupport as common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The example binary, next to this test's own directory.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir.join("examples").join("server");
    assert!(
        binary.exists(),
        "{} is missing: `cargo test` builds it; to run this test alone, run \
         `cargo build --example server` first",
        binary.display()
    );
    binary
}

/// Runs `server ARGS` against `url` and waits for it.
fn run(url: &str, args: &[&str]) -> Output {
    Command::new(server_binary())
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "info")
        .env_remove("ATTENDANCE_AUTH")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A token from `server token create ARGS`, against the database `url`.
fn token(url: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create"];
    all.extend_from_slice(args);
    stdout(&run(url, &all)).trim_end().to_owned()
}

/// An HTTP client. reqwest builds none without a TLS provider, and this
/// package's own build of it has none (`cargo test -p attendance` alone);
/// the model client's builder brings ring's, though every request here
/// stays on loopback.
fn http_client() -> reqwest::Client {
    attendance::llm::http_client_builder()
        .unwrap()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A free loopback port (bound, then released for the server).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server, killed when dropped.
struct Served {
    child: Child,
    port: u16,
}

impl Served {
    /// Stops the server and returns what it logged.
    fn stop(mut self) -> String {
        self.child.kill().ok();
        let mut logged = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut stderr, &mut logged).ok();
        }
        logged
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn serve(url: &str, auth: Option<&str>) -> Served {
    serve_with(url, auth, &[]).await
}

/// The server with extra environment variables.
async fn serve_with(url: &str, auth: Option<&str>, env: &[(&str, &str)]) -> Served {
    let port = free_port();
    let mut command = Command::new(server_binary());
    command
        .env("DATABASE_URL", url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ATTENDANCE_AUTH")
        // The app as built into the binary, never a development copy on disk.
        .env_remove("ATTENDANCE_WEB_ASSETS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(auth) = auth {
        command.env("ATTENDANCE_AUTH", auth);
    }
    command.envs(env.iter().copied());
    let mut served = Served {
        child: command.spawn().unwrap(),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while status(port, "/health", None).await != Some(200) {
        assert!(
            served.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    served
}

/// The status of `GET path`, or `None` when nothing answers.
async fn status(port: u16, path: &str, token: Option<&str>) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    response.split(' ').nth(1)?.parse().ok()
}
