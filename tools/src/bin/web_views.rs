//! Every view of the web app, as each role that may open it sees it, loaded
//! in headless Chromium against a running server, next to the API requests
//! the view makes sent straight to the server.
//!
//! ```sh
//! benches/web-views.sh      # seeds (or reuses) the company, starts the server, makes the tokens
//! # or, against a server already running on a seeded database:
//! cargo run --release -p attendance-tools --bin web_views -- --base http://127.0.0.1:18090 \
//!     --admin ATT_ADMIN --manager ATT_MANAGER --employee ATT_EMPLOYEE \
//!     [--samples 10] [--only team] [--date 2026-12-04]
//! ```
//!
//! The employee must be in a team the manager manages, so that every role
//! opens the same person and the same team. `--date` opens Today and the
//! daily summary on that day rather than on today. Each view is loaded `--samples`
//! times per role by a full navigation (a blank page in between, as hash
//! routes alone would not reload the page): the first after the browser's
//! cache was cleared, the others warm. From inside the page it reads the
//! time from the navigation's start to the moment `main#view` shows the view
//! in a settled state (a mutation observer added to every new document over
//! the DevTools protocol, since the page's CSP rightly admits no inline
//! script), and the Resource Timing entries: bytes transferred (compressed,
//! headers included) on the first load, and the API requests with their
//! durations.
//!
//! The baseline, in the same run: each API request the view made, sent
//! `--samples` times with reqwest and the same credentials (the bearer
//! token, plus the session cookie for the app's own `GET /session`), timed
//! to the last byte of the body. `ready / api` is the view's ready p50 over
//! the p50 of its slowest request: what the page adds on top of its data.
//!
//! It prints a table (view, role, state, first-load KB, API requests, ready
//! p50 / p95 / first load, slowest direct request p50, ratio), the requests
//! of each view with their direct p50, and one `name=value` line per view
//! and role: `web_<view>_<role>_first_kb`, `web_<view>_<role>_ready_p50_ms`
//! and `web_<view>_<role>_ready_vs_api`, then `web_over_200kb=` (views whose
//! first load passed 200 KB).
// A benchmark is test code: a failure must stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use attendance_testsupport::browser::Browser;
use serde_json::{Value, json};

/// How long one load may take to settle.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Loads of the Summaries view per role (and direct calls of its summary).
const SUMMARY_LOADS: usize = 5;

/// The first-load budget, in bytes transferred.
const BUDGET_BYTES: f64 = 200.0 * 1024.0;

/// Records, for each view name, when `main#view` first showed it in a
/// settled state, in ms since the navigation started (`performance.now()`).
const OBSERVER: &str = "(() => {
  const seen = {};
  window.__webViews = seen;
  const look = () => {
    const main = document.querySelector('main#view');
    if (!main) return;
    const view = main.dataset.view, state = main.dataset.state;
    if (view && state && state !== 'loading' && !(view in seen)) {
      seen[view] = {state: state, at: performance.now()};
    }
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true,
    attributes: true, attributeFilter: ['data-view', 'data-state']});
})();";

/// What the page reports once the view settled.
const COLLECT: &str = "const seen = window.__webViews && window.__webViews[arguments[0]];
if (!seen) return null;
const nav = performance.getEntriesByType('navigation')[0];
const entries = performance.getEntriesByType('resource').map(r => ({
  name: r.name, type: r.initiatorType, transfer: r.transferSize,
  decoded: r.decodedBodySize, duration: r.duration}));
return {state: seen.state, at: seen.at,
        nav: {name: nav.name, transfer: nav.transferSize, decoded: nav.decodedBodySize},
        resources: entries};";

/// The principals the bench signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    SignedOut,
    Admin,
    Manager,
    Employee,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::SignedOut => "signed_out",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Employee => "employee",
        }
    }
}

/// A view, the route that opens it and who may open it.
struct View {
    name: &'static str,
    route: String,
    roles: &'static [Role],
}

/// The command line.
struct Args {
    base: String,
    admin: String,
    manager: String,
    employee: String,
    samples: usize,
    only: Option<String>,
    date: Option<String>,
}

fn args() -> Args {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let Some(name) = flag.strip_prefix("--") else {
            panic!("unexpected argument {flag:?}");
        };
        let value = it
            .next()
            .unwrap_or_else(|| panic!("--{name} needs a value"));
        found.insert(name.to_owned(), value);
    }
    let mut take = |name: &str| {
        found
            .remove(name)
            .unwrap_or_else(|| panic!("--{name} is required"))
    };
    let args = Args {
        base: take("base").trim_end_matches('/').to_owned(),
        admin: take("admin"),
        manager: take("manager"),
        employee: take("employee"),
        samples: found
            .remove("samples")
            .map_or(10, |n| n.parse().expect("--samples is a number")),
        only: found.remove("only"),
        date: found.remove("date"),
    };
    assert!(found.is_empty(), "unknown flags: {:?}", found.keys());
    assert!(args.samples >= 2, "--samples must be at least 2");
    args
}

