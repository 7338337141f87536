//! End to end: the real server on an ephemeral loopback port, a real
//! PostgreSQL database per test (from `DATABASE_URL`, see the harness), and
//! reqwest as the client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../attendance-pg/tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use attendance_core::access::Identity;
use attendance_core::tokens::{InMemoryTokens, TokenService, TokenStore};
use attendance_http::{AuthOff, BearerAuthenticator, HttpConfig, Services};
use attendance_pg::PgStore;
use axum::Router;
use chrono::{DurationRound, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// A server running [`attendance_http::serve`] on 127.0.0.1:0.
struct Server {
    base: String,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// `services` authenticating bearer tokens kept in `tokens`, and a fresh
/// admin token's secret: what the server example does, minus the CLI.
async fn with_admin_token(services: Services, tokens: Arc<dyn TokenStore>) -> (Services, String) {
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
    async fn start(app: Router, token: Option<&str>) -> Self {
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
    async fn over(store: PgStore) -> Self {
        let tokens = Arc::new(store.tokens());
        let services = Services::from_store(Arc::new(store));
        let (services, token) = with_admin_token(services, tokens).await;
        Self::start(attendance_http::router(services), Some(&token)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    async fn post(&self, path: &str, body: &Value) -> Reply {
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
    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        self.task.await.unwrap().unwrap();
    }
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    content_type: String,
    retry_after: Option<String>,
    request_id: Option<String>,
    body: Value,
    text: String,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Self {
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
    fn problem(&self, status: StatusCode, kind: &str) -> &Value {
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

#[tokio::test]
async fn the_contract_end_to_end_over_postgres() {
    common::with_store(|store| async move {
        let server = Server::over(store).await;

        let health = server.get("/health").await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.body, json!({ "status": "ok" }));
        assert!(health.request_id.is_some());

        // Teams.
        let team = server
            .post(
                "/teams",
                &json!({ "name": "Platform", "timezone": "Europe/Berlin", "late_after": "09:00" }),
            )
            .await;
        assert_eq!(team.status, StatusCode::CREATED, "{team:?}");
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

        // Employees.
        let ada = server
            .post(
                "/employees",
                &json!({ "name": "Ada", "role": "Engineer", "team_id": team_id }),
            )
            .await;
        assert_eq!(ada.status, StatusCode::CREATED, "{ada:?}");
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

        // Clock-in, a second clock-in, clock-out, a second clock-out.
        let start = (Utc::now() - TimeDelta::hours(3))
            .duration_trunc(TimeDelta::seconds(1))
            .unwrap();
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
        let berlin_date = start
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive()
            .to_string();
        assert_eq!(session.body["work_date"], berlin_date);
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

        // Listing and trends.
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

        // The document and the errors axum would answer on its own.
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

// ---- summaries and questions with a played model (wiremock) ---------------

mod played {
    use super::*;
    use attendance_core::App;
    use attendance_core::llm::ChatModel;
    use attendance_llm::{OpenAiClient, OpenAiConfig};
    use attendance_pg::{PgSqlRunner, qa};
    use chrono::Datelike;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    pub(super) const SQL: &str = "SELECT employee_name, count(*) AS days FROM qa_daily_attendance \
                                  GROUP BY employee_name ORDER BY employee_name";

    /// An OpenAI-compatible client of the played model: one retry, short
    /// backoff, and `timeout` per attempt.
    pub(super) fn client(base_url: &str, timeout: Duration) -> Arc<dyn ChatModel> {
        let config = OpenAiConfig::new()
            .with_base_url(base_url)
            .without_api_key()
            .with_max_retries(1)
            .with_min_backoff(Duration::from_millis(10))
            .with_max_backoff(Duration::from_millis(20))
            .with_request_timeout(timeout);
        Arc::new(OpenAiClient::new(config).unwrap())
    }

    pub(super) fn completion(content: &str) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_764_000_000,
            "model": "played",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
        }))
    }

    /// A played model that phrases summaries faithfully: it reads the facts
    /// out of the request and states their headline numbers, as the
    /// grounding check wants.
    pub(super) fn faithful_summary(request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let user = body["messages"][1]["content"].as_str().unwrap();
        let facts = user
            .strip_prefix("<facts>")
            .and_then(|rest| rest.strip_suffix("</facts>"))
            .unwrap();
        let f: Value = serde_json::from_str(facts).unwrap();
        let text = if f.get("previous_week").is_some() {
            let w = &f["this_week"];
            format!(
                "Week {}: attendance {}%, {} days from home and {} at the office.",
                f["week"].as_str().unwrap(),
                w["attendance_percent"],
                w["wfh_days"],
                w["wfo_days"]
            )
        } else {
            format!(
                "On {}, {} of {} came in: {} from home and {} at the office.",
                f["date"].as_str().unwrap(),
                f["present"],
                f["headcount"],
                f["wfh"],
                f["wfo"]
            )
        };
        completion(&text)
    }

    /// The server over `store`, with summaries and questions by `model`.
    pub(super) async fn server(store: PgStore, model: Option<Arc<dyn ChatModel>>) -> Server {
        let pool = store.pool().clone();
        let tokens: Arc<dyn TokenStore> = Arc::new(store.tokens());
        let mut app = App::builder(Arc::new(store));
        if let Some(model) = model {
            let runner = Arc::new(PgSqlRunner::new(pool));
            app = app.chat_model(model).sql_runner(runner, qa::catalog());
        }
        let services = Services::from(app.build());
        let (services, token) = super::with_admin_token(services, tokens).await;
        Server::start(attendance_http::router(services), Some(&token)).await
    }

    /// Ada (WFH) and Bob (WFO) worked yesterday (UTC); returns the date.
    pub(super) async fn seed(server: &Server) -> String {
        let team = server.post("/teams", &json!({ "name": "Platform" })).await;
        let team_id = team.body["id"].as_i64().unwrap();
        let yesterday = (Utc::now() - TimeDelta::days(1)).date_naive();
        for (name, mode, from, to) in [("Ada", "WFH", 8, 16), ("Bob", "WFO", 9, 17)] {
            let e = server
                .post(
                    "/employees",
                    &json!({ "name": name, "role": "Engineer", "team_id": team_id }),
                )
                .await;
            let id = e.body["id"].as_i64().unwrap();
            let at = |h: u32| format!("{yesterday}T{h:02}:00:00Z");
            let r = server
                .post(
                    "/attendance/clock-in",
                    &json!({ "employee_id": id, "work_mode": mode, "at": at(from) }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            let r = server
                .post(
                    "/attendance/clock-out",
                    &json!({ "employee_id": id, "at": at(to) }),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        }
        yesterday.to_string()
    }

    #[tokio::test]
    async fn a_healthy_model_answers_questions_and_phrases_summaries() {
        common::with_store(|store| async move {
            let llm = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path("/chat/completions"))
                .and(body_string_contains("sql_or_refusal"))
                .respond_with(completion(
                    &json!({ "sql": SQL, "refusal": null }).to_string(),
                ))
                .mount(&llm)
                .await;
            Mock::given(method("POST"))
                .and(path("/chat/completions"))
                .and(body_string_contains(
                    "You answer questions about attendance data",
                ))
                .respond_with(completion("Ada and Bob each came in once."))
                .mount(&llm)
                .await;
            Mock::given(method("POST"))
                .and(path("/chat/completions"))
                .and(body_string_contains("Use ONLY the facts"))
                .respond_with(faithful_summary)
                .mount(&llm)
                .await;
            let server = server(store, Some(client(&llm.uri(), Duration::from_secs(5)))).await;
            let day = seed(&server).await;

            let answer = server
                .post(
                    "/ask",
                    &json!({ "question": "How many days did each person work?" }),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
            assert_eq!(
                answer.body,
                json!({
                    "text": "Ada and Bob each came in once.",
                    "phrased_by": "llm",
                    "sql": SQL,
                    "columns": ["employee_name", "days"],
                    "rows": [["Ada", 1], ["Bob", 1]],
                    "attempts": 1
                })
            );

            let daily = server.get(&format!("/summaries/daily?date={day}")).await;
            assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
            assert_eq!(daily.body["generated_by"], "llm", "{daily:?}");
            assert_eq!(
                daily.body["text"],
                format!("On {day}, 2 of 2 came in: 1 from home and 1 at the office.")
            );
            assert_eq!(daily.body["facts"]["present"], 2);
            assert_eq!(daily.body["facts"]["hours_worked"], 16.0);

            let week = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .unwrap()
                .iso_week();
            let weekly = server
                .get(&format!(
                    "/summaries/weekly?week={}-W{:02}",
                    week.year(),
                    week.week()
                ))
                .await;
            assert_eq!(weekly.status, StatusCode::OK, "{weekly:?}");
            assert_eq!(weekly.body["generated_by"], "llm", "{weekly:?}");
            assert!(weekly.body.get("fallback_reason").is_none(), "{weekly:?}");
            assert_eq!(weekly.body["facts"]["this_week"]["days_present"], 2);
            server.stop().await;
        })
        .await;
    }

    #[tokio::test]
    async fn a_failing_model_fails_questions_with_502_but_never_summaries() {
        common::with_store(|store| async move {
            let llm = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(500).set_body_string("upstream exploded at 10.9.8.7"),
                )
                .mount(&llm)
                .await;
            let server = server(store, Some(client(&llm.uri(), Duration::from_secs(5)))).await;
            let day = seed(&server).await;
            let reply = server
                .post("/ask", &json!({ "question": "Who was late?" }))
                .await;
            reply.problem(StatusCode::BAD_GATEWAY, "llm-failed");
            assert!(!reply.text.contains("exploded"), "{}", reply.text);
            let daily = server.get(&format!("/summaries/daily?date={day}")).await;
            assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
            assert_eq!(daily.body["generated_by"], "template");
            assert_eq!(daily.body["facts"]["present"], 2);
            server.stop().await;
        })
        .await;
    }

    #[tokio::test]
    async fn a_slow_model_times_questions_out_with_504_but_never_summaries() {
        common::with_store(|store| async move {
            let llm = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(completion("too late").set_delay(Duration::from_secs(30)))
                .mount(&llm)
                .await;
            let model = client(&llm.uri(), Duration::from_millis(200));
            let server = server(store, Some(model)).await;
            let day = seed(&server).await;
            server
                .post("/ask", &json!({ "question": "Who was late?" }))
                .await
                .problem(StatusCode::GATEWAY_TIMEOUT, "llm-timeout");
            let daily = server.get(&format!("/summaries/daily?date={day}")).await;
            assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
            assert_eq!(daily.body["generated_by"], "template");
            server.stop().await;
        })
        .await;
    }

    #[tokio::test]
    async fn without_a_model_questions_are_503_and_summaries_use_the_template() {
        common::with_store(|store| async move {
            let server = server(store, None).await;
            let day = seed(&server).await;
            let reply = server
                .post("/ask", &json!({ "question": "Who was late?" }))
                .await;
            let body = reply.problem(StatusCode::SERVICE_UNAVAILABLE, "llm-not-configured");
            assert!(body["detail"].as_str().unwrap().contains("not configured"));
            let daily = server.get(&format!("/summaries/daily?date={day}")).await;
            assert_eq!(daily.status, StatusCode::OK, "{daily:?}");
            assert_eq!(daily.body["generated_by"], "template");
            server.stop().await;
        })
        .await;
    }
}
