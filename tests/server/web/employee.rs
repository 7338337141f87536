//! An employee's day in the browser: sign in with a token, clock in and
//! out on My day, no way into a colleague's page, sign out for good.

use super::*;

/// The rows of today's sessions on My day: `[id, text]` each.
const SESSION_ROWS: &str = "return [...document.querySelectorAll(
        'main#view table#today-sessions tr[data-session-id]')]
    .map(row => [row.dataset.sessionId, row.textContent.replace(/\\s+/g, ' ').trim()]);";

#[tokio::test]
async fn an_employee_signs_in_clocks_in_and_out_and_signs_out() {
    let site = Site::start(&[]).await;
    let team = site.admin.team("Support", "UTC", "09:30").await;
    let ada = site.admin.employee("Ada Lovelace", team, false).await;
    let bob = site.admin.employee("Bob Stone", team, false).await;
    let ada_token = site.employee_token(ada);
    let ada_api = site.api(&ada_token);
    let browser = Browser::start().await;

    // A wrong token is refused in words, on the sign-in view.
    browser.goto(&site.url("")).await.unwrap();
    assert_eq!(wait_view(&browser, "sign-in").await, "ready");
    browser
        .find("input#token")
        .await
        .unwrap()
        .send_keys("att_not-a-token")
        .await
        .unwrap();
    press(
        &browser,
        "form#sign-in button:not([type=button]):not([type=reset])",
    )
    .await;
    let refused = settle(
        &browser,
        "the refused token's message",
        "const error = document.querySelector('#sign-in-error');
         const view = document.querySelector('main#view').dataset.view;
         return {view, error: error ? error.textContent.trim() : ''};",
        &[],
        |shown| shown["error"].as_str().is_some_and(|e| !e.is_empty()),
    )
    .await;
    assert_eq!(refused["view"], "sign-in", "{refused}");

    let landed = sign_in(&browser, &site, &ada_token).await;
    assert_eq!(landed, "my-day", "an employee starts on My day");
    let whoami = browser.find("#whoami").await.unwrap().text().await.unwrap();
    assert!(whoami.contains("Ada Lovelace"), "#whoami: {whoami:?}");
    assert!(browser.find("nav#nav a[data-nav=my-day]").await.is_ok());
    assert!(
        browser.find("#week-hours").await.is_ok(),
        "My day shows this week's hours"
    );
    let clock_out = browser.find("button#clock-out").await.unwrap();
    assert!(
        !clock_out.is_enabled().await.unwrap(),
        "nothing to clock out of yet"
    );
    let rows = browser.execute(SESSION_ROWS, &[]).await.unwrap();
    assert_eq!(rows, json!([]), "no session yet");
    // The browser sends the session cookie by itself; without the CSRF
    // header the write is refused, and nothing is written.
    let status = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/attendance/clock-in', {method: 'POST', credentials: 'same-origin',
                 headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({employee_id: arguments[0], work_mode: 'WFO'})})
               .then(response => done(response.status), error => done(String(error)));",
            &[json!(ada)],
        )
        .await
        .unwrap();
    assert_eq!(status, 403, "a cookie alone does not write");
    let page = ada_api.ok(&format!("/attendance?employee_id={ada}")).await;
    assert_eq!(page["items"], json!([]));

    press(&browser, "button#clock-in-wfo").await;
    let rows = settle(&browser, "the clock-in's row", SESSION_ROWS, &[], |rows| {
        rows.as_array().is_some_and(|r| r.len() == 1)
    })
    .await;
    let page = ada_api.ok(&format!("/attendance?employee_id={ada}")).await;
    let session = &page["items"][0];
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(session["work_mode"], "WFO");
    assert_eq!(session["clock_out"], Value::Null);
    assert_eq!(
        rows[0][0],
        session["id"].to_string(),
        "the row is the API's session"
    );
    let open_row = rows[0][1].as_str().unwrap().to_owned();

    settle(
        &browser,
        "#clock-out enabled once clocked in",
        "return !document.querySelector('button#clock-out').disabled
            && document.querySelector('button#clock-in-wfo').disabled;",
        &[],
        |enabled| *enabled == true,
    )
    .await;
    press(&browser, "button#clock-out").await;
    let page = settle_api_clock_out(&ada_api, ada).await;
    let out_at = page["items"][0]["clock_out"].as_str().unwrap().to_owned();
    // The browser and the team both keep UTC: the row shows the UTC time.
    let hhmm = out_at[11..16].to_owned();
    let rows = settle(
        &browser,
        "the row with its clock-out",
        SESSION_ROWS,
        &[],
        |rows| {
            rows[0][1]
                .as_str()
                .is_some_and(|text| text != open_row && text.contains(&hhmm))
        },
    )
    .await;
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0][0], page["items"][0]["id"].to_string());

    // A colleague's page: not found in the page, 404 from the API.
    browser
        .goto(&site.url(&format!("#/people/{bob}")))
        .await
        .unwrap();
    assert_eq!(wait_view(&browser, "person").await, "not-found");
    let shown = browser
        .find("main#view")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("Not found"),
        "the person view shows {shown:?}"
    );
    assert!(!shown.contains("Bob Stone"), "{shown:?}");
    let (status, body) = ada_api.get(&format!("/employees/{bob}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // A list filtered to someone out of scope finds nothing.
    let page = ada_api.ok(&format!("/attendance?employee_id={bob}")).await;
    assert_eq!(page["items"], json!([]));

    // Signing out ends the session on the server, not only in the page.
    let cookie = browser.cookie("attendance_session").await.unwrap();
    assert!(!cookie.is_empty());
    let by_cookie = site.with_cookie(&cookie, None);
    let (status, me) = by_cookie.get("/me").await;
    assert_eq!(status, StatusCode::OK, "the cookie authenticates: {me}");
    assert_eq!(me["employee"]["id"], ada, "{me}");
    press(&browser, "button#sign-out").await;
    assert_eq!(wait_view(&browser, "sign-in").await, "ready");
    let (status, body) = by_cookie.get("/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old cookie: {body}");
    let (status, _) = by_cookie.get("/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    drop(browser);
    site.stop().await;
}

/// Ada's sessions once the API has the clock-out the page sent.
async fn settle_api_clock_out(api: &Api, employee: i64) -> Value {
    let deadline = std::time::Instant::now() + VIEW_TIMEOUT;
    loop {
        let page = api.ok(&format!("/attendance?employee_id={employee}")).await;
        if page["items"][0]["clock_out"].is_string() {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the clock-out never reached the API: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
