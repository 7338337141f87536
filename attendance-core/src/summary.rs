//! Daily and weekly summaries: facts first, words second.
//!
//! The facts ([`DailyFacts`], [`WeeklyFacts`]) are computed by the analytics
//! of the store. A chat model, when one is configured, only phrases them and
//! is told to use no other numbers; [`ungrounded_numbers`] rejects a text
//! that states a number the facts do not contain. When there is no model,
//! when it fails, or when its text is rejected, a deterministic template
//! writes the summary. The result says which ([`GeneratedBy`]) and always
//! carries the facts.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::domain::IsoWeek;
use crate::domain::TeamId;
use crate::error::{Error, Result};
use crate::llm::{ChatMessage, ChatModel, ChatRequest};
use crate::service::TrendService;
use crate::store::{DayRecord, Store};
use crate::trends::{Granularity, TeamTrendPoint, TrendQuery, WorkingDays};

/// Who wrote a summary's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedBy {
    /// The chat model, and the grounding check accepted it.
    Llm,
    /// The deterministic template.
    Template,
}

/// A summary: the facts, the text, and who wrote the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary<F> {
    /// The numbers the text is about.
    pub facts: F,
    /// The summary in plain language.
    pub text: String,
    /// Whether the model or the template wrote `text`.
    pub generated_by: GeneratedBy,
    /// Why the template was used although a model is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

/// Someone who arrived after their team's late-after time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateArrival {
    /// Employee name.
    pub name: String,
    /// Team name.
    pub team: String,
    /// Local clock-in time, `HH:MM`.
    pub clock_in: String,
}

/// A session left open on an earlier day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgottenClockOut {
    /// Employee name.
    pub name: String,
    /// The work date of the open session.
    pub work_date: NaiveDate,
}

/// One team's line in a daily summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamDay {
    /// Team name.
    pub team: String,
    /// Employees in the team.
    pub headcount: i64,
    /// Employees who clocked in.
    pub present: i64,
    /// Employees who did not.
    pub absent: i64,
    /// Present employees with a WFH session.
    pub wfh: i64,
    /// Present employees with a WFO session.
    pub wfo: i64,
    /// Late arrivals.
    pub late: i64,
}

/// Everything a daily summary may say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyFacts {
    /// The day.
    pub date: NaiveDate,
    /// Its weekday, in English.
    pub weekday: String,
    /// `"company"` or the team's name.
    pub scope: String,
    /// Employees in scope.
    pub headcount: i64,
    /// Employees who clocked in that day.
    pub present: i64,
    /// Employees who did not.
    pub absent: i64,
    /// `present / headcount` in percent, one decimal; `None` with no staff.
    pub attendance_percent: Option<f64>,
    /// Names of the absent.
    pub absent_names: Vec<String>,
    /// Present employees with a WFH session.
    pub wfh: i64,
    /// Present employees with a WFO session.
    pub wfo: i64,
    /// Who arrived late, and when.
    pub late_arrivals: Vec<LateArrival>,
    /// Mean first local clock-in of present employees, `HH:MM`.
    pub average_clock_in: Option<String>,
    /// Hours worked in closed sessions, one decimal.
    pub hours_worked: f64,
    /// Names of those with a session of that day still open.
    pub still_clocked_in: Vec<String>,
    /// Sessions left open on earlier days.
    pub forgotten_clock_outs: Vec<ForgottenClockOut>,
    /// One line per team (company-wide summaries only).
    pub teams: Vec<TeamDay>,
}

/// Weekly totals of one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekTotals {
    /// The week, `YYYY-Www`.
    pub week: String,
    /// Employee-days present.
    pub days_present: i64,
    /// Present employee-days on working days / (headcount × working days),
    /// in percent, one decimal.
    pub attendance_percent: Option<f64>,
    /// Employee-days with a WFH session.
    pub wfh_days: i64,
    /// Employee-days with a WFO session.
    pub wfo_days: i64,
    /// Late arrivals.
    pub late_arrivals: i64,
    /// Hours worked in closed sessions, one decimal.
    pub hours_worked: f64,
}

/// This week minus the previous week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekChange {
    /// Change in employee-days present.
    pub days_present: i64,
    /// Change in attendance, in percentage points, one decimal.
    pub attendance_points: Option<f64>,
    /// Change in WFH days.
    pub wfh_days: i64,
    /// Change in WFO days.
    pub wfo_days: i64,
    /// Change in late arrivals.
    pub late_arrivals: i64,
    /// Change in hours worked, one decimal.
    pub hours_worked: f64,
}

