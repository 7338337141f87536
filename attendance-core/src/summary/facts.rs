//! What a summary may say, and how it is added up from the store's day
//! records and trend points. Nothing here does I/O.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::Serialize;

use crate::domain::{AttendanceSession, EmployeeId, IsoWeek};
use crate::store::DayRecord;
use crate::trends::TeamTrendPoint;
use crate::worktime::{AbsenceKind, EmployeeTotals, LedgerTotals, display_hours};

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

/// Someone, and for how many days (a half day counts 0.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonDays {
    /// Employee name.
    pub name: String,
    /// Days, in halves.
    pub days: f64,
}

/// One kind of excused absence over a summary's day or week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbsenceGroup {
    /// Vacation, sick leave or other.
    pub kind: AbsenceKind,
    /// Days of it in all (a half day counts 0.5).
    pub days: f64,
    /// Who, with their days, by name.
    pub people: Vec<PersonDays>,
}

/// Hours owed and worked over a summary's day or week, from the ledger
/// (see [`crate::worktime`] for how each figure is counted). Minutes are
/// exact; each `_hours` is its minutes through [`display_hours`].
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WorkTimeFacts {
    /// Minutes the work patterns expected, less holidays.
    pub expected_minutes: i64,
    /// `expected_minutes` in hours, one decimal.
    pub expected_hours: f64,
    /// Minutes worked, after the break deduction (open sessions up to now).
    pub worked_minutes: i64,
    /// `worked_minutes` in hours, one decimal.
    pub worked_hours: f64,
    /// Minutes absences count as worked.
    pub absence_credit_minutes: i64,
    /// `absence_credit_minutes` in hours, one decimal.
    pub absence_credit_hours: f64,
    /// Minutes of overtime.
    pub overtime_minutes: i64,
    /// `overtime_minutes` in hours, one decimal.
    pub overtime_hours: f64,
    /// Excused absences, one group per kind that occurred.
    pub absences: Vec<AbsenceGroup>,
    /// Days owed with neither a session nor an absence, in all.
    pub absent_without_leave_days: i64,
    /// Who was absent without leave, with their days, by name.
    pub absent_without_leave: Vec<PersonDays>,
}

impl WorkTimeFacts {
    /// The facts of a ledger's per-employee `rows`, named from `names`
    /// (an employee missing there is called by their id); lists of people
    /// keep the order of `rows`.
    pub(super) fn from_ledger(
        rows: &[EmployeeTotals],
        names: &BTreeMap<EmployeeId, String>,
    ) -> Self {
        let mut sum = LedgerTotals::default();
        rows.iter().for_each(|r| sum.merge(&r.totals));
        let name = |id: EmployeeId| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("employee {id}"))
        };
        let people = |days: fn(&LedgerTotals) -> f64| -> Vec<PersonDays> {
            rows.iter()
                .filter(|r| days(&r.totals) > 0.0)
                .map(|r| PersonDays {
                    name: name(r.employee_id),
                    days: days(&r.totals),
                })
                .collect()
        };
        let absences = AbsenceKind::ALL
            .into_iter()
            .map(|kind| {
                let days: fn(&LedgerTotals) -> f64 = match kind {
                    AbsenceKind::Vacation => |t| t.vacation_days,
                    AbsenceKind::Sick => |t| t.sick_days,
                    AbsenceKind::Other => |t| t.other_absence_days,
                };
                AbsenceGroup {
                    kind,
                    days: days(&sum),
                    people: people(days),
                }
            })
            .filter(|g| !g.people.is_empty())
            .collect();
        Self {
            expected_minutes: sum.expected_minutes,
            expected_hours: display_hours(sum.expected_minutes),
            worked_minutes: sum.worked_net_minutes,
            worked_hours: display_hours(sum.worked_net_minutes),
            absence_credit_minutes: sum.absence_credit_minutes,
            absence_credit_hours: display_hours(sum.absence_credit_minutes),
            overtime_minutes: sum.overtime_minutes,
            overtime_hours: display_hours(sum.overtime_minutes),
            absences,
            absent_without_leave_days: sum.absent_without_leave_days,
            absent_without_leave: people(|t| t.absent_without_leave_days as f64),
        }
    }

    /// Whether there is anything to say: minutes owed, an absence, or
    /// someone absent without leave. Without work patterns nothing is owed,
    /// and the hours worked are said already.
    pub fn is_empty(&self) -> bool {
        self.expected_minutes == 0
            && self.absence_credit_minutes == 0
            && self.overtime_minutes == 0
            && self.absences.is_empty()
            && self.absent_without_leave.is_empty()
    }
}

