//! Delivery scenarios, each run on the in-memory store and on PostgreSQL
//! (`main.rs` instantiates them).

use std::sync::Arc;
use std::time::Duration;

use attendance_core::access::Actor;
use attendance_core::audit::Stamp;
use attendance_core::clock::{Clock as _, ManualClock};
use attendance_core::idempotency::Write;
use attendance_core::store::Store;
use attendance_core::webhooks::{DeliveryState, EndpointState};
use attendance_webhooks::{AddressPolicy, Deliverer, DeliveryConfig};
use chrono::{TimeDelta, Utc};
use tokio::sync::oneshot;

use crate::receiver::Answer;
use crate::support::{World, assert_delivered_in_order, loopback_config};

/// Three endpoints, one answering well, two answering 500, 503, hanging
/// and closing the connection between good answers: every event reaches
/// each, in order, attempts as the outbox counts them; one endpoint's
/// trouble does not hold up the others.
pub(crate) async fn every_event_arrives_in_order_through_failures(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 3).await;
    let steady = world.register("steady").await;
    let flaky = world.register("flaky").await;
    let closing = world.register("closing").await;
    let rx = &world.receiver;
    rx.script(
        "flaky",
        [
            Answer::Status(500),
            Answer::Hang,
            Answer::Ok,
            Answer::Close,
            Answer::Status(503),
            Answer::Ok,
            Answer::Ok,
            Answer::Hang,
            Answer::Status(429),
        ],
    );
    rx.script("closing", [Answer::Close, Answer::Close]);
    let cycles = 6;
    world.clock_cycles(cycles).await;

    let worker = Deliverer::new(store.clone(), loopback_config()).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    // More events while the worker runs.
    world.clock_cycles(cycles).await;
    let events = 4 * cycles;
    rx.until("every event answered 2xx at every endpoint", |arrivals| {
        ["steady", "flaky", "closing"].iter().all(|name| {
            let mut ok: Vec<i64> = arrivals
                .iter()
                .filter(|a| a.endpoint == *name && a.answer.is_success())
                .map(|a| a.event_id)
                .collect();
            ok.dedup();
            ok.len() == events
        })
    })
    .await;
    stop.send(()).unwrap();
    running.await.unwrap();

    for (name, id) in [("steady", steady), ("flaky", flaky), ("closing", closing)] {
        assert_eq!(
            rx.script_left(name),
            0,
            "{name}: every scripted answer given"
        );
        let log = world.deliveries(id).await;
        assert_delivered_in_order(&rx.arrivals_at(name), &log, events);
    }
    // At least: a loaded machine may time out a good answer too, which
    // the receiver's log and the outbox then both count.
    let flaky_log = world.deliveries(flaky).await;
    assert!(flaky_log[0].attempts >= 3, "500, time-out, then 204");
    assert_eq!(flaky_log[0].last_status, Some(204));
    assert!(world.deliveries(closing).await[0].attempts >= 3);
}

/// The worker task aborted while a request is in flight, a new one
/// started: the held delivery goes out again once its lease ends, and
/// nothing is lost or reordered (the outbox is the truth).
pub(crate) async fn the_worker_killed_mid_delivery_loses_nothing(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 2).await;
    let hook = world.register("hook").await;
    let rx = &world.receiver;
    rx.script("hook", [Answer::Ok, Answer::Ok, Answer::Ok, Answer::Stall]);
    let cycles = 5;
    world.clock_cycles(cycles).await;

    let first = tokio::spawn(
        Deliverer::new(store.clone(), loopback_config())
            .unwrap()
            .run(std::future::pending()),
    );
    rx.holding().await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    let held = rx.arrivals_at("hook").last().unwrap().event_id;
    let before = world.deliveries(hook).await;
    let pending = before
        .iter()
        .filter(|d| d.state == DeliveryState::Pending)
        .count();
    assert_eq!(pending, 2 * cycles - 3, "three delivered before the kill");

    let (stop, stopped) = oneshot::channel::<()>();
    let second = tokio::spawn(
        Deliverer::new(store.clone(), loopback_config())
            .unwrap()
            .run(async move {
                let _ = stopped.await;
            }),
    );
    rx.until("every event delivered after the restart", |arrivals| {
        let mut ok: Vec<i64> = arrivals
            .iter()
            .filter(|a| a.answer.is_success())
            .map(|a| a.event_id)
            .collect();
        ok.dedup();
        ok.len() == 2 * cycles
    })
    .await;
    stop.send(()).unwrap();
    second.await.unwrap();

    let arrivals = rx.arrivals_at("hook");
    let log = world.deliveries(hook).await;
    assert_delivered_in_order(&arrivals, &log, 2 * cycles);
    let held_twice = arrivals.iter().filter(|a| a.event_id == held).count();
    assert_eq!(held_twice, 2, "the held event went out again, once");
}