/// One team's line in a weekly summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamWeek {
    /// Team name.
    pub team: String,
    /// Employees in the team.
    pub headcount: i64,
    /// This week's totals.
    pub totals: WeekTotals,
}

/// Everything a weekly summary may say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyFacts {
    /// The week.
    pub week: IsoWeek,
    /// Its Monday.
    pub from: NaiveDate,
    /// Its Sunday.
    pub to: NaiveDate,
    /// `"company"` or the team's name.
    pub scope: String,
    /// Employees in scope.
    pub headcount: i64,
    /// Working days in the week.
    pub working_days: i64,
    /// This week.
    pub this_week: WeekTotals,
    /// Mean first local clock-in over the days present, `HH:MM`.
    pub average_clock_in: Option<String>,
    /// Sessions of the week still open.
    pub open_sessions: i64,
    /// The week before.
    pub previous_week: WeekTotals,
    /// This week minus the previous one.
    pub change: WeekChange,
    /// One line per team (company-wide summaries only).
    pub teams: Vec<TeamWeek>,
}

/// Builds summaries; holds an optional chat model.
#[derive(Clone)]
pub struct SummaryService {
    store: Arc<dyn Store>,
    trends: TrendService,
    model: Option<Arc<dyn ChatModel>>,
    working_days: WorkingDays,
}

impl fmt::Debug for SummaryService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SummaryService")
            .field("model", &self.model.as_ref().map(|m| m.describe()))
            .finish_non_exhaustive()
    }
}

const SYSTEM_PROMPT: &str = "You write short attendance summaries for managers. \
Write 3 to 6 plain sentences in English, no headings, no lists, no markdown. \
Use ONLY the facts in the JSON the user sends. Every number you write (counts, \
percentages, hours, times, dates) must appear in the facts as given; you may \
round hours to whole numbers. Never compute new numbers such as sums, \
differences or percentages, and never guess. Mention names only when they are \
in the facts.";

impl SummaryService {
    /// Summaries over `store`, phrased by `model` when one is given.
    pub fn new(store: Arc<dyn Store>, model: Option<Arc<dyn ChatModel>>) -> Self {
        let trends = TrendService::new(store.clone());
        Self {
            store,
            trends,
            model,
            working_days: WorkingDays::default(),
        }
    }

    /// Sets which weekdays count as working days.
    pub fn with_working_days(mut self, working_days: WorkingDays) -> Self {
        self.working_days = working_days;
        self.trends = self.trends.with_working_days(working_days);
        self
    }

    /// The summary of one day, company-wide or for one team.
    pub async fn daily(
        &self,
        date: NaiveDate,
        team: Option<TeamId>,
    ) -> Result<Summary<DailyFacts>> {
        let facts = self.daily_facts(date, team).await?;
        let template = daily_template(&facts);
        Ok(self.phrase(facts, template).await)
    }

    /// The summary of one ISO week, company-wide or for one team, with the
    /// change from the week before.
    pub async fn weekly(
        &self,
        week: IsoWeek,
        team: Option<TeamId>,
    ) -> Result<Summary<WeeklyFacts>> {
        let facts = self.weekly_facts(week, team).await?;
        let template = weekly_template(&facts);
        Ok(self.phrase(facts, template).await)
    }

