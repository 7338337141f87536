//! End to end: the real server on an ephemeral loopback port, a real
//! PostgreSQL database per test (from `DATABASE_URL`, see the harness), and
//! reqwest as the client. The contract is walked one resource per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod live;

use attendance_testsupport as common;

use std::sync::Arc;
use std::time::Duration;

use attendance_core::tokens::InMemoryTokens;
use attendance_http::{AuthOff, HttpConfig, Services};
use attendance_pg::PgStore;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use live::{Reply, Server, with_admin_token};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// The team the contract walk uses: Platform, in Berlin, late after nine.
async fn platform(server: &Server) -> Reply {
    let team = server
        .post(
            "/teams",
            &json!({ "name": "Platform", "timezone": "Europe/Berlin", "late_after": "09:00" }),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{team:?}");
    team
}

/// Ada, an engineer of `team_id`.
async fn ada(server: &Server, team_id: i64) -> Reply {
    let ada = server
        .post(
            "/employees",
            &json!({ "name": "Ada", "role": "Engineer", "team_id": team_id }),
        )
        .await;
    assert_eq!(ada.status, StatusCode::CREATED, "{ada:?}");
    ada
}

/// Three hours ago, to the second: the start of the walk's session.
fn three_hours_ago() -> DateTime<Utc> {
    (Utc::now() - TimeDelta::hours(3))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap()
}

/// The work date in Berlin of `at`.
fn berlin_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn health_is_ok_with_a_request_id_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;

        let health = server.get("/health").await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.body, json!({ "status": "ok" }));
        assert!(health.request_id.is_some());

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn teams_are_created_refused_listed_and_fetched_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;

        let team = platform(&server).await;
        let team_id = team.body["id"].as_i64().unwrap();
        assert_eq!(team.body["timezone"], "Europe/Berlin");
        assert_eq!(team.body["late_after"], "09:00");
        server
            .post("/teams", &json!({ "name": "platform" }))
            .await
            .problem(StatusCode::CONFLICT, "conflict");
        server
            .post(
                "/teams",
                &json!({ "name": "Ops", "timezone": "Nowhere/Land" }),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let teams = server.get("/teams").await;
        assert_eq!(teams.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(teams.body["next_cursor"], Value::Null);
        assert_eq!(
            server.get(&format!("/teams/{team_id}")).await.body,
            team.body
        );
        server
            .get("/teams/424242")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn employees_are_created_refused_listed_and_fetched_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;
        let team_id = platform(&server).await.body["id"].as_i64().unwrap();

        let ada = ada(&server, team_id).await;
        assert_eq!(ada.body["is_manager"], false);
        let ada_id = ada.body["id"].as_i64().unwrap();
        server
            .post(
                "/employees",
                &json!({ "name": "Bob", "role": "Engineer", "team_id": 424242 }),
            )
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        let listed = server.get(&format!("/employees?team_id={team_id}")).await;
        assert_eq!(
            listed.body,
            json!({ "items": [ada.body.clone()], "next_cursor": null })
        );
        assert_eq!(
            server.get(&format!("/employees/{ada_id}")).await.body,
            ada.body
        );
        server
            .get("/employees/424242")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn clock_in_and_out_answer_sessions_and_conflicts_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;
        let team_id = platform(&server).await.body["id"].as_i64().unwrap();
        let ada_id = ada(&server, team_id).await.body["id"].as_i64().unwrap();

        // Clock-in, a second clock-in, clock-out, a second clock-out.
        let start = three_hours_ago();
        let end = start + TimeDelta::hours(2);
        let session = server
            .post(
                "/attendance/clock-in",
                &json!({ "employee_id": ada_id, "work_mode": "WFO", "at": start.to_rfc3339() }),
            )
            .await;
        assert_eq!(session.status, StatusCode::CREATED, "{session:?}");
        assert_eq!(session.body["clock_out"], Value::Null);
        assert_eq!(session.body["work_mode"], "WFO");
        assert_eq!(session.body["work_date"], berlin_date(start));
        let conflict = server
            .post(
                "/attendance/clock-in",
                &json!({ "employee_id": ada_id, "work_mode": "WFH" }),
            )
            .await;
        let body = conflict.problem(StatusCode::CONFLICT, "conflict");
        assert_eq!(body["open_session"], session.body);
        let closed = server
            .post(
                "/attendance/clock-out",
                &json!({ "employee_id": ada_id, "at": end.to_rfc3339() }),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{closed:?}");
        assert_eq!(closed.body["id"], session.body["id"]);
        let body = server
            .post("/attendance/clock-out", &json!({ "employee_id": ada_id }))
            .await;
        assert_eq!(
            body.problem(StatusCode::CONFLICT, "conflict")["conflict"],
            "not_clocked_in"
        );

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_closed_session_is_listed_and_counted_in_trends_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;
        let team_id = platform(&server).await.body["id"].as_i64().unwrap();
        let ada_id = ada(&server, team_id).await.body["id"].as_i64().unwrap();
        let start = three_hours_ago();
        let end = start + TimeDelta::hours(2);
        let session = server
            .post(
                "/attendance/clock-in",
                &json!({ "employee_id": ada_id, "work_mode": "WFO", "at": start.to_rfc3339() }),
            )
            .await;
        assert_eq!(session.status, StatusCode::CREATED, "{session:?}");
        let closed = server
            .post(
                "/attendance/clock-out",
                &json!({ "employee_id": ada_id, "at": end.to_rfc3339() }),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{closed:?}");
        let berlin_date = berlin_date(start);

        let page = server
            .get(&format!("/attendance?employee_id={ada_id}&limit=10"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_eq!(page.body["items"], json!([closed.body.clone()]));
        assert_eq!(page.body["next_cursor"], Value::Null);
        server
            .get("/attendance?limit=0")
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

        let trend = server
            .get(&format!(
                "/trends/employees/{ada_id}?from={berlin_date}&to={berlin_date}"
            ))
            .await;
        assert_eq!(trend.status, StatusCode::OK, "{trend:?}");
        assert_eq!(trend.body["points"][0]["days_present"], 1);
        assert_eq!(trend.body["points"][0]["hours_worked"], 2.0);
        let trend = server
            .get(&format!(
                "/trends/teams/{team_id}?from={berlin_date}&to={berlin_date}&granularity=month"
            ))
            .await;
        assert_eq!(trend.status, StatusCode::OK, "{trend:?}");
        assert_eq!(trend.body["headcount"], 1);
        assert_eq!(trend.body["points"][0]["sessions"], 1);

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_document_and_the_errors_axum_answers_alone_end_to_end() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;

        let spec = server.get("/openapi.json").await;
        assert_eq!(spec.body["openapi"], "3.1.0");
        let malformed = server
            .client
            .post(server.url("/teams"))
            .header("content-type", "application/json")
            .body("{\"name\":")
            .send()
            .await
            .unwrap();
        Reply::from(malformed)
            .await
            .problem(StatusCode::BAD_REQUEST, "malformed-json");
        let too_large = server
            .client
            .post(server.url("/teams"))
            .header("content-type", "application/json")
            .body(vec![b' '; 2 * 1024 * 1024])
            .send()
            .await
            .unwrap();
        Reply::from(too_large)
            .await
            .problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
        server
            .get("/no/such/route")
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
        let wrong_method = server
            .client
            .delete(server.url("/teams"))
            .send()
            .await
            .unwrap();
        Reply::from(wrong_method)
            .await
            .problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");

        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_clock_ins_over_http_open_exactly_one_session() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;
        let team = server.post("/teams", &json!({ "name": "Rush" })).await;
        let team_id = team.body["id"].as_i64().unwrap();
        let ada = server
            .post(
                "/employees",
                &json!({ "name": "Ada", "role": "Engineer", "team_id": team_id }),
            )
            .await;
        let ada_id = ada.body["id"].as_i64().unwrap();
        let server = Arc::new(server);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let server = server.clone();
            tasks.push(tokio::spawn(async move {
                server
                    .post(
                        "/attendance/clock-in",
                        &json!({ "employee_id": ada_id, "work_mode": "WFO" }),
                    )
                    .await
            }));
        }
        let mut created = 0;
        for task in tasks {
            let reply = task.await.unwrap();
            if reply.status == StatusCode::CREATED {
                created += 1;
            } else {
                let body = reply.problem(StatusCode::CONFLICT, "conflict");
                assert_eq!(body["conflict"], "already_clocked_in");
                assert_eq!(body["open_session"]["employee_id"], ada_id);
            }
        }
        assert_eq!(created, 1);
        let page = server
            .get(&format!("/attendance?employee_id={ada_id}"))
            .await;
        assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
        Arc::into_inner(server).unwrap().stop().await;
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_problem_with_retry_after() {
    // Nothing listens on port 1 of the loopback interface.
    let options: sqlx::postgres::PgConnectOptions =
        "postgres://postgres@127.0.0.1:1/postgres".parse().unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy_with(options);
    // The token lives in memory, so the request gets past authentication
    // (an admin needs no store) and meets the unreachable database in the
    // route itself.
    let services = Services::from_store(Arc::new(PgStore::from_pool(pool)));
    let (services, token) = with_admin_token(services, Arc::new(InMemoryTokens::new())).await;
    let server = Server::start(attendance_http::router(services), Some(&token)).await;
    for path in ["/health", "/teams", "/attendance"] {
        let reply = server.get(path).await;
        reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert_eq!(reply.retry_after.as_deref(), Some("5"), "{path}");
    }
    let reply = server.post("/teams", &json!({ "name": "Ops" })).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_requests_in_flight() {
    common::with_store(|store| async move {
        let started = Arc::new(Notify::new());
        let release = Arc::new(Notify::new());
        // A host route next to ours that waits until the test releases it.
        let slow = {
            let started = started.clone();
            let release = release.clone();
            axum::routing::get(move || async move {
                started.notify_one();
                release.notified().await;
                "finished"
            })
        };
        // Auth off, chosen here: the host route is what this test is about.
        let app = attendance_http::router_with(
            Services::from_store(Arc::new(store)).with_authenticator(Arc::new(AuthOff)),
            &HttpConfig::default(),
        )
        .route("/slow", slow);
        let server = Server::start(app, None).await;
        let in_flight = tokio::spawn({
            let client = server.client.clone();
            let url = server.url("/slow");
            async move { client.get(url).send().await.unwrap().text().await.unwrap() }
        });
        started.notified().await;

        let Server {
            base,
            client,
            mut shutdown,
            task,
        } = server;
        shutdown.take().unwrap().send(()).unwrap();
        // Wait until the listener is closed: the server is shutting down
        // while the request is still in flight.
        let addr = base.trim_start_matches("http://").to_owned();
        let mut closed = false;
        for _ in 0..1000 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            closed,
            "the server kept accepting connections after the signal"
        );
        assert!(!in_flight.is_finished());
        release.notify_one();
        assert_eq!(in_flight.await.unwrap(), "finished");
        task.await.unwrap().unwrap();
        // Stopped: nothing accepts connections any more.
        assert!(client.get(format!("{base}/health")).send().await.is_err());
    })
    .await;
}
