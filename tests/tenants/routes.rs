//! Every route of the OpenAPI document, tried across the tenant boundary:
//! alpha's callers read with beta's ids and see nothing of beta's (nor of
//! the default tenant's), and alpha's admin writes with beta's ids and
//! bodies without changing anything beta reads, its audit trail included.

use super::*;

/// One operation of the document.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    template: String,
    /// Query parameters: name, whether required, the values its schema
    /// allows (empty when any).
    query: Vec<(String, bool, Vec<String>)>,
    has_body: bool,
}

/// The operations of `GET /openapi.json`, as served to a caller without
/// credentials (the default tenant's router).
async fn operations(world: &World) -> Vec<Operation> {
    let doc: Value = world
        .http
        .get(format!("{}/openapi.json", world.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (verb, op) in item.as_object().unwrap() {
            let Ok(method) = verb.to_uppercase().parse::<Method>() else {
                continue;
            };
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    let allowed = p["schema"]["enum"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect();
                    let name = p["name"].as_str().unwrap().to_owned();
                    (name, p["required"] == true, allowed)
                })
                .collect();
            operations.push(Operation {
                method,
                template: template.clone(),
                query,
                has_body: op.get("requestBody").is_some(),
            });
        }
    }
    assert!(operations.len() > 40, "too few operations: {operations:?}");
    operations
}

/// Path ids to try: every id beta's seeding made, and a few that exist in
/// neither tenant.
fn probe_ids(beta: &Seeded) -> Vec<i64> {
    let mut ids: Vec<i64> = beta.ids.iter().copied().collect();
    ids.extend([0, -1, 999_999, i64::MAX]);
    ids
}

/// A value for the query parameter `name` (`id` for ids).
fn query_value(name: &str, allowed: &[String], id: i64) -> String {
    match name {
        "team_id" | "employee_id" => id.to_string(),
        "from" => "2026-01-01".into(),
        "to" => "2026-03-31".into(),
        "date" => "2026-03-02".into(),
        "week" => "2026-W10".into(),
        "limit" => "200".into(),
        // The CSV, not the zipped workbook, so that markers are readable.
        "format" => "csv".into(),
        _ => allowed
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("no value for the required query parameter {name:?}")),
    }
}

/// The URIs to try for `op`: its path with every combination of `ids` in
/// its path parameters, its required query parameters set and its
/// `team_id`/`employee_id` set to the same id.
fn uris(op: &Operation, ids: &[i64]) -> Vec<(String, i64)> {
    let params = op.template.matches('{').count();
    let ids_used = params > 0
        || op
            .query
            .iter()
            .any(|(n, _, _)| n == "team_id" || n == "employee_id");
    let mut combos: Vec<Vec<i64>> = vec![Vec::new()];
    for _ in 0..params.max(usize::from(ids_used)) {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                ids.iter().map(move |&id| {
                    let mut c = c.clone();
                    c.push(id);
                    c
                })
            })
            .collect();
    }
    combos
        .into_iter()
        .map(|combo| {
            let mut uri = op.template.clone();
            for id in &combo[..params] {
                let start = uri.find('{').unwrap();
                let end = start + uri[start..].find('}').unwrap();
                uri.replace_range(start..=end, &id.to_string());
            }
            let id = combo.first().copied().unwrap_or(1);
            let query: Vec<String> = op
                .query
                .iter()
                .filter(|(n, required, _)| *required || n == "team_id" || n == "employee_id")
                .map(|(n, _, allowed)| format!("{n}={}", query_value(n, allowed, id)))
                .collect();
            if query.is_empty() {
                (uri, id)
            } else {
                (format!("{uri}?{}", query.join("&")), id)
            }
        })
        .collect()
}

/// The body beta would send to `op` with the id `n`, its strings marked.
fn beta_bodies(op: &Operation, n: i64) -> Vec<Value> {
    let session = json!({"employee_id": n, "clock_in": "2026-03-09T08:00:00Z",
        "clock_out": "2026-03-09T09:00:00Z", "work_mode": "WFO", "reason": "beta intrusion"});
    let pattern = json!({"name": "beta pattern", "minutes":
        {"mon": 60, "tue": 60, "wed": 60, "thu": 60, "fri": 60, "sat": 0, "sun": 0}});
    let bodies = match (op.method.as_str(), op.template.as_str()) {
        ("POST", "/teams") => vec![json!({"name": "Beta intruder team"})],
        ("POST", "/employees") => vec![json!({"name": "Beta intruder", "role": "beta",
            "team_id": n, "is_manager": true})],
        ("PATCH", "/employees/{id}") => vec![
            json!({"name": "Beta renamed", "role": "beta role"}),
            json!({"team_id": n, "is_manager": false}),
        ],
        ("POST", "/attendance/clock-in") => {
            vec![json!({"employee_id": n, "work_mode": "WFH", "at": "2026-03-06T08:00:00Z"})]
        }
        ("POST", "/attendance/clock-out") => {
            vec![json!({"employee_id": n, "at": "2026-03-06T09:00:00Z"})]
        }
        ("POST", "/attendance/sessions") => vec![session],
        ("PATCH", "/attendance/sessions/{id}") => {
            vec![json!({"work_mode": "WFH", "reason": "beta intrusion"})]
        }
        ("POST", "/ask") => vec![json!({"question": "beta sessions? marker-beta-view"})],
        ("POST", "/holidays") => {
            vec![json!({"date": "2026-03-11", "name": "beta holiday", "team_id": n})]
        }
        ("POST", "/absences") => vec![json!({"employee_id": n, "kind": "sick",
            "from": "2026-03-12", "to": "2026-03-12", "note": "beta"})],
        ("POST", "/periods") => vec![json!({"team_id": n, "from": "2026-01-01",
            "to": "2026-01-31", "reason": "beta lock"})],
        ("POST", "/periods/{id}/reopen") => vec![json!({"reason": "beta reopen"})],
        ("POST", "/attendance/requests") => vec![
            json!({"kind": "missing", "employee_id": n, "clock_in": "2026-03-13T08:00:00Z",
                "clock_out": "2026-03-13T09:00:00Z", "work_mode": "WFO", "reason": "beta"}),
            json!({"kind": "change", "session_id": n, "work_mode": "WFH", "reason": "beta"}),
        ],
        ("POST", "/attendance/requests/{id}/approve") => vec![json!({})],
        ("POST", "/attendance/requests/{id}/reject") => vec![json!({"reason": "beta no"})],
        ("POST", "/webhooks") => vec![json!({"url": "http://127.0.0.1:9/beta-hook",
            "event_types": ["team.created"]})],
        ("POST", "/webhooks/{id}/redeliver") => vec![json!({}), json!({"delivery_id": n})],
        ("POST", "/work-patterns") => vec![pattern],
        ("POST", "/work-patterns/assignments") => vec![
            json!({"team_id": n, "pattern_id": n, "valid_from": "2026-02-01"}),
            json!({"employee_id": n, "pattern_id": n, "valid_from": "2026-02-02"}),
        ],
        ("PUT", "/teams/{id}/break-rule") => vec![json!({})],
        _ => {
            assert!(!op.has_body, "no body to send to {op:?}: add one here");
            return vec![Value::Null];
        }
    };
    assert!(op.has_body, "{op:?} takes no body");
    bodies
}