/// One load of a view, as the page saw it.
struct Load {
    state: String,
    ready_ms: f64,
    transfer: u64,
    decoded: u64,
    /// The API requests: path and query after the base, duration in ms.
    api: Vec<(String, f64)>,
}

/// The results for one view and role.
struct Row {
    view: &'static str,
    role: Role,
    loads: Vec<Load>,
    /// Each API request of the first load, with its direct p50 in ms.
    direct: Vec<(String, f64)>,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn as_u64(value: &Value) -> u64 {
    value.as_f64().map_or(0, |v| v.max(0.0) as u64)
}

/// Whether a resource is a call of the API or of the app's session route
/// rather than one of the app's assets or its page.
fn is_api(base: &str, name: &str) -> Option<String> {
    let path = name.strip_prefix(base)?;
    (!path.starts_with("/assets/")).then(|| path.to_owned())
}

/// Opens `route` once (from a blank page, so the document loads anew) and
/// reads what the page measured.
async fn load(browser: &Browser, base: &str, route: &str, view: &str, cold: bool) -> Load {
    browser.goto("about:blank").await.unwrap();
    if cold {
        browser
            .cdp("Network.clearBrowserCache", json!({}))
            .await
            .unwrap();
    }
    browser.goto(&format!("{base}/{route}")).await.unwrap();
    let seen = browser
        .wait_until(COLLECT, &[json!(view)], LOAD_TIMEOUT)
        .await
        .unwrap_or_else(|err| panic!("{route} did not settle as {view}: {err}"));
    let mut transfer = as_u64(&seen["nav"]["transfer"]);
    let mut decoded = as_u64(&seen["nav"]["decoded"]);
    let mut api = Vec::new();
    for entry in seen["resources"].as_array().into_iter().flatten() {
        transfer += as_u64(&entry["transfer"]);
        decoded += as_u64(&entry["decoded"]);
        if let Some(path) = is_api(base, entry["name"].as_str().unwrap_or_default()) {
            api.push((path, entry["duration"].as_f64().unwrap_or(0.0)));
        }
    }
    Load {
        state: seen["state"].as_str().unwrap_or_default().to_owned(),
        ready_ms: seen["at"].as_f64().unwrap_or(f64::NAN),
        transfer,
        decoded,
        api,
    }
}

/// The p50 of `samples` direct `GET`s of `path`, ms to the body's end.
async fn direct(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    samples: usize,
) -> f64 {
    let mut times = Vec::with_capacity(samples);
    while times.len() < samples {
        let mut request = http.get(format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(cookie) = cookie {
            request = request.header("Cookie", format!("attendance_session={cookie}"));
        }
        let started = Instant::now();
        let response = request.send().await.unwrap();
        let status = response.status();
        response.bytes().await.unwrap();
        if status == 429 {
            // The summaries' rate limit (10 a minute per principal, bursts
            // of 10) refills one call in six seconds; the refused call is
            // not timed.
            tokio::time::sleep(Duration::from_secs(7)).await;
            continue;
        }
        // Signed out, `GET /me` answers 401 in the page too; otherwise a
        // refusal would time an error instead of the view's data.
        assert!(
            status.is_success() || (token.is_none() && status == 401),
            "GET {path}: {status}"
        );
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    percentile(&times, 0.5)
}

/// A fresh browser at 1280×800 that runs the observer in every document,
/// signed in with `token` when given; returns it with its session cookie.
async fn browser_for(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
) -> (Browser, Option<String>) {
    let browser = Browser::start(http.clone()).await;
    browser.set_viewport(1280, 800).await.unwrap();
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": OBSERVER}),
        )
        .await
        .unwrap();
    let Some(token) = token else {
        return (browser, None);
    };
    browser.goto(&format!("{base}/")).await.unwrap();
    let status = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/session', {method: 'POST', credentials: 'same-origin',
                                headers: {'Content-Type': 'application/json'},
                                body: JSON.stringify({token: arguments[0]})})
               .then(r => done(r.status), e => done(String(e)));",
            &[json!(token)],
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "signing in with the token");
    let cookie = browser.cookie("attendance_session").await.unwrap();
    (browser, Some(cookie))
}

