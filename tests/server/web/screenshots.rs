//! Every view of the app photographed at a desktop's and a phone's size,
//! under `target/web-screenshots/`, for review; each must settle as
//! `ready` and, on the phone, must not scroll sideways.

use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, TimeDelta, Utc};

use super::*;

/// A desktop, then a phone.
const SIZES: [(u32, u32); 2] = [(1280, 800), (390, 844)];

/// `<target dir>/web-screenshots`, wherever `CARGO_TARGET_DIR` put it.
fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("web-screenshots")
}

/// The width and height a PNG file declares (its IHDR chunk).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

/// The contract's usability floor: every visible field has a `<label for>`,
/// every visible button a name, and a link skips to the content.
async fn check_labels(browser: &Browser, view: &str) {
    let unlabelled = browser
        .execute(
            r##"const shown = el => el.getClientRects().length > 0;
             const fields = [...document.querySelectorAll('input, select, textarea')]
                 .filter(el => el.type !== 'hidden' && shown(el))
                 .filter(el => !el.id || !document.querySelector(`label[for="${el.id}"]`))
                 .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '[no id]'));
             const buttons = [...document.querySelectorAll('button')]
                 .filter(el => shown(el) && !el.textContent.trim() && !el.getAttribute('aria-label'))
                 .map(el => 'button' + (el.id ? '#' + el.id : ''));
             const skip = [...document.querySelectorAll('a[href^="#"]')]
                 .some(a => /skip to content/i.test(a.textContent));
             return {fields, buttons, skip};"##,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        unlabelled,
        json!({"fields": [], "buttons": [], "skip": true}),
        "{view}: unlabelled controls, or no skip link"
    );
}

/// Photographs the current view at each size.
async fn shoot(browser: &Browser, view: &str) {
    check_labels(browser, view).await;
    for (width, height) in SIZES {
        browser.set_viewport(width, height).await.unwrap();
        assert_eq!(
            wait_view(browser, view).await,
            "ready",
            "{view} at {width} px"
        );
        if width < 600 {
            let overflow = browser
                .execute(
                    "const width = window.innerWidth;
                     if (document.documentElement.scrollWidth <= width) return null;
                     return [...document.querySelectorAll('body *')]
                         .filter(el => el.getBoundingClientRect().right > width + 1)
                         .slice(0, 8)
                         .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                              + (el.className && el.className.baseVal === undefined
                                 ? '.' + el.className : ''));",
                    &[],
                )
                .await
                .unwrap();
            assert_eq!(
                overflow,
                Value::Null,
                "{view} scrolls sideways at {width} px; too wide: {overflow}"
            );
        }
        let path = screenshot_dir().join(format!("{view}-{width}x{height}.png"));
        browser.screenshot(&path).await.unwrap();
        assert_eq!(png_size(&path), (width, height), "{}", path.display());
    }
}

#[tokio::test]
async fn every_view_is_photographed_at_desktop_and_phone_size() {
    let site = Site::start(&[]).await;
    let admin = &site.admin;
    let team = admin.team("Platform", "UTC", "09:30").await;
    let mara = admin.employee("Mara Okafor", team, true).await;
    let ada = admin.employee("Ada Lovelace", team, false).await;
    let bob = admin.employee("Bob Stone", team, false).await;
    let today = Utc::now().date_naive();
    let at = |days: i64, hour: u32| format!("{}T{hour:02}:00:00Z", today - TimeDelta::days(days));
    for day in 1..=20 {
        let (ada_mode, bob_mode) = if day % 3 == 0 {
            ("WFH", "WFO")
        } else {
            ("WFO", "WFH")
        };
        admin.record(ada, ada_mode, &at(day, 8), &at(day, 16)).await;
        admin
            .record(bob, bob_mode, &at(day, 10), &at(day, 17))
            .await;
        admin.record(mara, "WFO", &at(day, 9), &at(day, 17)).await;
    }
    // Today: Bob came and went, Ada is still in (both since midnight at
    // the latest).
    let now = Utc::now();
    let midnight = today.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let since = |hours: i64| {
        (now - TimeDelta::hours(hours))
            .max(midnight)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    admin.clock_in(ada, "WFO", &since(2)).await;
    admin.record(bob, "WFH", &since(3), &since(0)).await;
    let ada_api = site.api(&site.employee_token(ada));
    ada_api
        .create(
            "/attendance/requests",
            json!({"kind": "missing", "employee_id": ada, "clock_in": at(25, 9),
                   "clock_out": at(25, 17), "work_mode": "WFO", "reason": "forgot to clock in"}),
        )
        .await;
    admin
        .create(
            "/periods",
            json!({"from": (today - TimeDelta::days(60)).to_string(),
                   "to": (today - TimeDelta::days(40)).to_string(), "reason": "payroll"}),
        )
        .await;

    let browser = Browser::start().await;
    browser.goto(&site.url("")).await.unwrap();
    shoot(&browser, "sign-in").await;
    let mara_token = site.employee_token(mara);
    sign_in(&browser, &site, &mara_token).await;
    let views = [
        ("#/my-day".to_owned(), "my-day"),
        ("#/today".to_owned(), "today"),
        ("#/teams".to_owned(), "teams"),
        (format!("#/teams/{team}"), "team"),
        (format!("#/people/{ada}"), "person"),
        ("#/summaries".to_owned(), "summaries"),
        ("#/ask".to_owned(), "ask"),
        ("#/requests".to_owned(), "requests"),
        ("#/exports".to_owned(), "exports"),
    ];
    for (route, view) in &views {
        open(&browser, &site, route, view).await;
        if *view == "requests" {
            let asked = browser
                .find_all("table#inbox tr[data-request-id]")
                .await
                .unwrap();
            assert_eq!(asked.len(), 1, "Ada's request in her manager's inbox");
        }
        shoot(&browser, view).await;
    }

    // Periods are an admin's: sign out, and in again as one.
    press(&browser, "button#sign-out").await;
    assert_eq!(wait_view(&browser, "sign-in").await, "ready");
    sign_in(&browser, &site, &site.admin_token).await;
    open(&browser, &site, "#/periods", "periods").await;
    assert_eq!(
        browser
            .find_all("table#locks tbody tr")
            .await
            .unwrap()
            .len(),
        1,
        "the one lock"
    );
    shoot(&browser, "periods").await;
    let url = browser.current_url().await.unwrap();
    assert!(url.ends_with("#/periods"), "{url}");

    drop(browser);
    site.stop().await;
}
