//! The timesheet export over HTTP: a CSV a spreadsheet reads (parsed here
//! with the `csv` crate) with the ledger's figures, streamed in chunks;
//! XLSX on request; the period's lock state in a header; the caller's
//! scope (someone else's timesheet is not found); bad queries a 422; and
//! a failing store a problem before the first row, a cut body after it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use support::world::{World, call, ledger_world};
use support::{Fault, Harness};
use tower::ServiceExt;

/// The file's header row and its lines, each as column → value.
fn parse(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let lines = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            headers
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect();
    (headers, lines)
}

fn line<'a>(
    lines: &'a [BTreeMap<String, String>],
    employee: i64,
    date: &str,
) -> &'a BTreeMap<String, String> {
    lines
        .iter()
        .find(|l| l["employee_id"] == employee.to_string() && l["work_date"] == date)
        .unwrap_or_else(|| panic!("no line for {employee} on {date:?}: {lines:?}"))
}

#[tokio::test]
async fn a_teams_csv_has_the_ledgers_lines_and_says_what_is_locked() {
    let w = ledger_world().await;
    let lock = json!({ "team_id": w.ops, "from": "2026-02-01", "to": "2026-03-02" });
    let reply = call(&w.admin, Method::POST, "/periods", Some(lock)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");

    let uri = format!(
        "/exports/timesheet?from=2026-03-02&to=2026-03-03&team_id={}",
        w.ops
    );
    let reply = call(&w.boss, Method::GET, &uri, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        reply.headers[header::CONTENT_DISPOSITION],
        format!(
            "attachment; filename=\"timesheet-team-{}-2026-03-02-2026-03-03.csv\"",
            w.ops
        )
    );
    assert_eq!(reply.headers["attendance-period-locked"], "partial");

    let (headers, lines) = parse(&reply.text);
    for column in [
        "kind",
        "employee_id",
        "employee_name",
        "team_name",
        "work_date",
        "expected_minutes",
        "worked_net_minutes",
        "vacation_days",
        "locked",
    ] {
        assert!(headers.iter().any(|h| h == column), "{column}: {headers:?}");
    }
    // Boss and Ada, two days and a total each; nobody of Dev.
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert!(lines.iter().all(|l| l["team_name"] == "Ops"), "{lines:?}");
    let monday = line(&lines, w.ada_id, "2026-03-02");
    assert_eq!(monday["kind"], "day");
    assert_eq!(monday["employee_name"], "Ada");
    assert_eq!(monday["expected_minutes"], "480");
    assert_eq!(monday["worked_net_minutes"], "510");
    assert_eq!(monday["locked"], "true");
    let tuesday = line(&lines, w.ada_id, "2026-03-03");
    assert_eq!(tuesday["vacation_days"], "1");
    assert_eq!(tuesday["worked_net_minutes"], "0");
    assert_eq!(tuesday["locked"], "false");
    let total = line(&lines, w.ada_id, "");
    assert_eq!(total["kind"], "total");
    assert_eq!(total["worked_net_minutes"], "510");
    assert_eq!(total["expected_minutes"], "960");
    assert_eq!(total["locked"], "false");

    // A company lock over the whole period makes it final; none, open.
    let reply = call(
        &w.admin,
        Method::POST,
        "/periods",
        Some(json!({ "from": "2026-03-03", "to": "2026-03-31" })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let reply = call(&w.admin, Method::GET, &uri, None).await;
    assert_eq!(reply.headers["attendance-period-locked"], "full");
    let (_, lines) = parse(&reply.text);
    assert!(lines.iter().all(|l| l["locked"] == "true"), "{lines:?}");
    let reply = call(
        &w.admin,
        Method::GET,
        "/exports/timesheet?from=2026-01-05&to=2026-01-06&format=csv",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.headers["attendance-period-locked"], "none");
    assert_eq!(
        reply.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"timesheet-2026-01-05-2026-01-06.csv\""
    );
    let (_, lines) = parse(&reply.text);
    let employees: std::collections::BTreeSet<&str> =
        lines.iter().map(|l| l["employee_id"].as_str()).collect();
    assert_eq!(employees.len(), 4, "the admin's is the company's");
}

#[tokio::test]
async fn each_exports_what_they_may_read_and_nothing_else() {
    let w = World::new().await;
    let period = "from=2026-03-02&to=2026-03-03";
    let employees_in = |reply: &support::Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let (_, lines) = parse(&reply.text);
        let mut ids: Vec<i64> = lines
            .iter()
            .map(|l| l["employee_id"].parse().unwrap())
            .collect();
        ids.dedup();
        ids
    };
    // Without a team or an employee: one's own, or one's teams'.
    let own = call(
        &w.ada,
        Method::GET,
        &format!("/exports/timesheet?{period}"),
        None,
    )
    .await;
    assert_eq!(employees_in(&own), vec![w.ada_id]);
    let mine = format!("/exports/timesheet?{period}&employee_id={}", w.ada_id);
    assert_eq!(
        employees_in(&call(&w.ada, Method::GET, &mine, None).await),
        vec![w.ada_id]
    );
    let team = call(
        &w.boss,
        Method::GET,
        &format!("/exports/timesheet?{period}"),
        None,
    )
    .await;
    assert_eq!(employees_in(&team), vec![w.boss_id, w.ada_id]);

    for (app, query) in [
        (&w.ada, format!("employee_id={}", w.bob_id)),
        (&w.ada, format!("team_id={}", w.ops)),
        (&w.dee, format!("team_id={}", w.ops)),
        (&w.dee, format!("employee_id={}", w.ada_id)),
        (&w.bob, format!("employee_id={}", w.ada_id)),
        (&w.admin, String::from("employee_id=999")),
        (&w.admin, String::from("team_id=999")),
    ] {
        let uri = format!("/exports/timesheet?{period}&{query}");
        call(app, Method::GET, &uri, None)
            .await
            .problem(StatusCode::NOT_FOUND, "not-found");
    }
}

#[tokio::test]
async fn bad_queries_name_the_parameter() {
    let w = World::new().await;
    for (query, field) in [
        ("from=2025-01-01&to=2026-01-02", "to"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("to=2026-03-01", "from"),
        ("from=2026-03-01", "to"),
        ("from=2026-03-01&to=2026-03-02&format=pdf", "format"),
        ("from=2026-03-01&to=2026-03-02&team_id=x", "team_id"),
        ("from=03/01/2026&to=2026-03-02", "from"),
    ] {
        let reply = call(
            &w.admin,
            Method::GET,
            &format!("/exports/timesheet?{query}"),
            None,
        )
        .await;
        assert_eq!(reply.invalid_field(), field, "{query}");
    }
    // A whole leap year is one export.
    let reply = call(
        &w.ada,
        Method::GET,
        "/exports/timesheet?from=2024-01-01&to=2024-12-31",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let (_, lines) = parse(&reply.text);
    assert_eq!(lines.len(), 367, "366 days and a total");
}

#[tokio::test]
async fn xlsx_is_a_workbook_with_the_same_headers() {
    let w = ledger_world().await;
    let uri = format!(
        "/exports/timesheet?from=2026-03-02&to=2026-03-03&employee_id={}&format=xlsx",
        w.ada_id
    );
    let response = w
        .boss
        .clone()
        .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"timesheet-2026-03-02-2026-03-03.xlsx\""
    );
    assert_eq!(headers["attendance-period-locked"], "none");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip");
    let needle = b"xl/worksheets/sheet1.xml";
    assert!(
        bytes.windows(needle.len()).any(|w| w == needle),
        "a worksheet"
    );
}

/// Enough people for a file of many chunks: each arrives as its own
/// frame, none larger than a chunk and its last line, and together they
/// are the whole file.
#[tokio::test]
async fn the_csv_arrives_in_chunks_as_it_is_written() {
    let h = Harness::new();
    let team = h.team("Ops").await;
    for n in 0..12 {
        h.employee(team, &format!("Employee {n}")).await;
    }
    let response = h
        .app
        .clone()
        .oneshot(
            Request::get("/exports/timesheet?from=2025-01-01&to=2025-12-31")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut frames = response.into_body().into_data_stream();
    let mut file = Vec::new();
    let mut count = 0;
    while let Some(frame) = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut frames), cx)
    })
    .await
    {
        let frame = frame.unwrap();
        assert!(
            frame.len() <= attendance_export::CHUNK_BYTES + 1024,
            "a frame of {} bytes",
            frame.len()
        );
        file.extend_from_slice(&frame);
        count += 1;
    }
    assert!(count > 3, "{count} frames for {} bytes", file.len());
    let (_, lines) = parse(std::str::from_utf8(&file).unwrap());
    assert_eq!(lines.len(), 12 * 366);
}

