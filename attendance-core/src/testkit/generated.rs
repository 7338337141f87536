//! A generated data set of a few thousand sessions, whose trends a store
//! must compute exactly as the in-memory reference does.

use super::prelude::*;

/// A small deterministic generator (64-bit LCG), so the data set is the same
/// for every store and every run without a `rand` dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// One recorded action of the generated data set.
#[derive(Debug, Clone, Copy)]
struct Op {
    employee: usize,
    mode: WorkMode,
    clock_in: DateTime<Utc>,
    clock_out: Option<DateTime<Utc>>,
}

fn generated_ops(employees: usize, days: i64) -> Vec<Op> {
    generated_ops_seeded(employees, days, 0x5eed)
}

fn generated_ops_seeded(employees: usize, days: i64, seed: u64) -> Vec<Op> {
    let mut rng = Lcg(seed);
    let start = ts("2026-06-01T00:00:00Z");
    let mut ops = Vec::new();
    for employee in 0..employees {
        let mut last_end = start;
        for day in 0..days {
            if rng.next(10) < 2 {
                continue; // absent
            }
            let sessions = 1 + rng.next(3) / 2; // 1 or 2
            for part in 0..sessions {
                // Shifts start between 04:00 and 12:59 UTC, so the second
                // timezone's local dates and late arrivals vary too.
                let minute = if part == 0 {
                    4 * 60 + rng.next(9 * 60)
                } else {
                    13 * 60 + rng.next(120)
                };
                let clock_in = start
                    + TimeDelta::days(day)
                    + TimeDelta::minutes(minute as i64)
                    + TimeDelta::seconds(rng.next(60) as i64);
                if clock_in <= last_end {
                    continue;
                }
                let mode = if rng.next(5) < 2 {
                    WorkMode::Wfh
                } else {
                    WorkMode::Wfo
                };
                let forgot = day == days - 1 || rng.next(200) == 0;
                let clock_out =
                    (!forgot).then(|| clock_in + TimeDelta::minutes(60 + rng.next(5 * 60) as i64));
                ops.push(Op {
                    employee,
                    mode,
                    clock_in,
                    clock_out,
                });
                match clock_out {
                    Some(out) => last_end = out,
                    None => break,
                }
            }
            if ops
                .last()
                .is_some_and(|op| op.employee == employee && op.clock_out.is_none())
            {
                break;
            }
        }
    }
    ops
}

async fn load_generated(store: &Arc<dyn Store>) -> (Vec<Team>, Vec<Employee>) {
    let svc = service(store);
    let teams = vec![
        team(&svc, "Lisbon", "Europe/Lisbon").await,
        team(&svc, "Tokyo", "Asia/Tokyo").await,
    ];
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(employee(&svc, &format!("Person {i:02}"), teams[i % 2].id).await);
    }
    for op in generated_ops(people.len(), 150) {
        let who = people[op.employee].id;
        svc.clock_in(who, op.mode, Some(op.clock_in)).await.unwrap();
        if let Some(out) = op.clock_out {
            svc.clock_out(who, Some(out)).await.unwrap();
        }
    }
    (teams, people)
}

