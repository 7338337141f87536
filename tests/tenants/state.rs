//! What a tenant's router keeps in memory must outlive the router: the
//! dispatcher asks again whether a kept router's tenant is served every
//! `recheck_every`, and the
//! web sessions signed in and the rate limit's buckets live in the router
//! the host composed (as `examples/server.rs` composes it). A session must
//! last its idle timeout (8 h by default), and the limit its minute,
//! whatever the router's lifetime.

use super::*;

use attendance::http::RateLimit;

#[tokio::test]
async fn a_tenants_web_session_outlives_its_router() {
    common::with_store(|store| async move {
        let world = World::new(store).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        let response = world
            .http
            .post(format!("{}/session", world.base))
            .json(&json!({"token": alpha.admin.token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let read = async || {
            let response = world
                .http
                .get(format!("{}/teams", world.base))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            response.status()
        };
        assert_eq!(read().await, StatusCode::OK, "just signed in");
        tokio::time::sleep(RECHECK * 3).await;
        assert_eq!(
            read().await,
            StatusCode::OK,
            "the session ended with the router that made it, {:?} after sign-in",
            RECHECK * 3
        );
    })
    .await;
}

/// Four summaries in a row as `caller`: the statuses.
async fn four_summaries(caller: &As, team: i64) -> Vec<u16> {
    let uri = format!("/summaries/daily?date=2026-03-02&team_id={team}");
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(caller.get(&uri).await.status.as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_tenants_rate_limit_outlives_its_router() {
    common::with_store(|store| async move {
        // A burst of 3, then one a minute.
        let http = HttpConfig::default().with_rate_limit(Some(RateLimit::new(1, 3)));
        let world = World::with_config(store, http).await;
        let alpha = world.seed(&world.alpha, "Alpha").await;
        // The default tenant's router is built once: the limit holds.
        let default = world
            .caller(
                &world.default,
                Identity::Admin {
                    name: "omega admin".into(),
                },
            )
            .await;
        let team = default
            .create("/teams", json!({"name": "Omega Ops"}), StatusCode::CREATED)
            .await;
        assert_eq!(four_summaries(&default, team).await, [200, 200, 200, 429]);
        tokio::time::sleep(RECHECK * 3).await;
        assert_eq!(four_summaries(&default, team).await, [429; 4]);
        // A kept router's tenant is rechecked every `recheck_every`: its
        // buckets must not start over with it.
        let first = four_summaries(&alpha.admin, alpha.ops).await;
        tokio::time::sleep(RECHECK * 3).await;
        let then = four_summaries(&alpha.admin, alpha.ops).await;
        assert_eq!(
            (first, then),
            (vec![200, 200, 200, 429], vec![429; 4]),
            "alpha's limit started over with its router"
        );
    })
    .await;
}