/// With the default policy nothing goes to loopback (by address or by a
/// name that resolves to it), private or link-local addresses: each
/// attempt fails before connecting, saying why, and is retried later.
pub(crate) async fn private_loopback_and_link_local_are_refused_by_default(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let port = world.receiver.port();
    let targets = [
        (format!("http://127.0.0.1:{port}/hook/a"), "loopback"),
        (format!("http://localhost:{port}/hook/b"), "loopback"),
        (format!("http://[::1]:{port}/hook/c"), "loopback"),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/hook/d"),
            "loopback",
        ),
        (format!("http://2130706433:{port}/hook/e"), "loopback"),
        ("http://10.1.2.3/hook".to_owned(), "private-network"),
        (
            "http://192.168.0.10:8080/hook".to_owned(),
            "private-network",
        ),
        ("http://[fd12:3456::1]/hook".to_owned(), "private-network"),
        (
            "http://169.254.169.254/latest/meta-data".to_owned(),
            "link-local",
        ),
        ("http://[fe80::1]/hook".to_owned(), "link-local"),
        ("http://0.0.0.0:80/hook".to_owned(), "not a unicast"),
    ];
    let mut endpoints = Vec::new();
    for (url, kind) in &targets {
        endpoints.push((world.register_url(url).await.0, url, kind));
    }
    world.clock_cycles(1).await;

    let config = DeliveryConfig::new().with_connect_timeout(Duration::from_secs(1));
    let worker = Deliverer::new(store.clone(), config).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), targets.len());
    assert!(
        world.receiver.arrivals().is_empty(),
        "nothing reached the receiver"
    );
    for (id, url, kind) in endpoints {
        let log = world.deliveries(id).await;
        let first = &log[0];
        let error = first.last_error.as_deref().unwrap_or_default();
        assert!(
            error.starts_with("refused address") && error.contains(kind),
            "{url}: {error}"
        );
        assert_eq!(first.last_status, None);
        assert_eq!(first.state, DeliveryState::Pending, "{url}: retried later");
        assert_eq!(world.endpoint(id).await.state, EndpointState::Active);
    }
}

/// Allowing loopback and private networks still never allows link-local:
/// the loopback receiver gets its event, cloud metadata does not.
pub(crate) async fn link_local_is_refused_even_when_the_rest_is_allowed(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let local = world.register("local").await;
    let (metadata, _) = world
        .register_url("http://169.254.169.254/latest/meta-data")
        .await;
    let (v6, _) = world.register_url("http://[fe80::1]/hook").await;
    world.clock_cycles(1).await;

    let policy = AddressPolicy::public_only()
        .allow_loopback(true)
        .allow_private(true);
    let worker =
        Deliverer::new(store.clone(), loopback_config().with_address_policy(policy)).unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(
        world.deliveries(local).await[0].state,
        DeliveryState::Delivered
    );
    for (id, ip) in [(metadata, "169.254.169.254"), (v6, "fe80::1")] {
        let error = world.deliveries(id).await[0].last_error.clone().unwrap();
        assert_eq!(
            error,
            format!(
                "refused address {ip}: a link-local address, which the worker may not deliver to"
            )
        );
    }
}