    /// The facts of one day.
    pub async fn daily_facts(&self, date: NaiveDate, team: Option<TeamId>) -> Result<DailyFacts> {
        let records = self.store.day_records(date, team).await?;
        let stale = self.store.open_sessions_before(date, team).await?;
        let scope = match team {
            Some(id) => self.store.team(id).await?.name,
            None => "company".to_owned(),
        };
        let names: BTreeMap<_, _> = records
            .iter()
            .map(|r| (r.employee.id, r.employee.name.clone()))
            .collect();
        let present: Vec<&DayRecord> = records.iter().filter(|r| r.present()).collect();
        let first_ins: Vec<NaiveTime> = present.iter().filter_map(|r| r.first_clock_in).collect();
        let mut teams: Vec<TeamDay> = Vec::new();
        if team.is_none() {
            for r in &records {
                if teams.last().is_none_or(|t| t.team != r.team_name) {
                    teams.push(TeamDay {
                        team: r.team_name.clone(),
                        headcount: 0,
                        present: 0,
                        absent: 0,
                        wfh: 0,
                        wfo: 0,
                        late: 0,
                    });
                }
                if let Some(line) = teams.last_mut() {
                    line.headcount += 1;
                    line.present += i64::from(r.present());
                    line.absent += i64::from(!r.present());
                    line.wfh += i64::from(r.wfh);
                    line.wfo += i64::from(r.wfo);
                    line.late += i64::from(r.late);
                }
            }
        }
        let headcount = records.len() as i64;
        let present_count = present.len() as i64;
        Ok(DailyFacts {
            date,
            weekday: weekday_name(date.weekday()).to_owned(),
            scope,
            headcount,
            present: present_count,
            absent: headcount - present_count,
            attendance_percent: percent(present_count, headcount),
            absent_names: records
                .iter()
                .filter(|r| !r.present())
                .map(|r| r.employee.name.clone())
                .collect(),
            wfh: present.iter().filter(|r| r.wfh).count() as i64,
            wfo: present.iter().filter(|r| r.wfo).count() as i64,
            late_arrivals: present
                .iter()
                .filter(|r| r.late)
                .map(|r| LateArrival {
                    name: r.employee.name.clone(),
                    team: r.team_name.clone(),
                    clock_in: r.first_clock_in.map(hhmm).unwrap_or_default(),
                })
                .collect(),
            average_clock_in: average_time(&first_ins).map(hhmm),
            hours_worked: round1(
                records.iter().map(|r| r.worked_seconds).sum::<i64>() as f64 / 3600.0,
            ),
            still_clocked_in: present
                .iter()
                .filter(|r| r.open)
                .map(|r| r.employee.name.clone())
                .collect(),
            forgotten_clock_outs: stale
                .iter()
                .map(|s| ForgottenClockOut {
                    name: names
                        .get(&s.employee_id)
                        .cloned()
                        .unwrap_or_else(|| format!("employee {}", s.employee_id)),
                    work_date: s.work_date,
                })
                .collect(),
            teams,
        })
    }

    /// The facts of one ISO week and the week before.
    pub async fn weekly_facts(&self, week: IsoWeek, team: Option<TeamId>) -> Result<WeeklyFacts> {
        let (scope, teams) = match team {
            Some(id) => {
                let t = self.store.team(id).await?;
                (t.name.clone(), vec![t])
            }
            None => ("company".to_owned(), self.store.teams().await?),
        };
        let query = TrendQuery::new(week.previous().monday(), week.sunday(), Granularity::Week)?;
        let mut lines = Vec::new();
        let mut this = Accumulator::default();
        let mut previous = Accumulator::default();
        let mut headcount = 0;
        let mut open_sessions = 0;
        for t in &teams {
            let trend = self.trends.team_trend(t.id, &query).await?;
            let [before, now] = trend.points.as_slice() else {
                return Err(Error::backend(format!(
                    "a two-week trend returned {} weeks",
                    trend.points.len()
                )));
            };
            headcount += trend.headcount;
            open_sessions += now.figures.open_sessions;
            this.add(now, trend.headcount);
            previous.add(before, trend.headcount);
            let mut own = Accumulator::default();
            own.add(now, trend.headcount);
            lines.push(TeamWeek {
                team: t.name.clone(),
                headcount: trend.headcount,
                totals: own.totals(week),
            });
        }
        let this_week = this.totals(week);
        let previous_week = previous.totals(week.previous());
        let change = WeekChange {
            days_present: this_week.days_present - previous_week.days_present,
            attendance_points: this_week
                .attendance_percent
                .zip(previous_week.attendance_percent)
                .map(|(a, b)| round1(a - b)),
            wfh_days: this_week.wfh_days - previous_week.wfh_days,
            wfo_days: this_week.wfo_days - previous_week.wfo_days,
            late_arrivals: this_week.late_arrivals - previous_week.late_arrivals,
            hours_worked: round1(this_week.hours_worked - previous_week.hours_worked),
        };
        Ok(WeeklyFacts {
            week,
            from: week.monday(),
            to: week.sunday(),
            scope,
            headcount,
            working_days: self
                .working_days
                .count_between(week.monday(), week.sunday()),
            average_clock_in: this.average_clock_in().map(hhmm),
            this_week,
            open_sessions,
            previous_week,
            change,
            teams: if team.is_none() { lines } else { Vec::new() },
        })
    }

