//! Keeping credentials out of everything this crate prints: URLs in `Debug`,
//! error messages and tracing fields, and server text that echoes them.
//!
//! A base URL may carry credentials in two places: user info
//! (`https://user:password@gateway/v1`) and the query
//! (`?api-key=…`, `?code=…`). Neither is ever printed; what the server
//! echoes of them (or of the API key) is blanked out of its messages.

use reqwest::Url;

/// What replaces a secret.
const MASK: &str = "***";

/// Query values shorter than this are not blanked out of server text: they
/// are flags (`?v=1`), and blanking `1` everywhere would garble the message.
/// The query itself is never printed, whatever its length.
const MIN_QUERY_SECRET_CHARS: usize = 6;

/// A URL fit for logs, `Debug` and error messages: user info and the query
/// replaced by `***`, no fragment, no trailing `/`.
///
/// Text that does not parse as a URL with a host is shown only when it has
/// no `@`, `?` or `#` (it could otherwise hide user info or a query in a
/// shape the parser cannot tell apart).
pub(crate) fn shown_url(url: &str) -> String {
    let text = url.trim();
    match Url::parse(text) {
        Ok(parsed) if !parsed.cannot_be_a_base() => redacted_url(&parsed)
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        _ if text.contains(['@', '?', '#']) => {
            String::from("<withheld: not a URL, and may hold credentials>")
        }
        _ => text.to_owned(),
    }
}

/// `url` with user info and query masked and the fragment dropped, for
/// errors that carry a [`Url`] (reqwest's).
pub(crate) fn redacted_url(url: &Url) -> Url {
    let mut url = url.clone();
    if !url.username().is_empty() {
        // Fails only for URLs without a host, which have no user info.
        let _ = url.set_username(MASK);
    }
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    if url.query().is_some() {
        url.set_query(Some(MASK));
    }
    url.set_fragment(None);
    url
}

/// Strips the URL from a reqwest error, or masks its credentials: reqwest
/// prints the URL in `Display` and `Debug`.
pub(crate) fn redact_reqwest(mut err: reqwest::Error) -> reqwest::Error {
    match err.url_mut() {
        Some(url) => {
            *url = redacted_url(url);
            err
        }
        None => err,
    }
}

/// The secrets of one client, to blank out of text a server sent back.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a secret containing another is masked whole.
    values: Vec<String>,
}

impl Secrets {
    /// The API key and the credentials in `base_url`, as written and
    /// percent-decoded (a server may echo either).
    pub(crate) fn new(api_key: Option<&str>, base_url: &str) -> Self {
        let mut values: Vec<String> = api_key.map(str::to_owned).into_iter().collect();
        if let Ok(url) = Url::parse(base_url.trim()) {
            for credential in [url.username(), url.password().unwrap_or_default()] {
                values.push(credential.to_owned());
                values.push(percent_decoded(credential));
            }
            if let Some(query) = url.query() {
                values.push(query.to_owned());
                for part in query.split('&') {
                    let value = part.split_once('=').map_or(part, |(_, value)| value);
                    if value.chars().count() >= MIN_QUERY_SECRET_CHARS {
                        values.push(value.to_owned());
                    }
                }
                values.extend(
                    url.query_pairs()
                        .map(|(_, value)| value.into_owned())
                        .filter(|value| value.chars().count() >= MIN_QUERY_SECRET_CHARS),
                );
            }
        }
        values.retain(|value| !value.is_empty());
        values.sort_by_key(|value| std::cmp::Reverse(value.len()));
        values.dedup();
        Self { values }
    }

    /// `text` with every secret replaced by `***`.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.values
            .iter()
            .fold(text.to_owned(), |text, secret| text.replace(secret, MASK))
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} hidden)", self.values.len())
    }
}

/// `%XX` decoded; invalid escapes and non-UTF-8 results kept as they were.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_url_masks_user_info_and_query() {
        let cases = [
            (
                "https://user:pw@gateway.example/v1",
                "https://***:***@gateway.example/v1",
            ),
            (
                "https://token@gateway.example/v1/",
                "https://***@gateway.example/v1",
            ),
            (
                "https://x.azure.example/openai/d?api-version=2024-06-01&api-key=k#frag",
                "https://x.azure.example/openai/d?***",
            ),
            ("https://api.openai.com/v1", "https://api.openai.com/v1"),
            // Shapes the parser cannot give a host: shown only when harmless.
            ("localhost:8080/v1", "localhost:8080/v1"),
            ("not a url", "not a url"),
        ];
        for (url, expected) in cases {
            assert_eq!(shown_url(url), expected, "{url}");
        }
        for url in [
            "user:secretpw@host/v1",
            "http://u:pa?ss@host/v1",
            "http://u:pa#ss@host/v1",
            "localhost:8080/v1?key=secretvalue",
        ] {
            let shown = shown_url(url);
            for secret in ["secretpw", "pa", "ss", "secretvalue"] {
                assert!(!shown.contains(secret), "{url} -> {shown}");
            }
        }
    }

    #[test]
    fn secrets_are_masked_as_written_and_decoded() {
        let secrets = Secrets::new(
            Some("sk-key"),
            "https://us%40er:p%2Fss@host/v1?api-key=q%2Bsecret&v=1",
        );
        let text = "key sk-key, user us%40er or us@er, password p%2Fss or p/ss, \
                    query api-key=q%2Bsecret&v=1, value q+secret, version v=1";
        assert_eq!(
            secrets.redact(text),
            "key ***, user *** or ***, password *** or ***, \
             query ***, value ***, version v=1"
        );
        assert!(!format!("{secrets:?}").contains("sk-key"));
    }

    #[test]
    fn no_secrets_leave_text_alone() {
        let secrets = Secrets::new(None, "http://localhost:11434/v1");
        assert_eq!(secrets.redact("model not found"), "model not found");
    }
}