/// On a generated data set of a few thousand sessions, the store's trends
/// equal those of the in-memory reference at every granularity. Run by every
/// store but the reference itself (see the [module docs](super)).
pub async fn generated_data_matches_in_memory(store: Arc<dyn Store>) {
    let reference: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let (teams, people) = load_generated(&store).await;
    let (ref_teams, ref_people) = load_generated(&reference).await;
    let svc = service(&store);
    let total = all_sessions(&svc, &SessionFilter::default()).await.len();
    assert!(total > 2_000, "only {total} sessions generated");
    let trends = TrendService::new(store.clone());
    let expected = TrendService::new(reference.clone());
    let queries = [
        TrendQuery::new(date("2026-06-01"), date("2026-10-29"), Granularity::Day).unwrap(),
        TrendQuery::new(date("2026-06-03"), date("2026-09-20"), Granularity::Week).unwrap(),
        TrendQuery::new(date("2026-05-20"), date("2026-10-10"), Granularity::Month).unwrap(),
    ];
    for q in &queries {
        for (team, ref_team) in teams.iter().zip(&ref_teams) {
            let mut got = trends.team_trend(team.id, q).await.unwrap();
            let want = expected.team_trend(ref_team.id, q).await.unwrap();
            got.team_id = want.team_id;
            assert_eq!(got, want, "team {} {:?}", team.name, q.granularity());
            assert!(got.points.iter().any(|p| p.figures.late_arrivals > 0));
        }
        for (person, ref_person) in people.iter().zip(&ref_people).step_by(3) {
            let mut got = trends.employee_trend(person.id, q).await.unwrap();
            let want = expected.employee_trend(ref_person.id, q).await.unwrap();
            got.employee_id = want.employee_id;
            assert_eq!(got, want, "employee {} {:?}", person.name, q.granularity());
        }
    }
}

/// All teams' figures read at once equal each team's figures read alone, on
/// the generated data set plus a team without members and one whose only
/// member never clocked in; so do the trends built from them.
pub async fn all_team_figures_match_each_team(store: Arc<dyn Store>) {
    let (mut teams, _) = load_generated(&store).await;
    let svc = service(&store);
    teams.push(team(&svc, "Empty", "UTC").await);
    let idle = team(&svc, "Idle", "America/New_York").await;
    employee(&svc, "Nobody Clocks", idle.id).await;
    teams.push(idle);
    let trends = TrendService::new(store.clone());
    let queries = [
        TrendQuery::new(date("2026-06-01"), date("2026-10-29"), Granularity::Day).unwrap(),
        TrendQuery::new(date("2026-06-03"), date("2026-09-20"), Granularity::Week).unwrap(),
        TrendQuery::new(date("2026-05-20"), date("2026-10-10"), Granularity::Month).unwrap(),
        // No data at all in the range.
        TrendQuery::new(date("2025-01-01"), date("2025-01-31"), Granularity::Week).unwrap(),
    ];
    for q in &queries {
        let all = store.all_team_figures(q).await.unwrap();
        let ids: Vec<TeamId> = all.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            teams.iter().map(|t| t.id).collect::<Vec<_>>(),
            "every team, by id"
        );
        for (id, figures) in &all {
            let alone = store.team_figures(*id, q).await.unwrap();
            assert_eq!(figures, &alone, "team {id} {:?}", q.granularity());
        }
        let all_trends = trends.all_team_trends(q).await.unwrap();
        assert_eq!(all_trends.len(), teams.len());
        for trend in &all_trends {
            let alone = trends.team_trend(trend.team_id, q).await.unwrap();
            assert_eq!(trend, &alone);
        }
        let headcounts: Vec<i64> = all.iter().map(|(_, f)| f.headcount).collect();
        assert_eq!(headcounts, vec![12, 12, 0, 1]);
    }
    // The generated teams have data in the generated range, the others none.
    let all = store.all_team_figures(&queries[0]).await.unwrap();
    assert!(all[0].1.periods.len() > 100 && all[1].1.periods.len() > 100);
    assert!(all[2].1.periods.is_empty() && all[3].1.periods.is_empty());
}