    /// Asks the model to phrase `facts`; falls back to `template`.
    async fn phrase<F: Serialize>(&self, facts: F, template: String) -> Summary<F> {
        let fallback = |facts, reason: Option<String>| Summary {
            facts,
            text: template.clone(),
            generated_by: GeneratedBy::Template,
            fallback_reason: reason,
        };
        let Some(model) = &self.model else {
            return fallback(facts, None);
        };
        let json = match serde_json::to_value(&facts) {
            Ok(json) => json,
            Err(e) => {
                return fallback(
                    facts,
                    Some(format!("the facts could not be serialised: {e}")),
                );
            }
        };
        let request = ChatRequest::new(vec![
            ChatMessage::system(SYSTEM_PROMPT),
            ChatMessage::user(format!("Facts (JSON):\n{json}")),
        ]);
        match model.chat(request).await {
            Ok(response) => {
                let text = response.text.trim().to_owned();
                if text.is_empty() {
                    return fallback(facts, Some("the model returned no text".into()));
                }
                let invented = ungrounded_numbers(&text, &json);
                if invented.is_empty() {
                    Summary {
                        facts,
                        text,
                        generated_by: GeneratedBy::Llm,
                        fallback_reason: None,
                    }
                } else {
                    tracing::warn!(?invented, "summary rejected: numbers not in the facts");
                    fallback(
                        facts,
                        Some(format!(
                            "the model's text stated numbers that are not in the facts: {}",
                            invented.join(", ")
                        )),
                    )
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "summary model failed; using the template");
                fallback(facts, Some(e.to_string()))
            }
        }
    }
}

/// Sums of team trend points, for company-wide weeks.
#[derive(Default)]
struct Accumulator {
    days_present: i64,
    present_on_working_days: i64,
    capacity: i64,
    wfh: i64,
    wfo: i64,
    late: i64,
    worked_seconds: i64,
    clock_in_seconds: i64,
    clock_in_days: i64,
}

impl Accumulator {
    fn add(&mut self, p: &TeamTrendPoint, headcount: i64) {
        let f = &p.figures;
        self.days_present += f.days_present;
        self.present_on_working_days += p.days_present_on_working_days;
        self.capacity += headcount * p.working_days;
        self.wfh += f.wfh_days;
        self.wfo += f.wfo_days;
        self.late += f.late_arrivals;
        self.worked_seconds += f.worked_seconds;
        if let Some(t) = f.avg_clock_in {
            self.clock_in_seconds += i64::from(t.num_seconds_from_midnight()) * f.days_present;
            self.clock_in_days += f.days_present;
        }
    }

    fn totals(&self, week: IsoWeek) -> WeekTotals {
        WeekTotals {
            week: week.to_string(),
            days_present: self.days_present,
            attendance_percent: percent(self.present_on_working_days, self.capacity),
            wfh_days: self.wfh,
            wfo_days: self.wfo,
            late_arrivals: self.late,
            hours_worked: round1(self.worked_seconds as f64 / 3600.0),
        }
    }

