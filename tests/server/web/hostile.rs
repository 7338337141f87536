//! Hostile data and hostile requests: a name written as markup stays text,
//! the page carries the contract's CSP, and a state-changing request
//! without the session's CSRF token is refused.

use std::collections::BTreeMap;

use super::*;

const HOSTILE: &str = r#"<img src=x onerror="window.__xss=1">"#;

/// The CSP of every app response, directive by directive.
const CSP: &[(&str, &[&str])] = &[
    ("default-src", &["'none'"]),
    ("script-src", &["'self'"]),
    ("style-src", &["'self'"]),
    ("img-src", &["'self'", "data:"]),
    ("connect-src", &["'self'"]),
    ("font-src", &["'self'"]),
    ("form-action", &["'self'"]),
    ("frame-ancestors", &["'none'"]),
    ("base-uri", &["'none'"]),
];

fn directives(policy: &str) -> BTreeMap<String, Vec<String>> {
    policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_ascii_whitespace().map(str::to_owned);
            let name = words.next().unwrap_or_default().to_ascii_lowercase();
            let mut values: Vec<String> = words.collect();
            values.sort();
            (name, values)
        })
        .collect()
}

#[tokio::test]
async fn a_hostile_name_stays_text_under_the_contracts_csp() {
    let site = Site::start(&[]).await;
    let team = site.admin.team(HOSTILE, "UTC", "09:30").await;
    let person = site.admin.employee(HOSTILE, team, false).await;

    for path in ["/", "/assets/js/app.js", "/assets/app.css"] {
        let response = site
            .http
            .get(format!("{}{path}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "GET {path}");
        if path == "/" {
            let expected: BTreeMap<String, Vec<String>> = CSP
                .iter()
                .map(|(name, values)| {
                    let mut values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
                    values.sort();
                    ((*name).to_owned(), values)
                })
                .collect();
            let policy = headers["content-security-policy"].to_str().unwrap();
            assert_eq!(directives(policy), expected, "{policy}");
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
        }
    }

    let browser = Browser::start().await;
    let landed = sign_in(&browser, &site, &site.admin_token).await;
    assert_eq!(landed, "today", "an admin starts on Today");
    open(&browser, &site, "#/teams", "teams").await;
    let link = browser
        .find(&format!("ul#teams li > a[href=\"#/teams/{team}\"]"))
        .await
        .unwrap();
    let text = browser
        .execute("return arguments[0].textContent;", &[link.as_arg()])
        .await
        .unwrap();
    assert_eq!(text, HOSTILE, "the team's name, as text");
    assert_eq!(
        link.attribute("href").await.unwrap().as_deref(),
        Some(format!("#/teams/{team}").as_str())
    );

    // Today lists the absent employee by name.
    open(&browser, &site, "#/today", "today").await;
    let holders = browser
        .execute(
            "return [...document.querySelectorAll('main#view *')]
                 .filter(el => el.textContent.trim() === arguments[0]).length;",
            &[json!(HOSTILE)],
        )
        .await
        .unwrap();
    assert!(
        holders.as_u64().unwrap() >= 1,
        "Today shows the name as text"
    );
    open(&browser, &site, &format!("#/people/{person}"), "person").await;
    let headings = texts(&browser, "main#view h1, main#view h2").await;
    assert!(headings.iter().any(|h| h == HOSTILE), "{headings:?}");

    let outcome = browser
        .execute(
            "return {images: document.querySelectorAll('img').length,
                     xss: typeof window.__xss};",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(outcome, json!({"images": 0, "xss": "undefined"}));
    let console = browser.console().await.unwrap();
    assert!(
        !console
            .iter()
            .any(|line| line.contains("Content Security Policy")),
        "the page breaks its own CSP: {console:#?}"
    );

    drop(browser);
    site.stop().await;
}

#[tokio::test]
async fn a_state_change_without_the_csrf_token_is_refused_and_writes_nothing() {
    let site = Site::start(&[]).await;
    let team = site.admin.team("Ops", "UTC", "09:30").await;
    let ada = site.admin.employee("Ada", team, false).await;
    let token = site.employee_token(ada);
    let session_url = format!("{}/session", site.base);

    let response = site
        .http
        .post(&session_url)
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    assert!(!csrf.is_empty(), "{body}");
    let cookie = set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.trim().strip_prefix("attendance_session="))
        .unwrap()
        .to_owned();
    let attributes = set_cookie.to_ascii_lowercase();
    for attribute in ["httponly", "samesite=strict", "path=/"] {
        assert!(attributes.contains(attribute), "{set_cookie}");
    }

    let clock_in = json!({"employee_id": ada, "work_mode": "WFO"});
    for (csrf, label) in [(None, "no token"), (Some("not-the-token"), "a wrong token")] {
        let (status, problem) = site
            .with_cookie(&cookie, csrf)
            .post("/attendance/clock-in", clock_in.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{label}: {problem}");
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("/csrf")),
            "{label}: {problem}"
        );
    }
    let bearer = site.api(&token);
    let page = bearer.ok(&format!("/attendance?employee_id={ada}")).await;
    assert_eq!(page["items"], json!([]), "a refused request writes nothing");
    let (status, created) = site
        .with_cookie(&cookie, Some(&csrf))
        .post("/attendance/clock-in", clock_in)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let page = bearer.ok(&format!("/attendance?employee_id={ada}")).await;
    assert_eq!(page["items"][0]["id"], created["id"]);

    // Signing in takes JSON from this site only.
    let form = site
        .http
        .post(&session_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let cross_site = site
        .http
        .post(&session_url)
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let bad = site
        .http
        .post(&session_url)
        .json(&json!({"token": "att_not-a-token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);

    site.stop().await;
}
