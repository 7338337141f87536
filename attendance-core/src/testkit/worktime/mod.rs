//! Work time: patterns, holidays, absences, breaks, overtime and the
//! ledger, each scenario against answers computed by hand (minutes in the
//! comments).

mod days;
mod settings;

pub use days::*;
pub use settings::*;

use super::prelude::*;
use crate::access::Principal;
use crate::clock::ManualClock;
use crate::domain::EmployeeChanges;
use crate::worktime::{
    AbsenceKind, BreakRule, BreakThreshold, DayAbsence, DayPortion, LedgerDay, LedgerPeriod,
    NewAbsence, NewHoliday, NewWorkPattern, PatternAssignment, ScheduleTarget, WeekMinutes,
    WorkPattern,
};

const FULL_TIME: WeekMinutes = [480, 480, 480, 480, 480, 0, 0];

fn trends(store: &Arc<dyn Store>) -> TrendService {
    TrendService::new(store.clone()).with_clock(Arc::new(ManualClock::new(now())))
}

async fn pattern(svc: &AttendanceService, name: &str, minutes: WeekMinutes) -> WorkPattern {
    let new = NewWorkPattern::new(name, minutes).unwrap();
    create_pattern(svc, &new).await
}

/// A team in `tz` working full time (Monday to Friday 8 h) since
/// 2026-01-01, and Ada in it.
async fn full_time_team(svc: &AttendanceService, name: &str, tz: &str) -> (Team, Employee) {
    let t = team(svc, name, tz).await;
    let ada = employee(svc, "Ada", t.id).await;
    let full = pattern(svc, "Full time", FULL_TIME).await;
    assign(svc, ScheduleTarget::Team(t.id), Some(&full), "2026-01-01")
        .await
        .unwrap();
    (t, ada)
}

async fn create_pattern(svc: &AttendanceService, new: &NewWorkPattern) -> WorkPattern {
    svc.acting_as(&Principal::system())
        .create_work_pattern(new)
        .await
        .unwrap()
        .value
}

async fn assign(
    svc: &AttendanceService,
    target: ScheduleTarget,
    pattern: Option<&WorkPattern>,
    from: &str,
) -> crate::Result<PatternAssignment> {
    let assignment = PatternAssignment::new(target, pattern.map(|p| p.id), date(from)).unwrap();
    svc.acting_as(&Principal::system())
        .assign_work_pattern(&assignment)
        .await
        .map(|once| once.value)
}

async fn holiday(
    svc: &AttendanceService,
    team: Option<TeamId>,
    on: &str,
    portion: DayPortion,
) -> crate::worktime::Holiday {
    let new = NewHoliday::new(team, date(on), "Holiday", portion).unwrap();
    svc.acting_as(&Principal::system())
        .add_holiday(&new)
        .await
        .unwrap()
        .value
}

async fn absence(
    svc: &AttendanceService,
    new: &NewAbsence,
) -> crate::Result<crate::worktime::Absence> {
    svc.acting_as(&Principal::system())
        .record_absence(new)
        .await
        .map(|once| once.value)
}

async fn break_rule(svc: &AttendanceService, team: TeamId, rule: &BreakRule) {
    svc.acting_as(&Principal::system())
        .set_break_rule(team, rule)
        .await
        .unwrap();
}

/// A closed session `[from, to)`, recorded as a backfill.
async fn work(svc: &AttendanceService, who: EmployeeId, from: &str, to: &str) {
    svc.record_session(who, WorkMode::Wfo, ts(from), ts(to))
        .await
        .unwrap();
}

async fn ledger(store: &Arc<dyn Store>, who: EmployeeId, from: &str, to: &str) -> Vec<LedgerDay> {
    let period = LedgerPeriod::new(date(from), date(to)).unwrap();
    store.ledger_days(who, &period, now()).await.unwrap()
}

fn not_found(err: &Error, expected: Entity) {
    assert!(
        matches!(err, Error::NotFound { entity, .. } if *entity == expected),
        "{err:?}"
    );
}

fn on<'a>(days: &'a [LedgerDay], d: &str) -> &'a LedgerDay {
    days.iter()
        .find(|l| l.date == date(d))
        .unwrap_or_else(|| panic!("no ledger line on {d}"))
}