    fn average_clock_in(&self) -> Option<NaiveTime> {
        (self.clock_in_days > 0)
            .then(|| self.clock_in_seconds.div_euclid(self.clock_in_days))
            .and_then(|s| u32::try_from(s).ok())
            .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
    }
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn average_time(times: &[NaiveTime]) -> Option<NaiveTime> {
    let n = i64::try_from(times.len()).ok().filter(|n| *n > 0)?;
    let sum: i64 = times
        .iter()
        .map(|t| i64::from(t.num_seconds_from_midnight()))
        .sum();
    u32::try_from(sum.div_euclid(n))
        .ok()
        .and_then(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0))
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// `a, b and c`, or the first `max` names and how many more.
fn name_list(names: &[String], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(String::as_str).collect();
    let rest = names.len().saturating_sub(max);
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_owned(),
        (many, 0) => {
            let (last, head) = many.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", head.join(", "))
        }
        (many, rest) => format!("{} and {rest} more", many.join(", ")),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn signed(n: f64) -> String {
    if n > 0.0 {
        format!("up {n}")
    } else if n < 0.0 {
        format!("down {}", -n)
    } else {
        "unchanged".to_owned()
    }
}

/// The deterministic daily text.
pub fn daily_template(f: &DailyFacts) -> String {
    let mut out = format!(
        "{} {}, {}: {} of {} present",
        f.weekday,
        f.date,
        f.scope,
        f.present,
        plural(f.headcount, "employee", "employees")
    );
    if let Some(p) = f.attendance_percent {
        out.push_str(&format!(" ({p}%)"));
    }
    out.push('.');
    if f.absent > 0 {
        out.push_str(&format!(" Absent: {}.", name_list(&f.absent_names, 5)));
    }
    if f.present > 0 {
        out.push_str(&format!(
            " {} worked from home and {} from the office.",
            f.wfh, f.wfo
        ));
        if let Some(avg) = &f.average_clock_in {
            out.push_str(&format!(" Average first clock-in {avg}."));
        }
        if f.late_arrivals.is_empty() {
            out.push_str(" Nobody arrived late.");
        } else {
            let late: Vec<String> = f
                .late_arrivals
                .iter()
                .map(|l| format!("{} at {}", l.name, l.clock_in))
                .collect();
            out.push_str(&format!(
                " {} arrived late: {}.",
                f.late_arrivals.len(),
                name_list(&late, 5)
            ));
        }
        out.push_str(&format!(
            " {} hours worked in closed sessions.",
            f.hours_worked
        ));
    }
    if !f.still_clocked_in.is_empty() {
        out.push_str(&format!(
            " Still clocked in: {}.",
            name_list(&f.still_clocked_in, 5)
        ));
    }
    if !f.forgotten_clock_outs.is_empty() {
        let forgotten: Vec<String> = f
            .forgotten_clock_outs
            .iter()
            .map(|s| format!("{} ({})", s.name, s.work_date))
            .collect();
        out.push_str(&format!(
            " Forgotten clock-outs from earlier days: {}.",
            name_list(&forgotten, 5)
        ));
    }
    for t in &f.teams {
        out.push_str(&format!(
            "\n{}: {} of {} present, {} WFH, {} WFO, {} late.",
            t.team, t.present, t.headcount, t.wfh, t.wfo, t.late
        ));
    }
    out
}

/// The deterministic weekly text.
pub fn weekly_template(f: &WeeklyFacts) -> String {
    let w = &f.this_week;
    let p = &f.previous_week;
    let mut out = format!("Week {} ({} to {}), {}:", f.week, f.from, f.to, f.scope);
    match (
        w.attendance_percent,
        f.change.attendance_points,
        p.attendance_percent,
    ) {
        (Some(now), Some(change), Some(before)) => out.push_str(&format!(
            " attendance {now}% ({} points from {before}% in {}).",
            signed(change),
            p.week
        )),
        (Some(now), _, _) => out.push_str(&format!(" attendance {now}%.")),
        _ => out.push_str(" no working days or no staff."),
    }
    out.push_str(&format!(
        " {} employee-days present ({} from the week before): {} from home, {} from the office.",
        w.days_present,
        signed(f.change.days_present as f64),
        w.wfh_days,
        w.wfo_days
    ));
    out.push_str(&format!(
        " {} ({} from the week before).",
        plural(w.late_arrivals, "late arrival", "late arrivals"),
        signed(f.change.late_arrivals as f64)
    ));
    out.push_str(&format!(
        " {} hours worked ({}).",
        w.hours_worked,
        signed(f.change.hours_worked)
    ));
    if let Some(avg) = &f.average_clock_in {
        out.push_str(&format!(" Average first clock-in {avg}."));
    }
    if f.open_sessions > 0 {
        out.push_str(&format!(
            " {} still open.",
            plural(f.open_sessions, "session is", "sessions are")
        ));
    }
    for t in &f.teams {
        let rate = t
            .totals
            .attendance_percent
            .map_or_else(String::new, |r| format!(", attendance {r}%"));
        out.push_str(&format!(
            "\n{}: {} employee-days present{rate}, {} WFH, {} WFO, {} late, {} hours.",
            t.team,
            t.totals.days_present,
            t.totals.wfh_days,
            t.totals.wfo_days,
            t.totals.late_arrivals,
            t.totals.hours_worked
        ));
    }
    out
}

/// A number, date, week or time mentioned in a text.
#[derive(Debug, Clone, PartialEq)]
enum Mention {
    Number(f64),
    Date(NaiveDate),
    Week(i32, u32),
    Time(u32),
}

/// Finds the numbers, dates (`2026-03-02`), ISO weeks (`2026-W10`) and
/// times (`09:30`) in `text`. Thousands separators (`1,250`) are read as
/// one number.
fn mentions(text: &str) -> Vec<(String, Mention)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (matches!(chars[i], '.' | ',' | ':' | '-' | 'W')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        // A minus sign directly before the number makes it negative.
        let negative = start > 0
            && chars[start - 1] == '-'
            && (start < 2 || !chars[start - 2].is_alphanumeric());
        out.push((token.clone(), classify(&token, negative)));
    }
    out
}

fn classify(token: &str, negative: bool) -> Mention {
    if let Ok(date) = NaiveDate::parse_from_str(token, "%Y-%m-%d") {
        return Mention::Date(date);
    }
    if let Some((y, w)) = token.split_once("-W")
        && let (Ok(y), Ok(w)) = (y.parse(), w.parse())
    {
        return Mention::Week(y, w);
    }
    if token.contains(':') {
        let parts: Vec<u32> = token.split(':').filter_map(|p| p.parse().ok()).collect();
        if let [h, m, ..] = parts.as_slice() {
            return Mention::Time(h * 60 + m);
        }
    }
    let plain = if token
        .split(',')
        .skip(1)
        .all(|group| group.len() >= 3 && group[..3].chars().all(|c| c.is_ascii_digit()))
    {
        token.replace(',', "")
    } else {
        token.split(',').next().unwrap_or(token).to_owned()
    };
    let value: f64 = plain
        .split(['-', ':', 'W'])
        .next()
        .and_then(|p| p.trim_end_matches('.').parse().ok())
        .unwrap_or(f64::NAN);
    Mention::Number(if negative { -value } else { value })
}

fn collect_allowed(value: &serde_json::Value, out: &mut Vec<Mention>) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.push(Mention::Number(x));
            }
        }
        serde_json::Value::String(s) => {
            for (_, m) in mentions(s) {
                if let Mention::Date(d) = &m {
                    // "2026-03-02" may be written "2 March": allow its parts.
                    out.push(Mention::Number(f64::from(d.day())));
                    out.push(Mention::Number(f64::from(d.year())));
                }
                if let Mention::Week(_, w) = &m {
                    out.push(Mention::Number(f64::from(*w)));
                }
                out.push(m);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_allowed(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_allowed(v, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

fn number_matches(said: f64, fact: f64) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    close(said, fact)
        || close(said.abs(), fact.abs())
        || close(said, fact.round())
        || close(said, (fact * 10.0).round() / 10.0)
        || close(said, fact.trunc())
}

/// The numbers, dates and times in `text` that `facts` does not contain.
///
/// A number matches a fact when it equals it, its absolute value (a change
/// of -3 may be written "down 3"), or the fact rounded to a whole number or
/// one decimal. Dates and times must match exactly (a time may drop its
/// leading zero). Numbers spelled as words are not checked.
pub fn ungrounded_numbers(text: &str, facts: &serde_json::Value) -> Vec<String> {
    let mut allowed = Vec::new();
    collect_allowed(facts, &mut allowed);
    mentions(text)
        .into_iter()
        .filter(|(_, said)| {
            !allowed.iter().any(|fact| match (said, fact) {
                (Mention::Number(s), Mention::Number(f)) => number_matches(*s, *f),
                (Mention::Date(s), Mention::Date(f)) => s == f,
                (Mention::Week(sy, sw), Mention::Week(fy, fw)) => sy == fy && sw == fw,
                (Mention::Time(s), Mention::Time(f)) => s == f,
                _ => false,
            })
        })
        .map(|(token, _)| token)
        .collect()
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;
    use crate::llm::{ChatResponse, LlmError, MockChatModel};
    use crate::memory::InMemoryStore;
    use crate::service::{AttendanceService, ManualClock};
    use crate::{NewEmployee, NewTeam, WorkMode};

    fn ts(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A company with two teams and a day of mixed attendance.
    async fn company() -> Arc<dyn Store> {
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let svc = AttendanceService::new(store.clone())
            .with_clock(Arc::new(ManualClock::new(ts("2026-03-20T12:00:00Z"))));
        let ops = svc
            .create_team(&NewTeam::new("Ops").unwrap())
            .await
            .unwrap();
        let dev = svc
            .create_team(&NewTeam::new("Dev").unwrap())
            .await
            .unwrap();
        let mut people = Vec::new();
        for (name, team) in [
            ("Ada", ops.id),
            ("Bob", ops.id),
            ("Cy", dev.id),
            ("Dee", dev.id),
        ] {
            people.push(
                svc.create_employee(&NewEmployee::new(name, "Engineer", team).unwrap())
                    .await
                    .unwrap(),
            );
        }
        // Dee forgot to clock out on Monday 9 March.
        svc.clock_in(
            people[3].id,
            WorkMode::Wfo,
            Some(ts("2026-03-09T08:00:00Z")),
        )
        .await
        .unwrap();
        // Previous week: Ada every weekday on time.
        for day in 2..=6 {
            let at = ts(&format!("2026-03-0{day}T08:00:00Z"));
            svc.record_session(
                people[0].id,
                WorkMode::Wfo,
                at,
                at + chrono::TimeDelta::hours(8),
            )
            .await
            .unwrap();
        }
        // Tuesday 10 March: Ada from home on time, Bob late in the office,
        // Cy still clocked in, Dee absent (her Monday session is open).
        svc.record_session(
            people[0].id,
            WorkMode::Wfh,
            ts("2026-03-10T08:00:00Z"),
            ts("2026-03-10T16:00:00Z"),
        )
        .await
        .unwrap();
        svc.record_session(
            people[1].id,
            WorkMode::Wfo,
            ts("2026-03-10T09:45:00Z"),
            ts("2026-03-10T17:45:00Z"),
        )
        .await
        .unwrap();
        svc.clock_in(
            people[2].id,
            WorkMode::Wfo,
            Some(ts("2026-03-10T09:00:00Z")),
        )
        .await
        .unwrap();
        store
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn without_a_model_the_template_writes_the_daily_summary() {
        let svc = SummaryService::new(company().await, None);
        let s = svc.daily(date("2026-03-10"), None).await.unwrap();
        assert_eq!(s.generated_by, GeneratedBy::Template);
        assert_eq!(s.fallback_reason, None);
        let f = &s.facts;
        assert_eq!((f.headcount, f.present, f.absent), (4, 3, 1));
        assert_eq!(f.absent_names, vec!["Dee"]);
        assert_eq!((f.wfh, f.wfo), (1, 2));
        assert_eq!(f.attendance_percent, Some(75.0));
        assert_eq!(f.late_arrivals.len(), 1);
        assert_eq!(f.late_arrivals[0].name, "Bob");
        assert_eq!(f.late_arrivals[0].clock_in, "09:45");
        assert_eq!(f.still_clocked_in, vec!["Cy"]);
        assert_eq!(f.forgotten_clock_outs.len(), 1);
        assert_eq!(f.forgotten_clock_outs[0].name, "Dee");
        assert_eq!(f.hours_worked, 16.0);
        assert_eq!(f.teams.len(), 2);
        assert_eq!(f.average_clock_in.as_deref(), Some("08:55"));
        assert!(
            s.text.contains("3 of 4 employees present (75%)"),
            "{}",
            s.text
        );
        assert!(s.text.contains("Bob at 09:45"), "{}", s.text);
        assert!(
            s.text
                .contains("Forgotten clock-outs from earlier days: Dee (2026-03-09)")
        );
        // The template never states a number the facts lack.
        let facts = serde_json::to_value(&s.facts).unwrap();
        assert_eq!(ungrounded_numbers(&s.text, &facts), Vec::<String>::new());
    }

    #[tokio::test]
    async fn weekly_facts_compare_with_the_week_before() {
        let svc = SummaryService::new(company().await, None);
        let week: IsoWeek = "2026-W11".parse().unwrap();
        let s = svc.weekly(week, None).await.unwrap();
        let f = &s.facts;
        assert_eq!((f.from, f.to), (date("2026-03-09"), date("2026-03-15")));
        assert_eq!(f.working_days, 5);
        // Dee (Monday), Ada, Bob, Cy (Tuesday).
        assert_eq!(f.this_week.days_present, 4);
        assert_eq!(f.previous_week.days_present, 5);
        assert_eq!(f.change.days_present, -1);
        assert_eq!(f.this_week.attendance_percent, Some(20.0));
        assert_eq!(f.previous_week.attendance_percent, Some(25.0));
        assert_eq!(f.change.attendance_points, Some(-5.0));
        assert_eq!(f.this_week.late_arrivals, 1);
        assert_eq!(f.open_sessions, 2);
        assert_eq!(f.teams.len(), 2);
        assert!(
            s.text
                .contains("attendance 20% (down 5 points from 25% in 2026-W10)"),
            "{}",
            s.text
        );
        let facts = serde_json::to_value(&s.facts).unwrap();
        assert_eq!(ungrounded_numbers(&s.text, &facts), Vec::<String>::new());
        let team = svc.weekly(week, Some(TeamId(1))).await.unwrap();
        assert_eq!(team.facts.scope, "Ops");
        assert!(team.facts.teams.is_empty());
    }

    fn model_saying(text: &'static str) -> Arc<dyn ChatModel> {
        let mut model = MockChatModel::new();
        model.expect_chat().times(1).returning(move |request| {
            assert!(request.messages[0].content.contains("Use ONLY the facts"));
            assert!(request.messages[1].content.contains("\"present\":3"));
            Ok(ChatResponse {
                text: text.to_owned(),
                ..ChatResponse::default()
            })
        });
        model.expect_describe().returning(|| "mock".into());
        Arc::new(model)
    }

    #[tokio::test]
    async fn a_grounded_model_text_is_used() {
        let model = model_saying(
            "On Tuesday 2026-03-10, 3 of 4 people came in (75%). Bob arrived late at 09:45 \
             and Cy is still clocked in; Dee has been clocked in since 2026-03-09.",
        );
        let svc = SummaryService::new(company().await, Some(model));
        let s = svc.daily(date("2026-03-10"), None).await.unwrap();
        assert_eq!(s.generated_by, GeneratedBy::Llm);
        assert!(s.text.starts_with("On Tuesday"));
    }

    #[tokio::test]
    async fn an_invented_number_is_caught_and_the_template_used() {
        let model = model_saying("3 of 4 people came in, and 17 of them worked from home.");
        let svc = SummaryService::new(company().await, Some(model));
        let s = svc.daily(date("2026-03-10"), None).await.unwrap();
        assert_eq!(s.generated_by, GeneratedBy::Template);
        let reason = s.fallback_reason.unwrap();
        assert!(reason.contains("17"), "{reason}");
        assert!(s.text.contains("3 of 4 employees present"));
    }

    struct FailingModel;

    #[async_trait]
    impl ChatModel for FailingModel {
        async fn chat(&self, _: ChatRequest) -> std::result::Result<ChatResponse, LlmError> {
            Err(LlmError::Server {
                status: 503,
                attempts: 4,
            })
        }
    }

    #[tokio::test]
    async fn a_failing_model_falls_back_to_the_template() {
        let svc = SummaryService::new(company().await, Some(Arc::new(FailingModel)));
        let s = svc.weekly("2026-W11".parse().unwrap(), None).await.unwrap();
        assert_eq!(s.generated_by, GeneratedBy::Template);
        assert!(s.fallback_reason.unwrap().contains("HTTP 503"));
        assert!(s.text.starts_with("Week 2026-W11"));
    }

    #[tokio::test]
    async fn an_empty_model_answer_falls_back() {
        let svc = SummaryService::new(company().await, Some(model_saying("   ")));
        let s = svc.daily(date("2026-03-10"), None).await.unwrap();
        assert_eq!(s.generated_by, GeneratedBy::Template);
    }

    #[tokio::test]
    async fn unknown_teams_are_not_found() {
        let svc = SummaryService::new(company().await, None);
        let err = svc
            .daily(date("2026-03-10"), Some(TeamId(9)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }));
        let err = svc
            .weekly("2026-W11".parse().unwrap(), Some(TeamId(9)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }));
    }

    #[test]
    fn grounding_accepts_facts_in_their_usual_spellings() {
        let facts = json!({
            "date": "2026-03-10", "week": "2026-W11", "present": 41, "percent": 82.36,
            "hours": 1250.46, "change": -3, "average_clock_in": "08:52"
        });
        let ok = "On 2026-03-10 (week 2026-W11, March 10) 41 people came in (82.4%, about 82%); \
                  1,250.5 hours, down 3; average 8:52.";
        assert_eq!(ungrounded_numbers(ok, &facts), Vec::<String>::new());
        let bad = "On 2026-03-11, 42 people came in at 08:53, 1,251 hours, 12% up.";
        assert_eq!(
            ungrounded_numbers(bad, &facts),
            vec!["2026-03-11", "42", "08:53", "1,251", "12"]
        );
    }

    #[test]
    fn name_lists_read_naturally() {
        let names: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        assert_eq!(name_list(&names[..1], 5), "A");
        assert_eq!(name_list(&names, 5), "A, B and C");
        assert_eq!(name_list(&names, 2), "A, B and 1 more");
    }
}
