//! The data of each tenant, made through HTTP with the tenant's own admin
//! token: teams, a manager, employees, sessions clocked and recorded and
//! corrected, a work pattern and its assignment, a break rule, a holiday,
//! an absence, a webhook endpoint at the tenant's own receiver, a
//! correction request and a period lock. Every string contains the tag it
//! is made with.

use super::*;

use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

/// What a tenant was seeded with.
pub(crate) struct Seeded {
    pub(crate) admin: As,
    pub(crate) manager: As,
    pub(crate) employee: As,
    pub(crate) ops: i64,
    pub(crate) ada: i64,
    /// Every id the seeding made, of any kind.
    pub(crate) ids: BTreeSet<i64>,
    /// The tenant's webhook receiver.
    pub(crate) receiver: MockServer,
    pub(crate) webhook: i64,
}

pub(crate) async fn seed(world: &World, store: &PgStore, admin: As, tag: &str) -> Seeded {
    use StatusCode as S;
    let mut ids = BTreeSet::new();
    let mut made = |id: i64| {
        ids.insert(id);
        id
    };
    let team = |name: &str| json!({"name": format!("{tag} {name}"), "timezone": "Europe/Berlin"});
    let ops = made(admin.create("/teams", team("Ops"), S::CREATED).await);
    let dev = made(admin.create("/teams", team("Dev"), S::CREATED).await);
    let person = |name: &str, team: i64, manager: bool| {
        json!({"name": format!("{tag} {name}"), "role": format!("{tag} engineer"),
               "team_id": team, "is_manager": manager})
    };
    let mara = made(
        admin
            .create("/employees", person("Mara", ops, true), S::CREATED)
            .await,
    );
    let ada = made(
        admin
            .create("/employees", person("Ada", ops, false), S::CREATED)
            .await,
    );
    let bo = made(
        admin
            .create("/employees", person("Bo", dev, false), S::CREATED)
            .await,
    );
    if tag.to_lowercase().contains("beta") {
        // More of everything in beta, so some of its ids exist nowhere
        // in alpha.
        let lab = made(admin.create("/teams", team("Lab"), S::CREATED).await);
        made(
            admin
                .create("/employees", person("Cy", lab, false), S::CREATED)
                .await,
        );
        made(
            admin
                .create("/employees", person("Di", lab, true), S::CREATED)
                .await,
        );
    }

    let clock_in = json!({"employee_id": ada, "work_mode": "WFO", "at": "2026-03-02T08:00:00Z"});
    made(
        admin
            .create("/attendance/clock-in", clock_in, S::CREATED)
            .await,
    );
    let out = admin
        .post(
            "/attendance/clock-out",
            json!({"employee_id": ada, "at": "2026-03-02T16:30:00Z"}),
        )
        .await;
    assert_eq!(out.status, S::OK, "clock-out: {out:?}");
    let session = json!({"employee_id": bo, "clock_in": "2026-03-03T09:00:00Z",
        "clock_out": "2026-03-03T17:00:00Z", "work_mode": "WFH",
        "reason": format!("{tag} paper timesheet")});
    let recorded = made(
        admin
            .create("/attendance/sessions", session, S::CREATED)
            .await,
    );
    let fix = json!({"work_mode": "WFO", "reason": format!("{tag} badge fix")});
    let fixed = admin
        .send(
            Method::PATCH,
            &format!("/attendance/sessions/{recorded}"),
            Some(fix),
        )
        .await;
    assert_eq!(fixed.status, S::OK, "correction: {fixed:?}");

    let pattern = json!({"name": format!("{tag} full time"), "starts_at": "09:00",
        "minutes": {"mon": 480, "tue": 480, "wed": 480, "thu": 480, "fri": 480, "sat": 0, "sun": 0}});
    let pattern = made(admin.create("/work-patterns", pattern, S::CREATED).await);
    let assign = json!({"team_id": ops, "pattern_id": pattern, "valid_from": "2026-01-01"});
    let assigned = admin.post("/work-patterns/assignments", assign).await;
    assert_eq!(assigned.status, S::CREATED, "assignment: {assigned:?}");
    let rule = admin
        .send(
            Method::PUT,
            &format!("/teams/{ops}/break-rule"),
            Some(json!({})),
        )
        .await;
    assert_eq!(rule.status, S::OK, "break rule: {rule:?}");
    let holiday = json!({"date": "2026-03-10", "name": format!("{tag} founders day")});
    made(admin.create("/holidays", holiday, S::CREATED).await);
    let absence = json!({"employee_id": bo, "kind": "vacation", "from": "2026-03-04",
        "to": "2026-03-04", "note": format!("{tag} beach")});
    made(admin.create("/absences", absence, S::CREATED).await);

    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let hook = json!({"url": format!("{}/{}-hook", receiver.uri(), tag.to_lowercase()),
        "event_types": EVENT_TYPES});
    let webhook = made(admin.create("/webhooks", hook, S::CREATED).await);

    let manager = world
        .caller(
            store,
            Identity::Employee {
                id: EmployeeId(mara),
            },
        )
        .await;
    let employee = world
        .caller(
            store,
            Identity::Employee {
                id: EmployeeId(ada),
            },
        )
        .await;
    let missing = json!({"kind": "missing", "employee_id": ada,
        "clock_in": "2026-03-05T08:00:00Z", "clock_out": "2026-03-05T16:00:00Z",
        "work_mode": "WFO", "reason": format!("{tag} forgot the badge")});
    made(
        employee
            .create("/attendance/requests", missing, S::CREATED)
            .await,
    );
    let lock = json!({"team_id": dev, "from": "2026-02-01", "to": "2026-02-28",
        "reason": format!("{tag} payroll")});
    made(admin.create("/periods", lock, S::CREATED).await);

    Seeded {
        admin,
        manager,
        employee,
        ops,
        ada,
        ids,
        receiver,
        webhook,
    }
}

/// Seeds the default tenant with one team and person marked "omega".
pub(crate) async fn seed_default(world: &World) {
    let admin = world
        .caller(
            &world.default,
            Identity::Admin {
                name: "omega admin".into(),
            },
        )
        .await;
    let team = admin
        .create("/teams", json!({"name": "Omega Ops"}), StatusCode::CREATED)
        .await;
    let person = json!({"name": "Omega Olga", "role": "omega engineer", "team_id": team});
    let olga = admin
        .create("/employees", person, StatusCode::CREATED)
        .await;
    let clock_in = json!({"employee_id": olga, "work_mode": "WFO", "at": "2026-03-02T07:00:00Z"});
    admin
        .create("/attendance/clock-in", clock_in, StatusCode::CREATED)
        .await;
}