/// Generated companies with work time: for each seed, two teams in
/// different timezones with random patterns (one counting overtime by the
/// week), holidays, a break rule or none, absences, an own pattern, a move
/// between the teams, and a few thousand sessions (open ones included).
/// The store's ledger lines and totals equal the in-memory reference's.
/// Run by every store but the reference itself.
pub async fn generated_ledgers_match_in_memory(store: Arc<dyn Store>) {
    let reference: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    for seed in [7_u64, 11, 23] {
        let got = load_work_time(&store, seed).await;
        let want = load_work_time(&reference, seed).await;
        let periods = [
            ("2026-06-01", "2026-06-30"),
            ("2026-06-03", "2026-10-31"),
            ("2026-07-13", "2026-07-19"),
        ];
        for (from, to) in periods {
            let period = crate::worktime::LedgerPeriod::new(date(from), date(to)).unwrap();
            for (person, ref_person) in got.people.iter().zip(&want.people) {
                let mut lines = store.ledger_days(*person, &period, now()).await.unwrap();
                let expected = reference
                    .ledger_days(*ref_person, &period, now())
                    .await
                    .unwrap();
                for line in &mut lines {
                    line.employee_id = *ref_person;
                    line.team_id = want.team_of(got.team_index(line.team_id));
                }
                assert_eq!(
                    lines, expected,
                    "seed {seed}, employee {person}, {from} to {to}"
                );
            }
            for (team, ref_team) in got
                .teams
                .iter()
                .zip(&want.teams)
                .map(|(a, b)| (Some(*a), Some(*b)))
                .chain([(None, None)])
            {
                let totals = store.ledger_totals(team, &period, now()).await.unwrap();
                let expected = reference
                    .ledger_totals(ref_team, &period, now())
                    .await
                    .unwrap();
                let totals: Vec<_> = totals.into_iter().map(|(_, t)| t).collect();
                let expected: Vec<_> = expected.into_iter().map(|(_, t)| t).collect();
                assert_eq!(
                    totals, expected,
                    "seed {seed}, team {team:?}, {from} to {to}"
                );
            }
        }
        // The data exercises what it should.
        let year =
            crate::worktime::LedgerPeriod::new(date("2026-06-01"), date("2026-11-02")).unwrap();
        let all = reference.ledger_totals(None, &year, now()).await.unwrap();
        let sum = |f: fn(&crate::worktime::LedgerTotals) -> i64| {
            all.iter().map(|(_, t)| f(t)).sum::<i64>()
        };
        assert!(sum(|t| t.overtime_minutes) > 0, "seed {seed}: overtime");
        assert!(sum(|t| t.break_deducted_minutes) > 0, "seed {seed}: breaks");
        assert!(
            sum(|t| t.holiday_work_minutes) > 0,
            "seed {seed}: holiday work"
        );
        assert!(
            sum(|t| t.absence_credit_minutes) > 0,
            "seed {seed}: absences"
        );
        assert!(
            sum(|t| t.absent_without_leave_days) > 0,
            "seed {seed}: absent without leave"
        );
    }
}

/// What [`load_work_time`] made, to compare two stores' answers.
struct WorkTimeCompany {
    teams: Vec<TeamId>,
    people: Vec<EmployeeId>,
}

impl WorkTimeCompany {
    fn team_index(&self, id: TeamId) -> usize {
        self.teams.iter().position(|t| *t == id).unwrap()
    }
    fn team_of(&self, index: usize) -> TeamId {
        self.teams[index]
    }
}

