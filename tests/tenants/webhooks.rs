//! Webhooks per tenant: each tenant's delivery worker, over its own store,
//! sends that tenant's events to that tenant's endpoints only. A clock-in
//! in alpha reaches alpha's receiver, and neither beta's receiver nor
//! beta's audit trail or delivery log hears of it.

use super::*;

use attendance::webhooks::{AddressPolicy, Deliverer, DeliveryConfig};

/// A worker over `store` that may deliver to the loopback receivers.
fn worker(store: &PgStore) -> Deliverer {
    let policy = AddressPolicy::public_only().allow_loopback(true);
    let config = DeliveryConfig::new()
        .with_address_policy(policy)
        .with_connect_timeout(Duration::from_secs(2));
    Deliverer::new(Arc::new(store.clone()), config).unwrap()
}

/// Runs the workers, one pass each in turn, until none has work left.
async fn drain(workers: &[&Deliverer]) -> usize {
    let mut total = 0;
    for _ in 0..100 {
        let mut attempted = 0;
        for worker in workers {
            attempted += worker.run_once().await.unwrap();
        }
        if attempted == 0 {
            return total;
        }
        total += attempted;
    }
    panic!("the workers never ran out of deliveries");
}

/// The bodies `receiver` got, as text.
async fn arrivals(receiver: &MockServer) -> Vec<String> {
    receiver
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

#[tokio::test]
async fn an_event_of_alpha_reaches_alphas_receiver_only() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let beta = world.seed(&world.beta, "Beta").await;
        let (to_alpha, to_beta, to_default) = (
            worker(&world.alpha),
            worker(&world.beta),
            worker(&world.default),
        );

        // The seeding's own events go each to its tenant.
        // (Those after the endpoint was registered: the correction
        // request and the period lock.)
        assert_eq!(drain(&[&to_beta, &to_alpha, &to_default]).await, 4);
        let (alpha_seen, beta_seen) = (
            arrivals(&alpha.receiver).await,
            arrivals(&beta.receiver).await,
        );
        assert_eq!(
            (alpha_seen.len(), beta_seen.len()),
            (2, 2),
            "{alpha_seen:?} {beta_seen:?}"
        );
        for body in &alpha_seen {
            assert_eq!(foreign_marker(body), None, "alpha's receiver: {body}");
        }
        for body in &beta_seen {
            assert!(
                !body.to_lowercase().contains("alpha"),
                "beta's receiver: {body}"
            );
        }
        let received = |r: &wiremock::Request| r.url.path().to_owned();
        for r in beta.receiver.received_requests().await.unwrap() {
            assert_eq!(received(&r), "/beta-hook");
        }

        let audit = beta.admin.get("/audit?limit=500").await;
        let deliveries_uri = format!("/webhooks/{}/deliveries?limit=200", beta.webhook);
        let deliveries = beta.admin.get(&deliveries_uri).await;
        assert_eq!(deliveries.status, StatusCode::OK, "{deliveries:?}");

        // A write in alpha, its events delivered by every worker.
        let clock_in =
            json!({"employee_id": alpha.ada, "work_mode": "WFH", "at": "2026-03-16T08:00:00Z"});
        let session = alpha
            .admin
            .create("/attendance/clock-in", clock_in, StatusCode::CREATED)
            .await;
        assert_eq!(drain(&[&to_beta, &to_default, &to_alpha]).await, 1);

        assert_eq!(
            arrivals(&beta.receiver).await,
            beta_seen,
            "beta's receiver heard of alpha"
        );
        let alpha_now = arrivals(&alpha.receiver).await;
        assert_eq!(alpha_now.len(), alpha_seen.len() + 1);
        let event: Value = serde_json::from_str(alpha_now.last().unwrap()).unwrap();
        assert_eq!(event["type"], "session.clocked_in", "{event}");
        assert!(
            event.to_string().contains(&format!("{session}")),
            "the event is not about session {session}: {event}"
        );
        let alpha_hook = alpha.receiver.received_requests().await.unwrap();
        assert_eq!(alpha_hook.last().unwrap().url.path(), "/alpha-hook");

        // Nothing of it in beta's trail or delivery log.
        let audit_after = beta.admin.get("/audit?limit=500").await;
        assert_eq!(audit_after.body, audit.body, "beta's audit trail changed");
        assert_eq!(beta.admin.get(&deliveries_uri).await.body, deliveries.body);
        let alpha_log = alpha
            .admin
            .get(&format!("/webhooks/{}/deliveries?limit=200", alpha.webhook))
            .await;
        assert!(
            alpha_log.text.contains("session.clocked_in"),
            "{}",
            alpha_log.text
        );
    })
    .await;
}