/// Everything a daily summary may say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyFacts {
    /// The day.
    pub date: NaiveDate,
    /// Its weekday, in English.
    pub weekday: String,
    /// `"company"` (an admin's, over every team), `"your teams"` (a
    /// manager's, over the teams they manage) or the team's name.
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
    /// Hours worked in closed sessions: their whole minutes through
    /// [`display_hours`].
    pub hours_worked: f64,
    /// Hours owed and worked, absences and absence without leave.
    pub work_time: WorkTimeFacts,
    /// Names of those with a session of that day still open.
    pub still_clocked_in: Vec<String>,
    /// Sessions left open on earlier days.
    pub forgotten_clock_outs: Vec<ForgottenClockOut>,
    /// Names of those with a session of that day closed by their team's
    /// forgotten clock-out policy (at clock-in plus the team's maximum).
    pub auto_closed: Vec<String>,
    /// Sessions of that day closed by the policy.
    pub auto_closed_sessions: i64,
    /// One line per team (summaries asked for without a team only).
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
    /// Hours worked in closed sessions: their whole minutes through
    /// [`display_hours`].
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
    /// `"company"` (an admin's, over every team), `"your teams"` (a
    /// manager's, over the teams they manage) or the team's name.
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
    /// This week's hours owed and worked, absences and absence without
    /// leave.
    pub work_time: WorkTimeFacts,
    /// One line per team (summaries asked for without a team only).
    pub teams: Vec<TeamWeek>,
}

impl DailyFacts {
    /// The facts of `date` in `scope` from its day `records` (one per
    /// employee in scope) and the sessions left open on earlier days;
    /// `per_team` adds one line per team (company-wide summaries), and the
    /// ledger's `work_time` of the day.
    pub(super) fn from_records(
        date: NaiveDate,
        scope: String,
        records: &[DayRecord],
        stale: &[AttendanceSession],
        per_team: bool,
        work_time: WorkTimeFacts,
    ) -> Self {
        let names: BTreeMap<_, _> = records
            .iter()
            .map(|r| (r.employee.id, r.employee.name.clone()))
            .collect();
        let present: Vec<&DayRecord> = records.iter().filter(|r| r.present()).collect();
        let first_ins: Vec<NaiveTime> = present.iter().filter_map(|r| r.first_clock_in).collect();
        let mut teams: Vec<TeamDay> = Vec::new();
        if per_team {
            for r in records {
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
        Self {
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
            hours_worked: display_hours(records.iter().map(|r| r.worked_seconds).sum::<i64>() / 60),
            work_time,
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
            auto_closed: records
                .iter()
                .filter(|r| r.auto_closed > 0)
                .map(|r| r.employee.name.clone())
                .collect(),
            auto_closed_sessions: records.iter().map(|r| r.auto_closed).sum(),
            teams,
        }
    }
}

impl WeekChange {
    /// `this` week minus the `previous` one.
    pub(super) fn between(this: &WeekTotals, previous: &WeekTotals) -> Self {
        Self {
            days_present: this.days_present - previous.days_present,
            attendance_points: this
                .attendance_percent
                .zip(previous.attendance_percent)
                .map(|(a, b)| round1(a - b)),
            wfh_days: this.wfh_days - previous.wfh_days,
            wfo_days: this.wfo_days - previous.wfo_days,
            late_arrivals: this.late_arrivals - previous.late_arrivals,
            // The difference of the two numbers as shown, so a reader who
            // subtracts gets what the change says.
            hours_worked: round1(this.hours_worked - previous.hours_worked),
        }
    }
}

/// Sums of team trend points, for company-wide weeks.
#[derive(Default)]
pub(super) struct Accumulator {
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
    pub(super) fn add(&mut self, p: &TeamTrendPoint, headcount: i64) {
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

    pub(super) fn totals(&self, week: IsoWeek) -> WeekTotals {
        WeekTotals {
            week: week.to_string(),
            days_present: self.days_present,
            attendance_percent: percent(self.present_on_working_days, self.capacity),
            wfh_days: self.wfh,
            wfo_days: self.wfo,
            late_arrivals: self.late,
            hours_worked: display_hours(self.worked_seconds / 60),
        }
    }

    pub(super) fn average_clock_in(&self) -> Option<NaiveTime> {
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

pub(super) fn hhmm(t: NaiveTime) -> String {
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
