//! Writes that survive retries, end to end. The real
//! server on a loopback port over a real PostgreSQL database per test
//! (`DATABASE_URL`, see the harness); clients that lose the response to a
//! write, or vanish in the middle of it, and send it again with the same
//! `Idempotency-Key`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use attendance_testsupport as common;
mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use attendance_core::access::Principal;
use attendance_http::{AuthError, AuthOff, Authenticator, Services};
use attendance_pg::PgStore;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Method, Request};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Serves the router over `store` on 127.0.0.1:0 until the test ends,
/// every request an admin ([`AuthOff`], chosen here: these tests are about
/// retries, and their raw sockets send no credentials).
async fn serve(store: PgStore) -> SocketAddr {
    let services = Services::from_store(Arc::new(store)).with_authenticator(Arc::new(AuthOff));
    let app = attendance_http::router(services);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(attendance_http::serve(
        listener,
        app,
        std::future::pending(),
    ));
    addr
}

/// POSTs `body` with `key` and returns (status, replayed header, body).
async fn post(addr: SocketAddr, path: &str, key: &str, body: &Value) -> (StatusCode, bool, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = client
        .post(format!("http://{addr}{path}"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    (status, replayed, response.json().await.unwrap())
}

/// Sends the request over a raw socket, reading nothing back; dropping the
/// socket hangs up, the client's side of the response path gone with
/// whatever the server had done by then.
async fn send_raw(addr: SocketAddr, path: &str, key: &str, body: &Value) -> TcpStream {
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Idempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// [`send_raw`], hanging up after `wait`.
async fn post_and_vanish(addr: SocketAddr, path: &str, key: &str, body: &Value, wait: Duration) {
    let stream = send_raw(addr, path, key, body).await;
    tokio::time::sleep(wait).await;
    drop(stream);
}

async fn count(store: &PgStore, sql: &'static str, name: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(name)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

const EMPLOYEES_NAMED: &str = "SELECT count(*) FROM attendance.employees WHERE name = $1";
const SESSIONS_OF: &str = "SELECT count(*) FROM attendance.sessions s \
     JOIN attendance.employees e ON e.id = s.employee_id WHERE e.name = $1";

/// The write committed and its response was lost: the retry gets the same
/// employee back, marked as a replay, and there is still one.
#[tokio::test]
async fn a_write_whose_response_was_lost_is_replayed_not_repeated() {
    common::with_store(|store| async move {
        let addr = serve(store.clone()).await;
        let (status, _, team) = post(addr, "/teams", "team-1", &json!({"name": "Ops"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let ada = json!({"name": "Ada", "role": "Engineer", "team_id": team["id"]});

        // The client hangs up once the write is in the database, before
        // reading the response.
        let lost = send_raw(addr, "/employees", "hire-ada", &ada).await;
        for _ in 0..500 {
            if count(&store, EMPLOYEES_NAMED, "Ada").await == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(lost);
        assert_eq!(count(&store, EMPLOYEES_NAMED, "Ada").await, 1);

        let (status, replayed, employee) = post(addr, "/employees", "hire-ada", &ada).await;
        assert_eq!(status, StatusCode::CREATED, "{employee}");
        assert!(
            replayed,
            "the retry must be answered from the stored outcome"
        );
        assert_eq!(employee["name"], "Ada");
        assert_eq!(count(&store, EMPLOYEES_NAMED, "Ada").await, 1);

        // The clock-in a client retries gets its session, not a 409.
        let clock_in = json!({"employee_id": employee["id"], "work_mode": "WFH"});
        let (status, replayed, first) = post(addr, "/attendance/clock-in", "in-1", &clock_in).await;
        assert_eq!((status, replayed), (StatusCode::CREATED, false), "{first}");
        let (status, replayed, again) = post(addr, "/attendance/clock-in", "in-1", &clock_in).await;
        assert_eq!((status, replayed), (StatusCode::CREATED, true), "{again}");
        assert_eq!(first, again);
        // Without the key the same request is the conflict it always was.
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let plain = client
            .post(format!("http://{addr}/attendance/clock-in"))
            .json(&clock_in)
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), StatusCode::CONFLICT);

        // The same key for another request is refused, and writes nothing.
        let bob = json!({"name": "Bob", "role": "Engineer", "team_id": team["id"]});
        let (status, _, problem) = post(addr, "/employees", "hire-ada", &bob).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(
            problem["errors"][0]["field"], "Idempotency-Key",
            "{problem}"
        );
        assert_eq!(count(&store, EMPLOYEES_NAMED, "Bob").await, 0);
    })
    .await;
}

/// Clients that hang up at every moment of a write (before the server read
/// it, during its transaction, after the commit) and retry with the same
/// key: each write is stored exactly once and every retry succeeds.
#[tokio::test]
async fn clients_that_vanish_mid_write_and_retry_write_exactly_once() {
    common::with_store(|store| async move {
        let addr = serve(store.clone()).await;
        let (_, _, team) = post(addr, "/teams", "team", &json!({"name": "Ops"})).await;
        for step in 0..24u64 {
            let wait = Duration::from_micros(step * 500);
            let name = format!("Worker {step}");
            let hire = json!({"name": name, "role": "Nurse", "team_id": team["id"]});
            let key = format!("hire-{step}");
            post_and_vanish(addr, "/employees", &key, &hire, wait).await;
            let (status, _, employee) = post(addr, "/employees", &key, &hire).await;
            assert_eq!(status, StatusCode::CREATED, "step {step}: {employee}");
            assert_eq!(
                count(&store, EMPLOYEES_NAMED, &name).await,
                1,
                "step {step}"
            );

            let clock_in = json!({"employee_id": employee["id"], "work_mode": "WFO"});
            let key = format!("in-{step}");
            post_and_vanish(addr, "/attendance/clock-in", &key, &clock_in, wait).await;
            let (status, _, session) = post(addr, "/attendance/clock-in", &key, &clock_in).await;
            assert_eq!(status, StatusCode::CREATED, "step {step}: {session}");
            assert_eq!(count(&store, SESSIONS_OF, &name).await, 1, "step {step}");
        }
    })
    .await;
}

/// Ten copies of one keyed clock-in at once: all answered 201 with the
/// same session, one of them performed and nine replayed.
#[tokio::test]
async fn simultaneous_retries_write_once() {
    common::with_store(|store| async move {
        let addr = serve(store.clone()).await;
        let (_, _, team) = post(addr, "/teams", "team", &json!({"name": "Ops"})).await;
        let hire = json!({"name": "Ada", "role": "Nurse", "team_id": team["id"]});
        let (_, _, employee) = post(addr, "/employees", "ada", &hire).await;
        let clock_in = json!({"employee_id": employee["id"], "work_mode": "WFO"});
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let clock_in = clock_in.clone();
            tasks.spawn(async move { post(addr, "/attendance/clock-in", "in", &clock_in).await });
        }
        let mut answers = Vec::new();
        while let Some(answer) = tasks.join_next().await {
            answers.push(answer.unwrap());
        }
        assert!(
            answers.iter().all(|(s, _, _)| *s == StatusCode::CREATED),
            "{answers:?}"
        );
        assert_eq!(
            answers.iter().filter(|(_, replayed, _)| !replayed).count(),
            1
        );
        assert!(answers.iter().all(|(_, _, body)| body == &answers[0].2));
        assert_eq!(count(&store, SESSIONS_OF, "Ada").await, 1);
    })
    .await;
}

fn keyed(uri: &str, keys: &[&[u8]], body: &Value) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json");
    for key in keys {
        request = request.header("Idempotency-Key", *key);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// A key that is empty, too long, not printable ASCII, or sent twice is a
/// 422 naming the header, and the write is not done.
#[tokio::test]
async fn bad_keys_are_refused_before_anything_is_written() {
    let h = support::Harness::new();
    let long = "k".repeat(256);
    let bad: [&[&[u8]]; 5] = [
        &[b""],
        &[long.as_bytes()],
        &[b"caf\xc3\xa9"],
        &[b"two words"],
        &[b"one", b"two"],
    ];
    for keys in bad {
        let reply = h.send(keyed("/teams", keys, &json!({"name": "Ops"}))).await;
        assert_eq!(
            reply.invalid_field(),
            "Idempotency-Key",
            "{keys:?}: {reply:?}"
        );
    }
    assert_eq!(h.get("/teams").await.body["items"], json!([]));
    // The longest key accepted works, and a retry is a replay.
    let longest = "k".repeat(255);
    let first = h
        .send(keyed(
            "/teams",
            &[longest.as_bytes()],
            &json!({"name": "Ops"}),
        ))
        .await;
    let again = h
        .send(keyed(
            "/teams",
            &[longest.as_bytes()],
            &json!({"name": "Ops"}),
        ))
        .await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(first.body, again.body);
    assert_eq!(first.headers["location"], again.headers["location"]);
}

/// A clock-out retried with its key replays the closed session with 200;
/// a retry after the key's window is a new request (and here a 409).
#[tokio::test]
async fn a_clock_out_is_replayed_within_the_window_only() {
    let h = support::Harness::new();
    let team = h.team("Ops").await;
    let ada = h.employee(team, "Ada").await;
    let reply = h
        .post(
            "/attendance/clock-in",
            json!({"employee_id": ada, "work_mode": "WFO"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    h.clock.set(support::now() + chrono::TimeDelta::hours(1));
    let out = json!({"employee_id": ada});
    let first = h
        .send(keyed("/attendance/clock-out", &[b"out-1"], &out))
        .await;
    let again = h
        .send(keyed("/attendance/clock-out", &[b"out-1"], &out))
        .await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(first.body, again.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    h.clock.set(support::now() + chrono::TimeDelta::hours(26));
    let late = h
        .send(keyed("/attendance/clock-out", &[b"out-1"], &out))
        .await;
    late.problem(StatusCode::CONFLICT, "conflict");
}

/// Names an admin after the `x-user` header (as a proxy in front would).
struct UserHeader;

#[async_trait]
impl Authenticator for UserHeader {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        let name = request.headers.get("x-user").ok_or(AuthError::Missing)?;
        let name = name.to_str().map_err(|_| AuthError::invalid("not ASCII"))?;
        Ok(Principal::admin(name))
    }
}

/// Keys are scoped to the principal authentication finds: two callers
/// sending the same key create two employees.
#[tokio::test]
async fn keys_are_scoped_to_the_principal() {
    let h = support::Harness::custom(&attendance_http::HttpConfig::default(), |store, clock| {
        support::services(store, clock).with_authenticator(Arc::new(UserHeader))
    });
    let team = h
        .send({
            let mut r = keyed("/teams", &[b"t"], &json!({"name": "Ops"}));
            r.headers_mut().insert("x-user", "alice".parse().unwrap());
            r
        })
        .await;
    let ada = json!({"name": "Ada", "role": "Engineer", "team_id": team.body["id"]});
    let as_user = |name: &str| {
        let mut request = keyed("/employees", &[b"k"], &ada);
        request
            .headers_mut()
            .insert("x-user", name.parse().unwrap());
        request
    };
    let alice = h.send(as_user("alice")).await;
    let bob = h.send(as_user("bob")).await;
    let alice_again = h.send(as_user("alice")).await;
    assert_eq!(alice.status, StatusCode::CREATED, "{alice:?}");
    assert_ne!(alice.body["id"], bob.body["id"]);
    assert_eq!(alice.body, alice_again.body);
    assert!(bob.headers.get("idempotent-replayed").is_none());
    assert_eq!(alice_again.headers["idempotent-replayed"], "true");
}