/// Every GET as `caller`, with each URI's reply text; asserts none is 500.
async fn read_all(caller: &As, operations: &[Operation], ids: &[i64]) -> Vec<(String, Reply)> {
    let mut replies = Vec::new();
    for op in operations.iter().filter(|op| op.method == Method::GET) {
        for (uri, _) in uris(op, ids) {
            let reply = caller.get(&uri).await;
            assert!(
                !reply.status.is_server_error(),
                "GET {uri}: {} {}",
                reply.status,
                reply.text
            );
            replies.push((uri, reply));
        }
    }
    replies
}

#[tokio::test]
async fn alpha_reads_nothing_of_beta_on_any_get_route() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        seed_default(&world).await;
        let beta = world.seed(&world.beta, "Beta").await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let operations = operations(&world).await;
        let ids = probe_ids(&beta);

        // The check can fail: beta's admin reads beta's markers.
        let own = read_all(&beta.admin, &operations, &ids).await;
        let marked = own
            .iter()
            .filter(|(_, r)| foreign_marker(&r.text) == Some("beta"));
        assert!(marked.count() > 20, "beta's own reads show too few markers");

        for (role, caller) in [
            ("admin", &alpha.admin),
            ("manager", &alpha.manager),
            ("employee", &alpha.employee),
        ] {
            let replies = read_all(caller, &operations, &ids).await;
            let ok = replies.iter().filter(|(_, r)| r.status == StatusCode::OK);
            assert!(ok.count() > 20, "alpha's {role} read too little");
            for (uri, reply) in &replies {
                if let Some(marker) = foreign_marker(&reply.text) {
                    panic!("alpha's {role}: GET {uri} shows {marker:?}: {}", reply.text);
                }
            }
        }
    })
    .await;
}

/// Beta's view of itself: every GET as beta's admin, with volatile fields
/// masked.
async fn beta_state(beta: &Seeded, operations: &[Operation], ids: &[i64]) -> Vec<(String, String)> {
    read_all(&beta.admin, operations, ids)
        .await
        .into_iter()
        .map(|(uri, reply)| (uri, format!("{} {}", reply.status, reply.text)))
        .collect()
}

async fn audit_len(caller: &As) -> usize {
    let reply = caller.get("/audit?limit=500").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn alpha_writes_with_betas_ids_change_nothing_of_beta() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let beta = world.seed(&world.beta, "Beta").await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let operations = operations(&world).await;
        let ids = probe_ids(&beta);
        let audit_before = audit_len(&beta.admin).await;
        assert!(audit_before > 10, "beta's audit trail is too short to tell");
        let before = beta_state(&beta, &operations, &ids).await;
        let alpha_audit_before = audit_len(&alpha.admin).await;

        let mut done = 0;
        for op in operations.iter().filter(|op| op.method != Method::GET) {
            for (uri, n) in uris(op, &ids) {
                for body in beta_bodies(op, n) {
                    let body = (!body.is_null()).then_some(body);
                    let reply = alpha.admin.send(op.method.clone(), &uri, body).await;
                    assert_ne!(
                        reply.status,
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "{} {uri}: {}",
                        op.method,
                        reply.text
                    );
                    done += usize::from(reply.status.is_success());
                }
            }
        }
        // The writes happened, in alpha.
        assert!(done > 20, "too few writes succeeded in alpha: {done}");
        assert!(audit_len(&alpha.admin).await > alpha_audit_before);

        assert_eq!(
            audit_len(&beta.admin).await,
            audit_before,
            "beta's audit trail grew"
        );
        let after = beta_state(&beta, &operations, &ids).await;
        assert_eq!(before.len(), after.len());
        for ((uri, was), (_, is)) in before.iter().zip(&after) {
            assert_eq!(was, is, "GET {uri} as beta's admin changed");
        }
    })
    .await;
}
