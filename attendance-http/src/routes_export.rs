//! The timesheet export: a file of one line per employee and work date,
//! CSV streamed as it is written, or an XLSX workbook.
//!
//! The CSV body streams in constant memory: the service's rows borrow the
//! services, so a task that owns them (through the shared state) pulls the
//! rows, encodes them and pushes chunks into a bounded channel whose
//! receiver is the body. A client that reads slowly holds the task back;
//! one that disconnects ends it. Nothing can be said with a status once
//! the first bytes are out, so the task reads the first row before the
//! headers go: a refusal found by then is a proper problem, and a failure
//! after it is logged and cuts the body short, which the client sees as a
//! broken transfer rather than a complete file.
//!
//! The route has its own time budget ([`crate::HttpConfig::export_timeout`]):
//! the standard one would cut a large export, and none at all would let a
//! client that never reads hold a task forever.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use attendance_core::access::Principal;
use attendance_core::export::{LockCoverage, Timesheet, TimesheetRow, TimesheetStream};
use attendance_core::{ActingTrends, EmployeeId, TeamId};
use attendance_export::{CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Caller;
use crate::dto::TimesheetQuery;
use crate::extract::{QueryParams, excerpt, parse_date, required};
use crate::problem::{Problem, chain};
use crate::routes::{AppState, Shared};
use crate::routes_worktime::optional_id;

/// Says whether locks make the file's period final: `full`, `partial` or
/// `none`.
pub(crate) const PERIOD_LOCKED: HeaderName = HeaderName::from_static("attendance-period-locked");

/// Encoded chunks that may wait for a slow client: the memory an export
/// holds is about this many times [`attendance_export::CHUNK_BYTES`].
const BUFFERED_CHUNKS: usize = 4;

/// What the export is of.
#[derive(Debug, Clone, Copy)]
struct Params {
    from: NaiveDate,
    to: NaiveDate,
    team: Option<TeamId>,
    employee: Option<EmployeeId>,
}

/// What is known before the rows: what the headers say.
#[derive(Debug)]
struct Head {
    coverage: LockCoverage,
    file_stem: String,
}

/// A timesheet of the caller's scope, as CSV (streamed) or XLSX: one line
/// per employee and work date, and one total line per employee. Employees
/// export their own, managers theirs and their teams', admins anyone's and
/// the company's.
#[utoipa::path(
    get,
    path = "/exports/timesheet",
    tag = "closing",
    params(TimesheetQuery),
    responses(
        (status = 200, description = "The file, as an attachment. CSV is streamed as it is written: a failure after the first bytes ends the transfer short (the client sees a broken body, never a complete-looking file).",
            content(
                (String = "text/csv; charset=utf-8"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"timesheet-….csv\"` (or `.xlsx`)"),
                ("Attendance-Period-Locked" = String, description = "`full` when locks cover every date of the period, `partial` when some, `none` otherwise; each line also says `locked`"),
            )),
        (status = 404, description = "No such team or employee, or one out of the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid: `from` or `to` missing, `to` before `from`, a period longer than a leap year, or a format other than `csv` and `xlsx`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn export_timesheet(
    State(app): Shared,
    Caller(principal): Caller,
    QueryParams(query): QueryParams<TimesheetQuery>,
) -> Result<Response, Problem> {
    let params = Params {
        from: parse_date("from", required("from", query.from.as_deref())?)?,
        to: parse_date("to", required("to", query.to.as_deref())?)?,
        team: optional_id("team_id", query.team_id.as_deref())?.map(TeamId),
        employee: optional_id("employee_id", query.employee_id.as_deref())?.map(EmployeeId),
    };
    match query.format.as_deref().map(str::trim) {
        None | Some("csv") => csv(app, principal, params).await,
        Some("xlsx") => xlsx(&app, &principal, params).await,
        Some(other) => Err(Problem::validation(
            "format",
            format!(
                "must be \"csv\" or \"xlsx\", got \"{}\"",
                excerpt(other, 40)
            ),
        )),
    }
}

/// The workbook is written whole (a zip's directory comes last), so it is
/// built before the headers and any failure is a problem.
async fn xlsx(app: &AppState, principal: &Principal, params: Params) -> Result<Response, Problem> {
    let acting = app.services.trends.acting_as(principal);
    let (head, rows) = open(acting, params).await?;
    let workbook = attendance_export::xlsx(rows, head.coverage).await?;
    Ok(attachment(
        XLSX_CONTENT_TYPE,
        &head,
        "xlsx",
        Body::from(workbook),
    ))
}

async fn csv(
    app: Arc<AppState>,
    principal: Principal,
    params: Params,
) -> Result<Response, Problem> {
    let limit = app.export_timeout;
    let deadline = Instant::now() + limit;
    let (head_tx, head_rx) = oneshot::channel();
    let (chunk_tx, chunk_rx) = mpsc::channel(BUFFERED_CHUNKS);
    let produce = produce_csv(app, principal, params, head_tx, chunk_tx);
    tokio::spawn(
        async move {
            if tokio::time::timeout_at(deadline, produce).await.is_err() {
                tracing::warn!(
                    limit_ms = limit.as_millis() as u64,
                    "the timesheet export ran out of time; its body was cut short"
                );
            }
        }
        .instrument(tracing::Span::current()),
    );
    let head = match head_rx.await {
        Ok(head) => head?,
        Err(_) if Instant::now() >= deadline => return Err(Problem::timeout(limit)),
        Err(_) => {
            tracing::error!("the timesheet export ended before its first row");
            return Err(Problem::internal());
        }
    };
    let body = Body::from_stream(Chunks {
        rx: chunk_rx,
        ended: false,
    });
    Ok(attachment(CSV_CONTENT_TYPE, &head, "csv", body))
}

/// The export's task: the headers' facts (or the refusal) to `head`, then
/// the file, chunk by chunk, to `chunks`, and [`Chunk::End`] once whole.
async fn produce_csv(
    app: Arc<AppState>,
    principal: Principal,
    params: Params,
    head: oneshot::Sender<Result<Head, Problem>>,
    chunks: mpsc::Sender<Chunk>,
) {
    let acting = app.services.trends.acting_as(&principal);
    let rows = match open(acting, params).await {
        Ok((facts, rows)) => {
            if head.send(Ok(facts)).is_err() {
                // The request was dropped (timed out, or the client left).
                return;
            }
            rows
        }
        Err(err) => {
            let _ = head.send(Err(err.into()));
            return;
        }
    };
    let mut encoded = std::pin::pin!(attendance_export::csv_chunks(rows));
    loop {
        let next = tokio::select! {
            next = std::future::poll_fn(|cx| encoded.as_mut().poll_next(cx)) => next,
            () = chunks.closed() => return,
        };
        match next {
            Some(Ok(bytes)) => {
                if chunks.send(Chunk::Bytes(Bytes::from(bytes))).await.is_err() {
                    return;
                }
            }
            Some(Err(err)) => {
                tracing::error!(
                    error = %chain(&err),
                    "the timesheet export failed after its first bytes; its body was cut short"
                );
                return;
            }
            None => {
                let _ = chunks.send(Chunk::End).await;
                return;
            }
        }
    }
}

/// The timesheet with its first row read: a refusal that the store only
/// finds when it starts (an unreachable database) is an error here,
/// before any header is sent.
async fn open<'a>(
    acting: ActingTrends<'a>,
    params: Params,
) -> attendance_core::Result<(Head, TimesheetStream<'a>)> {
    let Timesheet {
        mut rows,
        coverage,
        file_stem,
    } = acting
        .timesheet(params.from, params.to, params.team, params.employee)
        .await?;
    let first = match std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
        Some(Err(err)) => return Err(err),
        Some(Ok(row)) => Some(row),
        None => None,
    };
    let head = Head {
        coverage,
        file_stem,
    };
    Ok((head, Box::pin(Prepended { first, rest: rows })))
}