async fn load_work_time(store: &Arc<dyn Store>, seed: u64) -> WorkTimeCompany {
    use crate::access::Principal;
    use crate::clock::ManualClock;
    use crate::domain::EmployeeChanges;
    use crate::worktime::{
        AbsenceKind, BreakRule, DayPortion, NewAbsence, NewHoliday, NewWorkPattern,
        PatternAssignment, ScheduleTarget,
    };

    let mut rng = Lcg(seed);
    let svc = service(store);
    let admin = Principal::system();
    let acting = svc.acting_as(&admin);
    let zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"];
    let mut teams = Vec::new();
    for i in 0..2 {
        let zone = zones[rng.next(zones.len() as u64) as usize];
        teams.push(team(&svc, &format!("Seed {seed} team {i}"), zone).await.id);
    }
    let choices = [0, 240, 360, 450, 480, 600];
    let mut patterns = Vec::new();
    for i in 0..3 {
        let mut minutes = [0u32; 7];
        for (day, m) in minutes.iter_mut().enumerate() {
            *m = if day < 5 || rng.next(4) == 0 {
                choices[rng.next(choices.len() as u64) as usize]
            } else {
                0
            };
        }
        let mut new = NewWorkPattern::new(&format!("Pattern {i}"), minutes).unwrap();
        if i == 1 {
            new = new
                .with_weekly_overtime_after(1_800 + 60 * rng.next(10) as u32)
                .unwrap();
        }
        patterns.push(acting.create_work_pattern(&new).await.unwrap().value.id);
    }
    let assign = |target, pattern: Option<usize>, from: &str| {
        PatternAssignment::new(target, pattern.map(|p| patterns[p]), date(from)).unwrap()
    };
    for a in [
        assign(ScheduleTarget::Team(teams[0]), Some(0), "2026-05-01"),
        assign(ScheduleTarget::Team(teams[0]), Some(1), "2026-08-12"),
        assign(ScheduleTarget::Team(teams[1]), Some(2), "2026-06-10"),
    ] {
        acting.assign_work_pattern(&a).await.unwrap();
    }
    if rng.next(2) == 0 {
        acting
            .set_break_rule(teams[0], &BreakRule::statutory())
            .await
            .unwrap();
    }
    acting
        .set_break_rule(teams[1], &BreakRule::statutory())
        .await
        .unwrap();
    for i in 0..12 {
        let day = date("2026-06-01") + TimeDelta::days(rng.next(150) as i64);
        let team = match i % 3 {
            0 => None,
            n => Some(teams[n as usize - 1]),
        };
        let portion = if rng.next(3) == 0 {
            DayPortion::Half
        } else {
            DayPortion::Full
        };
        // A date already in that calendar is refused: one per date.
        let added = acting
            .add_holiday(&NewHoliday::new(team, day, &format!("Holiday {i}"), portion).unwrap())
            .await;
        assert!(
            matches!(
                added,
                Ok(_) | Err(Error::Conflict(Conflict::HolidayExists { .. }))
            ),
            "{added:?}"
        );
    }
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(
            employee(&svc, &format!("Seed {seed} person {i}"), teams[i % 2])
                .await
                .id,
        );
    }
    acting
        .assign_work_pattern(&assign(
            ScheduleTarget::Employee(people[2]),
            Some(2),
            "2026-07-01",
        ))
        .await
        .unwrap();
    acting
        .assign_work_pattern(&assign(
            ScheduleTarget::Employee(people[2]),
            None,
            "2026-09-01",
        ))
        .await
        .unwrap();
    for (i, person) in people.iter().enumerate() {
        let start = date("2026-06-01") + TimeDelta::days(rng.next(140) as i64);
        let end = start + TimeDelta::days(rng.next(6) as i64);
        let kind = AbsenceKind::ALL[i % 3];
        let mut new = NewAbsence::new(*person, kind, start, end).unwrap();
        if rng.next(3) == 0 {
            new = new.with_portion(DayPortion::Half);
        }
        acting.record_absence(&new).await.unwrap();
    }
    // One employee moves mid-July, by a clock set then.
    let then = AttendanceService::new(store.clone())
        .with_clock(Arc::new(ManualClock::new(ts("2026-07-15T10:00:00Z"))));
    then.update_employee(
        people[1],
        &EmployeeChanges::new(None, None, Some(teams[0]), None).unwrap(),
    )
    .await
    .unwrap();
    for op in generated_ops_seeded(people.len(), 150, seed) {
        let who = people[op.employee];
        svc.clock_in(who, op.mode, Some(op.clock_in)).await.unwrap();
        if let Some(out) = op.clock_out {
            svc.clock_out(who, Some(out)).await.unwrap();
        }
    }
    WorkTimeCompany { teams, people }
}