#[tokio::test]
async fn a_store_failing_before_the_first_row_is_a_problem_after_it_a_cut_body() {
    let h = Harness::new();
    let team = h.team("Ops").await;
    h.employee(team, "Ada").await;
    let uri = "/exports/timesheet?from=2026-03-02&to=2026-03-03";

    h.store.set(Fault::TimesheetStart);
    for format in ["csv", "xlsx"] {
        h.get(&format!("{uri}&format={format}"))
            .await
            .problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    }
    h.store.set(Fault::Unavailable);
    let reply = h.get(uri).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(reply.headers[header::RETRY_AFTER], "5");

    // The headers went out with the first row; the failure can only cut
    // the body, so that no client takes the file for whole.
    h.store.set(Fault::TimesheetEnd);
    let response = h
        .app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    assert!(body.is_err(), "a complete-looking body: {body:?}");
    // The XLSX is whole or nothing: a problem.
    h.get(&format!("{uri}&format=xlsx"))
        .await
        .problem(StatusCode::INTERNAL_SERVER_ERROR, "internal");

    h.store.set(Fault::None);
    assert_eq!(h.get(uri).await.status, StatusCode::OK);
}

/// The export has its own time budget, longer than the other routes':
/// a store that hangs is answered with it, and a body that stalls after
/// its first bytes is cut at it rather than held open forever. (Paused
/// time: the runtime jumps to each timer, so minutes take none.)
#[tokio::test(start_paused = true)]
async fn the_export_keeps_its_own_time_budget_body_included() {
    let config = attendance_http::HttpConfig::default()
        .with_rate_limit(None)
        .with_request_timeout(std::time::Duration::from_secs(1))
        .with_export_timeout(std::time::Duration::from_secs(300));
    let h = Harness::with_config(&config);
    let team = h.team("Ops").await;
    h.employee(team, "Ada").await;
    let uri = "/exports/timesheet?from=2026-03-02&to=2026-03-03";

    h.store.set(Fault::Hang);
    let reply = h.get(uri).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("300000 ms"),
        "{reply:?}"
    );
    // The other routes keep theirs.
    let reply = h.get("/teams").await;
    assert!(
        reply.body["detail"].as_str().unwrap().contains("1000 ms"),
        "{reply:?}"
    );

    h.store.set(Fault::TimesheetStall);
    let response = h
        .app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
    assert!(
        body.is_err(),
        "a stalled export ended as if whole: {body:?}"
    );
}