/// The response: the file as an attachment, with what the locks say.
fn attachment(content_type: &'static str, head: &Head, extension: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"{}.{extension}\"", head.file_stem);
    let disposition = HeaderValue::from_str(&disposition)
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                PERIOD_LOCKED,
                HeaderValue::from_static(head.coverage.as_str()),
            ),
            // Payroll data: no shared cache keeps a copy.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A row already read, then the rest.
struct Prepended<'a> {
    first: Option<TimesheetRow>,
    rest: TimesheetStream<'a>,
}

impl Stream for Prepended<'_> {
    type Item = attendance_core::Result<TimesheetRow>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.first.take() {
            Some(row) => Poll::Ready(Some(Ok(row))),
            None => this.rest.as_mut().poll_next(cx),
        }
    }
}

/// What the export's task sends the body.
#[derive(Debug)]
enum Chunk {
    /// The next bytes of the file.
    Bytes(Bytes),
    /// The file is whole.
    End,
}

/// The body: the task's chunks. The channel closing before [`Chunk::End`]
/// (a failure, the time budget, a panic) is an error, so the transfer ends
/// short instead of looking complete.
struct Chunks {
    rx: mpsc::Receiver<Chunk>,
    ended: bool,
}

impl Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match this.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Chunk::Bytes(bytes))) => Poll::Ready(Some(Ok(bytes))),
            Poll::Ready(Some(Chunk::End)) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(Some(Err(std::io::Error::other(
                    "the timesheet export ended before the file was whole",
                ))))
            }
        }
    }
}
