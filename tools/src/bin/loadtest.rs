//! `cargo run --release -p attendance-tools --bin loadtest -- --host http://127.0.0.1:8080 --users 50 --increase-rate 10 --run-time 60s --report-file loadtest.md`
//!
//! A load test of the HTTP server (start it first: `cargo run --release
//! --example server`) shaped like a working day. Every simulated user is a
//! team lead's kiosk: on start it creates its own team and employees through
//! the API (no seed step needed), then loops over weighted transactions:
//!
//! | weight | transaction |
//! |---|---|
//! | 10 | clock-in then clock-out of the team's next employee |
//! | 4 | list attendance (one employee's, or the whole team's, 20 per page) |
//! | 2 | an employee's trend over the last 4 weeks, by week |
//! | 1 | the team's trend over the last 4 weeks, by day |
//! | 1 | today's daily summary of the team |
//!
//! Goose's own flags bound the run and shape the report (`--users`,
//! `--increase-rate`, `--run-time`, `--report-file x.md|x.html|x.json`, `-q`…;
//! see `--help`). The host defaults to `http://127.0.0.1:8080`. Set
//! `LOADTEST_EMPLOYEES` to change the employees per user (default 20).
//! Goose prints requests per second and latency percentiles per endpoint.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Days, Utc};
use goose::goose::GooseResponse;
use goose::prelude::*;
use serde_json::{Value, json};

/// What one simulated user owns.
#[derive(Debug, Clone)]
struct Team {
    id: i64,
    employees: Vec<i64>,
    next: usize,
}

impl Team {
    /// The next employee, round-robin, so no two cycles of one user overlap
    /// on an employee and no other user ever touches it.
    fn next_employee(&mut self) -> i64 {
        let id = self.employees[self.next % self.employees.len()];
        self.next = self.next.wrapping_add(1);
        id
    }
}

/// Distinguishes the teams of this run from those of earlier runs.
fn run_id() -> u128 {
    static RUN: OnceLock<u128> = OnceLock::new();
    *RUN.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    })
}

fn employees_per_user() -> usize {
    std::env::var("LOADTEST_EMPLOYEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20)
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    GooseAttack::initialize()?
        .register_scenario(
            scenario!("WorkingDay")
                .register_transaction(transaction!(setup).set_on_start().set_name("setup"))
                .register_transaction(
                    transaction!(clock_cycle)
                        .set_weight(10)?
                        .set_name("clock cycle"),
                )
                .register_transaction(
                    transaction!(list_attendance)
                        .set_weight(4)?
                        .set_name("list attendance"),
                )
                .register_transaction(
                    transaction!(employee_trend)
                        .set_weight(2)?
                        .set_name("employee trend"),
                )
                .register_transaction(
                    transaction!(team_trend)
                        .set_weight(1)?
                        .set_name("team trend"),
                )
                .register_transaction(
                    transaction!(daily_summary)
                        .set_weight(1)?
                        .set_name("daily summary"),
                ),
        )
        .set_default(GooseDefault::Host, "http://127.0.0.1:8080")?
        // The controllers would listen on every interface; this test needs none.
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::NoWebSocket, true)?
        .execute()
        .await?;
    Ok(())
}

/// POSTs `body` as JSON, names the request for the metrics (goose adds the
/// method), expects `status`.
async fn post(
    user: &mut GooseUser,
    path: &str,
    name: &str,
    body: &Value,
    status: u16,
) -> Result<GooseResponse, Box<TransactionError>> {
    let builder = user
        .get_request_builder(&GooseMethod::Post, path)?
        .json(body);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path)
        .name(name)
        .expect_status_code(status)
        .set_request_builder(builder)
        .build();
    user.request(request).await
}

/// GETs `path`, named `name` in the metrics (paths carry ids).
async fn get(user: &mut GooseUser, path: &str, name: &str) -> TransactionResult {
    user.get_named(path, name).await?;
    Ok(())
}

/// The `id` of a JSON response.
async fn id_of(response: GooseResponse) -> Result<i64, Box<TransactionError>> {
    let body: Value = response
        .response
        .map_err(|e| Box::new(TransactionError::from(e)))?
        .json()
        .await
        .map_err(|e| Box::new(TransactionError::from(e)))?;
    body["id"]
        .as_i64()
        .ok_or_else(|| Box::new(TransactionError::from("the response has no id")))
}

/// Creates this user's team and employees.
async fn setup(user: &mut GooseUser) -> TransactionResult {
    let name = format!("Load {} #{}", run_id(), user.weighted_users_index);
    let team = post(
        user,
        "/teams",
        "/teams",
        &json!({ "name": name, "timezone": "Europe/Berlin" }),
        201,
    )
    .await?;
    let team_id = id_of(team).await?;
    let mut employees = Vec::new();
    for n in 0..employees_per_user() {
        let employee = post(
            user,
            "/employees",
            "/employees",
            &json!({ "name": format!("Employee {n}"), "role": "Engineer", "team_id": team_id }),
            201,
        )
        .await?;
        employees.push(id_of(employee).await?);
    }
    user.set_session_data(Team {
        id: team_id,
        employees,
        next: 0,
    });
    Ok(())
}

fn team(user: &mut GooseUser) -> Result<&mut Team, Box<TransactionError>> {
    user.get_session_data_mut::<Team>()
        .ok_or_else(|| Box::new(TransactionError::from("setup did not run")))
}

/// Clocks the next employee in (home or office) and out again.
async fn clock_cycle(user: &mut GooseUser) -> TransactionResult {
    let employee = team(user)?.next_employee();
    let mode = if employee % 3 == 0 { "WFH" } else { "WFO" };
    post(
        user,
        "/attendance/clock-in",
        "/attendance/clock-in",
        &json!({ "employee_id": employee, "work_mode": mode }),
        201,
    )
    .await?;
    post(
        user,
        "/attendance/clock-out",
        "/attendance/clock-out",
        &json!({ "employee_id": employee }),
        200,
    )
    .await?;
    Ok(())
}

/// One page of attendance: an employee's, or every third time the team's.
async fn list_attendance(user: &mut GooseUser) -> TransactionResult {
    let team = team(user)?;
    let employee = team.next_employee();
    let team_id = team.id;
    if employee % 3 == 0 {
        let path = format!("/attendance?team_id={team_id}&limit=20");
        get(user, &path, "/attendance?team_id").await
    } else {
        let path = format!("/attendance?employee_id={employee}&limit=20");
        get(user, &path, "/attendance?employee_id").await
    }
}

/// `(from, to)`: the last 28 days.
fn last_four_weeks() -> (String, String) {
    let today = Utc::now().date_naive();
    let from = today.checked_sub_days(Days::new(27)).unwrap_or(today);
    (from.to_string(), today.to_string())
}

async fn employee_trend(user: &mut GooseUser) -> TransactionResult {
    let employee = team(user)?.next_employee();
    let (from, to) = last_four_weeks();
    let path = format!("/trends/employees/{employee}?from={from}&to={to}&granularity=week");
    get(user, &path, "/trends/employees/{id}").await
}

async fn team_trend(user: &mut GooseUser) -> TransactionResult {
    let team_id = team(user)?.id;
    let (from, to) = last_four_weeks();
    let path = format!("/trends/teams/{team_id}?from={from}&to={to}&granularity=day");
    get(user, &path, "/trends/teams/{id}").await
}

async fn daily_summary(user: &mut GooseUser) -> TransactionResult {
    let team_id = team(user)?.id;
    let today = Utc::now().date_naive();
    let path = format!("/summaries/daily?date={today}&team_id={team_id}");
    get(user, &path, "/summaries/daily").await
}