/// A client that goes away ends the export's task: the stream it reads
/// from is dropped, though the store would never have ended it.
#[tokio::test(start_paused = true)]
async fn a_client_that_leaves_ends_the_export() {
    let h = Harness::new();
    let team = h.team("Ops").await;
    h.employee(team, "Ada").await;
    h.store.set(Fault::TimesheetStall);
    let response = h
        .app
        .clone()
        .oneshot(
            Request::get("/exports/timesheet?from=2026-03-02&to=2026-03-03")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut waits = 0;
    while waits < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waits += 1;
    }
    assert_eq!(h.store.live_streams(), 1, "the export is under way");
    drop(response);
    let mut waits = 0;
    while h.store.live_streams() > 0 && waits < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waits += 1;
    }
    assert_eq!(h.store.live_streams(), 0, "the export outlived its client");
}

/// Over a real connection: the whole file arrives chunked and parses, and
/// a cut one is a transfer error in the client's hands, not a short file.
#[tokio::test]
async fn over_a_real_connection_a_cut_export_is_a_broken_transfer() {
    let h = Harness::new();
    let team = h.team("Ops").await;
    h.employee(team, "Ada").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(attendance_http::serve(
        listener,
        h.app.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{addr}/exports/timesheet?from=2026-03-02&to=2026-03-08");
    let client = reqwest::Client::new();

    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    let (_, lines) = parse(&response.text().await.unwrap());
    assert_eq!(lines.len(), 8, "seven days and a total");

    // The failure may come before hyper flushed the head (the client then
    // sees the connection close without an answer) or after some lines;
    // either way the file never arrives whole.
    h.store.set(Fault::TimesheetEnd);
    for n in 0..11 {
        h.employee(team, &format!("Employee {n}")).await;
    }
    for period in [
        "from=2026-03-02&to=2026-03-08",
        "from=2025-01-01&to=2025-12-31",
    ] {
        let url = format!("http://{addr}/exports/timesheet?{period}");
        if let Ok(response) = client.get(&url).send().await {
            assert_eq!(response.status(), StatusCode::OK);
            let body = response.bytes().await;
            assert!(body.is_err(), "{period}: a cut export read as whole");
        }
    }

    drop(stop);
    server.await.unwrap().unwrap();
}