/// An endpoint that keeps failing is retried until the horizon has
/// passed since the first attempt; the attempt after that gives the
/// delivery up and marks the endpoint failing, which stops its later
/// deliveries until an admin asks for a redelivery. The worker's clock is
/// moved by hand: no sleeping through backoffs.
pub(crate) async fn a_delivery_failing_past_the_horizon_is_given_up(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let hook = world.register("hook").await;
    let rx = &world.receiver;
    rx.script(
        "hook",
        [
            Answer::Status(500),
            Answer::Status(502),
            Answer::Status(500),
        ],
    );
    world.clock_cycles(1).await;

    let start = Utc::now() + TimeDelta::seconds(1);
    let clock = Arc::new(ManualClock::new(start));
    let config = loopback_config()
        .with_retry_horizon(Duration::from_secs(3600))
        .with_backoff(Duration::from_secs(5), Duration::from_secs(60));
    let worker = Deliverer::new(store.clone(), config)
        .unwrap()
        .with_clock(clock.clone());

    assert_eq!(worker.run_once().await.unwrap(), 1);
    let first = world.deliveries(hook).await;
    assert_eq!(first[0].state, DeliveryState::Pending);
    assert_eq!(first[0].last_status, Some(500));
    let retry_at = first[0].next_attempt_at.unwrap();
    assert!(
        retry_at <= start + TimeDelta::seconds(5),
        "{retry_at} vs {start}"
    );
    if retry_at > start {
        assert_eq!(
            worker.run_once().await.unwrap(),
            0,
            "not due before its retry"
        );
    }

    clock.set(start + TimeDelta::minutes(30));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        world.deliveries(hook).await[0].state,
        DeliveryState::Pending
    );

    clock.set(start + TimeDelta::minutes(61));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let log = world.deliveries(hook).await;
    assert_eq!(log[0].state, DeliveryState::Failed);
    assert_eq!(log[0].attempts, 3);
    assert_eq!(log[1].state, DeliveryState::Pending);
    assert_eq!(log[1].attempts, 0, "the later event waits behind it");
    let endpoint = world.endpoint(hook).await;
    assert_eq!(endpoint.state, EndpointState::Failing);
    assert!(endpoint.failing_since.is_some());

    clock.set(start + TimeDelta::hours(5));
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "a failing endpoint gets nothing"
    );
    let first_event = log[0].event_id.0;
    assert!(rx.arrivals().iter().all(|a| a.event_id == first_event));
    assert_eq!(rx.arrivals().len(), 3);

    // An admin sends the failed ones again; the receiver has recovered.
    store
        .write(
            &Stamp::new(Actor::System, clock.now()),
            &Write::RedeliverWebhook {
                endpoint: hook,
                delivery: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let log = world.deliveries(hook).await;
    assert!(
        log.iter().all(|d| d.state == DeliveryState::Delivered),
        "{log:?}"
    );
    assert_eq!(world.endpoint(hook).await.state, EndpointState::Active);
}

/// Redirects are not followed: a 307 is a failed attempt, and its target
/// hears nothing.
pub(crate) async fn redirects_are_not_followed(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let hook = world.register("hook").await;
    world.register("elsewhere").await;
    world
        .receiver
        .script("hook", [Answer::Redirect("/hook/elsewhere")]);
    world.clock_cycles(1).await;
    let worker = Deliverer::new(store.clone(), loopback_config()).unwrap();
    // Both endpoints get the event once; only `hook` is redirected.
    assert_eq!(worker.run_once().await.unwrap(), 2);
    let first = &world.deliveries(hook).await[0];
    assert_eq!(first.last_status, Some(307));
    assert_eq!(
        first.last_error.as_deref(),
        Some("HTTP 307 (redirects are not followed)")
    );
    assert_eq!(world.receiver.arrivals_at("elsewhere").len(), 1);
}

/// A response is read up to the cap and dropped: a 256 MB answer costs
/// the worker no more than the cap (plus what the sockets buffer), and a
/// long error body is cut in the delivery log.
pub(crate) async fn responses_are_read_up_to_the_cap(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let huge = world.register("huge").await;
    let long = world.register("long").await;
    let rx = &world.receiver;
    rx.script("huge", [Answer::HugeOk(256 << 20)]);
    rx.script("long", [Answer::LongError(100_000)]);
    world.clock_cycles(1).await;
    let config = loopback_config()
        .with_max_response_bytes(64 * 1024)
        .with_request_timeout(Duration::from_secs(60))
        .with_lease(Duration::from_secs(120));
    let worker = Deliverer::new(store.clone(), config).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 2);
    assert_eq!(
        world.deliveries(huge).await[0].state,
        DeliveryState::Delivered
    );
    let produced = rx.produced();
    assert!(
        produced < 32 << 20,
        "read {produced} bytes of a 256 MB body with a 64 KiB cap"
    );
    let error = world.deliveries(long).await[0].last_error.clone().unwrap();
    assert!(error.starts_with("HTTP 500: xxx"), "{error}");
    assert!(error.chars().count() <= 210, "{}", error.len());
}