/// `GET /me` with `token`.
async fn me(http: &reqwest::Client, base: &str, token: &str) -> Value {
    let response = http
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "GET /me: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// The views; Today and Summaries open on `date` when given (the page's
/// default is today, which may hold no sessions in a seeded company).
fn views(team: i64, person: i64, date: Option<&str>) -> Vec<View> {
    let on = date.map(|d| format!("?date={d}")).unwrap_or_default();
    use Role::{Admin, Employee, Manager, SignedOut};
    let view = |name, route: &str, roles| View {
        name,
        route: route.to_owned(),
        roles,
    };
    vec![
        view("sign-in", "", &[SignedOut]),
        view("my-day", "#/my-day", &[Manager, Employee]),
        view("today", &format!("#/today{on}"), &[Admin, Manager]),
        view("teams", "#/teams", &[Admin, Manager]),
        view("team", &format!("#/teams/{team}"), &[Admin, Manager]),
        view(
            "person",
            &format!("#/people/{person}"),
            &[Admin, Manager, Employee],
        ),
        view("summaries", &format!("#/summaries{on}"), &[Admin, Manager]),
        view("ask", "#/ask", &[Admin, Manager, Employee]),
        view("requests", "#/requests", &[Admin, Manager, Employee]),
        view("periods", "#/periods", &[Admin]),
        view("exports", "#/exports", &[Admin, Manager]),
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args();
    let http = attendance::llm::http_client_builder()
        .unwrap()
        .timeout(LOAD_TIMEOUT)
        .build()
        .unwrap();
    let base = args.base.as_str();

    let manager = me(&http, base, &args.manager).await;
    let employee = me(&http, base, &args.employee).await;
    assert_eq!(
        manager["kind"], "manager",
        "--manager is not a manager's token"
    );
    let team = manager["manages"][0]
        .as_i64()
        .expect("the manager manages a team");
    let person = employee["employee"]["id"]
        .as_i64()
        .expect("--employee is an employee's token");
    assert_eq!(
        employee["employee"]["team_id"].as_i64(),
        Some(team),
        "the employee is not in the manager's first team"
    );
    println!(
        "team {team}, person {person}, {} loads per view",
        args.samples
    );

    let views: Vec<View> = views(team, person, args.date.as_deref())
        .into_iter()
        .filter(|v| args.only.as_deref().is_none_or(|o| v.name.contains(o)))
        .collect();
    let mut rows = Vec::new();
    for role in [Role::SignedOut, Role::Admin, Role::Manager, Role::Employee] {
        let token = match role {
            Role::SignedOut => None,
            Role::Admin => Some(args.admin.as_str()),
            Role::Manager => Some(args.manager.as_str()),
            Role::Employee => Some(args.employee.as_str()),
        };
        let mine: Vec<&View> = views.iter().filter(|v| v.roles.contains(&role)).collect();
        if mine.is_empty() {
            continue;
        }
        let (browser, cookie) = browser_for(&http, base, token).await;
        for view in mine {
            eprintln!("{} as {}", view.name, role.name());
            // The daily summary is rate limited per principal: fewer loads,
            // so that they and the direct calls stay within its burst.
            let samples = if view.name == "summaries" {
                args.samples.min(SUMMARY_LOADS)
            } else {
                args.samples
            };
            let mut loads = Vec::with_capacity(samples);
            for i in 0..samples {
                loads.push(load(&browser, base, &view.route, view.name, i == 0).await);
            }
            let mut direct_p50 = Vec::new();
            for (path, _) in &loads[0].api {
                let p50 = direct(&http, base, path, token, cookie.as_deref(), samples).await;
                direct_p50.push((path.clone(), p50));
            }
            rows.push(Row {
                view: view.name,
                role,
                loads,
                direct: direct_p50,
            });
        }
    }
    report(&rows);
}

fn report(rows: &[Row]) {
    println!(
        "\n| view | role | state | first load KB (uncompressed) | API requests | ready p50 / p95 ms | first load ready ms | slowest direct API p50 ms | ready / api |"
    );
    println!("|---|---|---|--:|--:|--:|--:|--:|--:|");
    let mut lines = Vec::new();
    let mut over = 0;
    for row in rows {
        let first = &row.loads[0];
        let ready: Vec<f64> = row.loads.iter().map(|l| l.ready_ms).collect();
        let (p50, p95) = (percentile(&ready, 0.5), percentile(&ready, 0.95));
        let slowest = row.direct.iter().map(|d| d.1).fold(0.0_f64, f64::max);
        let ratio = if slowest > 0.0 {
            p50 / slowest
        } else {
            f64::NAN
        };
        let kb = first.transfer as f64 / 1024.0;
        let over_budget = first.transfer as f64 > BUDGET_BYTES;
        over += usize::from(over_budget);
        let states: Vec<&str> = {
            let mut s: Vec<&str> = row.loads.iter().map(|l| l.state.as_str()).collect();
            s.dedup();
            s
        };
        println!(
            "| {} | {} | {} | {kb:.1}{} ({:.1}) | {} | {p50:.0} / {p95:.0} | {:.0} | {slowest:.1} | {ratio:.1} |",
            row.view,
            row.role.name(),
            states.join(", "),
            if over_budget { " ✗" } else { "" },
            first.decoded as f64 / 1024.0,
            first.api.len(),
            first.ready_ms,
        );
        let key = format!("web_{}_{}", row.view.replace('-', "_"), row.role.name());
        lines.push(format!("{key}_first_kb={kb:.1}"));
        lines.push(format!("{key}_ready_p50_ms={p50:.0}"));
        lines.push(format!("{key}_ready_vs_api={ratio:.2}"));
    }
    println!("\nThe API requests of each view's first load (in the page, ms; direct p50, ms):");
    for row in rows {
        println!("\n{} as {}:", row.view, row.role.name());
        for ((path, in_page), (_, direct)) in row.loads[0].api.iter().zip(&row.direct) {
            println!("  {path}  {in_page:.1}  {direct:.1}");
        }
    }
    println!();
    for line in lines {
        println!("{line}");
    }
    println!("web_over_200kb={over}");
}
