//! A manager's reading in the browser: Today's figures, a team's chart by
//! week, a summary the played model wrote, and an answer to a question.

use attendance_testsupport::played::completion;
use chrono::{NaiveDate, SecondsFormat, TimeDelta, Timelike, Utc};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer};

use super::*;

/// The model's query for the question, and its phrasing of the rows.
const SQL: &str = "SELECT employee_name, count(*) AS office_days FROM qa_daily_attendance \
                   WHERE worked_from_office GROUP BY employee_name ORDER BY employee_name";
const PHRASED: &str = "Bob and Mara came to the office.";
const QUESTION: &str = "Who came to the office?";

/// The team's day, in its own timezone: six people, of whom Mara (the
/// manager) and Ada came on time, Bob late, Cy is still in, Dee forgot to
/// clock out days ago and Eve stayed away; and four earlier weeks.
struct Seeded {
    team: i64,
    mara: i64,
    ada: i64,
    today: NaiveDate,
}

async fn seed(admin: &Api) -> Seeded {
    // Every session of "today" lies between 00:40 and 03:30 in the team's
    // zone, which is at least four hours past its midnight now, whatever
    // the hour the test runs at; its date is the UTC date (the browser's).
    let now = Utc::now();
    let (timezone, offset) = if now.hour() >= 4 {
        ("UTC", 0)
    } else {
        ("Etc/GMT-4", 4)
    };
    let today = (now + TimeDelta::hours(offset)).date_naive();
    let at = |day: NaiveDate, hour: u32, minute: u32| {
        (day.and_hms_opt(hour, minute, 0).unwrap().and_utc() - TimeDelta::hours(offset))
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let team = admin.team("Platform", timezone, "02:00").await;
    let mara = admin.employee("Mara", team, true).await;
    let ada = admin.employee("Ada", team, false).await;
    let bob = admin.employee("Bob", team, false).await;
    let cy = admin.employee("Cy", team, false).await;
    let dee = admin.employee("Dee", team, false).await;
    admin.employee("Eve", team, false).await;
    admin
        .record(mara, "WFO", &at(today, 0, 40), &at(today, 3, 0))
        .await;
    admin
        .record(ada, "WFH", &at(today, 1, 0), &at(today, 3, 0))
        .await;
    admin
        .record(bob, "WFO", &at(today, 2, 30), &at(today, 3, 30))
        .await;
    admin.clock_in(cy, "WFH", &at(today, 1, 15)).await;
    admin
        .clock_in(dee, "WFO", &at(today - TimeDelta::days(3), 1, 0))
        .await;
    for week in 1..=4 {
        let day = today - TimeDelta::days(7 * week);
        admin
            .record(ada, "WFO", &at(day, 1, 0), &at(day, 3, 0))
            .await;
        admin
            .record(bob, "WFH", &at(day, 1, 0), &at(day, 2, 0))
            .await;
    }
    Seeded {
        team,
        mara,
        ada,
        today,
    }
}

/// The `data-metric` figures of Today, as the facts name them.
fn expected_metrics(facts: &Value) -> Value {
    let count = |name: &str| facts[name].as_array().map_or(0, Vec::len).to_string();
    let number = |name: &str| facts[name].as_i64().unwrap().to_string();
    json!({
        "headcount": number("headcount"),
        "present": number("present"),
        "absent": number("absent"),
        "late": count("late_arrivals"),
        "wfh": number("wfh"),
        "wfo": number("wfo"),
        "still_clocked_in": count("still_clocked_in"),
        "forgotten_clock_outs": count("forgotten_clock_outs"),
    })
}

#[tokio::test]
async fn a_manager_reads_today_a_team_chart_a_summary_and_an_answer() {
    let model = MockServer::start().await;
    // The played server stands for a hosted model, which phrases answers.
    let site = Site::start(&[
        ("OPENAI_BASE_URL", &model.uri()),
        ("OPENAI_MODEL", "played"),
        ("ATTENDANCE_ASK_PHRASING", "model"),
    ])
    .await;
    let seeded = seed(&site.admin).await;
    let (team, today) = (seeded.team, seeded.today);
    let mara_token = site.employee_token(seeded.mara);
    let manager = site.api(&mara_token);
    let facts = manager
        .ok(&format!(
            "/summaries/daily/facts?date={today}&team_id={team}"
        ))
        .await;
    let metrics = expected_metrics(&facts);
    assert_eq!(
        metrics,
        json!({"headcount": "6", "present": "4", "absent": "2", "late": "1", "wfh": "2",
               "wfo": "2", "still_clocked_in": "1", "forgotten_clock_outs": "1"}),
        "the seeded day, as the API counts it: {facts}"
    );

    // The played model: a grounded summary of those facts; a query and its
    // phrasing for the question.
    let summary = format!(
        "On {} {}, {} of {} Platform employees came in; {} worked from home and {} from \
         the office.",
        facts["weekday"].as_str().unwrap(),
        today,
        facts["present"],
        facts["headcount"],
        facts["wfh"],
        facts["wfo"]
    );
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(body_string_contains("Use ONLY the facts"))
        .respond_with(completion(&summary))
        .mount(&model)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(body_string_contains("sql_or_refusal"))
        .respond_with(completion(
            &json!({"sql": SQL, "refusal": null}).to_string(),
        ))
        .mount(&model)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(body_string_contains(
            "You answer questions about attendance data",
        ))
        .respond_with(completion(PHRASED))
        .mount(&model)
        .await;

    let browser = Browser::start(http_client()).await;
    sign_in(&browser, &site, &mara_token).await;

    // Today: the figures are the API's for the same day and team.
    open(&browser, &site, "#/today", "today").await;
    let shown_date = browser
        .execute(
            "return document.querySelector('input#today-date').value;",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(shown_date, today.to_string(), "Today opens on today");
    set_control(&browser, "select#today-team", "Platform").await;
    settle(
        &browser,
        "Today's figures",
        "const out = {};
         for (const el of document.querySelectorAll('main#view [data-metric]'))
             out[el.dataset.metric] = el.textContent.trim();
         return out;",
        &[],
        |shown| *shown == metrics,
    )
    .await;
    let view = browser
        .find("main#view")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in ["Bob", "Cy", "Dee", "Eve"] {
        assert!(view.contains(name), "Today lists {name}: {view}");
    }

    // The team's chart by week: one point per week the API returns.
    open(&browser, &site, &format!("#/teams/{team}"), "team").await;
    let from = today - TimeDelta::days(34);
    set_control(&browser, "input#from", &from.to_string()).await;
    set_control(&browser, "input#to", &today.to_string()).await;
    set_control(&browser, "select#granularity", "week").await;
    let trend = manager
        .ok(&format!(
            "/trends/teams/{team}?from={from}&to={today}&granularity=week"
        ))
        .await;
    let points = trend["points"].as_array().unwrap().len();
    assert!(points >= 5, "five weeks or more: {trend}");
    let chart = settle(
        &browser,
        "the weekly chart",
        "const figure = document.querySelector('main#view figure.chart');
         if (!figure) return null;
         const svg = figure.querySelector('svg[role=img][data-points]');
         return {points: svg && Number(svg.dataset.points),
                 label: svg && svg.getAttribute('aria-label'),
                 rows: figure.querySelectorAll('table.chart-data tbody tr').length};",
        &[],
        |chart| chart["points"] == points && chart["rows"] == points,
    )
    .await;
    assert!(chart["label"].as_str().is_some_and(|l| !l.is_empty()));
    assert!(browser.find("select#metric").await.is_ok());
    assert!(browser.find("table#ledger").await.is_ok());
    let ada_link = format!("ul#members a[href=\"#/people/{}\"]", seeded.ada);
    assert_eq!(texts(&browser, &ada_link).await, ["Ada"]);

    // The day's summary, as the played model wrote it.
    open(&browser, &site, "#/summaries", "summaries").await;
    set_control(&browser, "select#summary-kind", "daily").await;
    set_control(&browser, "input#summary-date", &today.to_string()).await;
    set_control(&browser, "select#summary-team", "Platform").await;
    let shown = settle(
        &browser,
        "the model's summary",
        "const text = document.querySelector('main#view #summary-text');
         const source = document.querySelector('main#view #summary-source');
         return {text: text && text.textContent.trim(),
                 by: source && source.dataset.generatedBy,
                 label: source && source.textContent.trim()};",
        &[],
        |shown| shown["text"] == summary.as_str() && shown["by"] == "model",
    )
    .await;
    // The element may be drawn again by a later answer: read what settled.
    let label = shown["label"].as_str().unwrap();
    assert!(label.contains("model"), "the source's label: {label:?}");
    assert!(browser.find("details#summary-facts").await.is_ok());

    // A question: the played text, the rows, the SQL that was run.
    open(&browser, &site, "#/ask", "ask").await;
    let question = browser.find("textarea#question").await.unwrap();
    question.send_keys(QUESTION).await.unwrap();
    press(&browser, "button#ask").await;
    let shown = settle(
        &browser,
        "the answer",
        "const text = document.querySelector('main#view #answer-text');
         const table = document.querySelector('main#view table#answer-rows');
         const sql = document.querySelector('main#view details#answer-sql > pre');
         if (!text || !table || !sql || !text.textContent.trim()) return null;
         return {text: text.textContent.trim(),
                 columns: [...table.querySelectorAll('thead th')].map(th => th.textContent.trim()),
                 rows: [...table.querySelectorAll('tbody tr')].map(
                     tr => [...tr.cells].map(td => td.textContent.trim())),
                 sql: sql.textContent.trim()};",
        &[],
        |shown| !shown.is_null(),
    )
    .await;
    let (status, answer) = manager.post("/ask", json!({"question": QUESTION})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["text"], PHRASED, "{answer}");
    assert_eq!(shown["text"], PHRASED);
    assert_eq!(shown["columns"], answer["columns"]);
    let names: Vec<&Value> = answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0])
        .collect();
    assert!(names.len() >= 3, "{answer}");
    let shown_names: Vec<&Value> = shown["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0])
        .collect();
    assert_eq!(shown_names, names, "{shown}");
    assert_eq!(shown["sql"], answer["sql"].as_str().unwrap().trim());

    drop(browser);
    site.stop().await;
}