/// Shut down while a request is in flight: the worker stops claiming,
/// finishes that delivery, records it, and only then returns.
pub(crate) async fn shutdown_finishes_the_deliveries_in_flight(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let hook = world.register("hook").await;
    world
        .receiver
        .script("hook", [Answer::Slow(Duration::from_millis(300))]);
    world.clock_cycles(1).await;
    let worker = Deliverer::new(store.clone(), loopback_config()).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    world.receiver.holding().await;
    stop.send(()).unwrap();
    running.await.unwrap();
    let log = world.deliveries(hook).await;
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(
        log[1].attempts, 0,
        "nothing claimed after the shutdown began"
    );
}

/// Each failure is logged in a few words that say what went wrong, and
/// never with the URL, whose query or path may carry a token.
pub(crate) async fn failures_say_what_went_wrong_without_the_url(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let rx = &world.receiver;
    let token = "?token=s3cret-token";
    let (closed, _) = world
        .register_url(&format!("http://127.0.0.1:1/hook{token}"))
        .await;
    let mut at_receiver = Vec::new();
    for (name, answer) in [("hangs", Answer::Hang), ("refuses", Answer::Status(500))] {
        let (id, secret) = world
            .register_url(&format!("{}{token}", rx.url(name)))
            .await;
        rx.expect(name, secret);
        rx.script(name, [answer]);
        at_receiver.push(id);
    }
    world.clock_cycles(1).await;
    let worker = Deliverer::new(store.clone(), loopback_config()).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 3);
    let mut errors = Vec::new();
    for id in [closed, at_receiver[0], at_receiver[1]] {
        let log = world.deliveries(id).await;
        errors.push(log[0].last_error.clone().unwrap_or_default());
    }
    let [closed, hangs, refuses] = <[String; 3]>::try_from(errors).unwrap();
    assert!(closed.starts_with("could not connect"), "{closed}");
    assert_eq!(hangs, "timed out after 2000 ms");
    assert_eq!(refuses, "HTTP 500: the receiver says no");
    for error in [closed, hangs, refuses] {
        assert!(
            !error.contains("s3cret") && !error.contains("127.0.0.1"),
            "{error}"
        );
    }
}

/// An endpoint removed while one of its deliveries is in flight: the
/// attempt has nowhere to be recorded, which is no error.
pub(crate) async fn an_endpoint_removed_mid_delivery_is_no_error(store: Arc<dyn Store>) {
    let world = World::new(store.clone(), 1).await;
    let hook = world.register("hook").await;
    world
        .receiver
        .script("hook", [Answer::Slow(Duration::from_millis(300))]);
    world.clock_cycles(1).await;
    let worker = Deliverer::new(store.clone(), loopback_config()).unwrap();
    let pass = tokio::spawn(async move { worker.run_once().await });
    world.receiver.holding().await;
    store
        .write(&Stamp::system_now(), &Write::RemoveWebhook(hook))
        .await
        .unwrap();
    assert_eq!(pass.await.unwrap().unwrap(), 1);
    assert!(store.webhook_endpoint(hook).await.is_err());
}
