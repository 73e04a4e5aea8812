//! Signed webhooks out, in the Standard Webhooks format: headers
//! `webhook-id`, `webhook-timestamp` and `webhook-signature` =
//! `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. Messages wait in
//! an outbox written with what they announce, and are retried with backoff.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use store::Store;

/// One receiver of Earshot's webhooks.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    pub url: String,
    /// Shared secret; `whsec_<base64>` as Standard Webhooks issues them, or
    /// any other string used as raw bytes.
    pub secret: String,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("secret", &"***")
            .finish()
    }
}

fn key(secret: &str) -> Vec<u8> {
    secret
        .strip_prefix("whsec_")
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec())
}

/// The `webhook-signature` header value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(&key(secret)) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Checks a signature header (which may list several, space-separated) in
/// constant time.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key(secret)) else {
        return false;
    };
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    header.split(' ').any(|sig| {
        sig.strip_prefix("v1,")
            .and_then(|b| STANDARD.decode(b).ok())
            .is_some_and(|bytes| mac.clone().verify_slice(&bytes).is_ok())
    })
}

/// Delay before retry `attempt` (1-based): 10 s doubling, at most an hour.
pub fn backoff_ms(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10_000i64.saturating_mul(1 << exp)).min(3_600_000)
}

/// Delivers every due outbox message to every target once; returns how many
/// were delivered. A message counts as delivered when every target answers 2xx.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    targets: &[WebhookTarget],
) -> Result<usize, store::StoreError> {
    if targets.is_empty() {
        return Ok(0);
    }
    let now = store::to_ms(time::OffsetDateTime::now_utc());
    let mut delivered = 0;
    for msg in store.due_webhooks(now, 100).await? {
        let ts = now / 1000;
        let mut error = None;
        for t in targets {
            let res = client
                .post(&t.url)
                .header("content-type", "application/json")
                .header("webhook-id", &msg.id)
                .header("webhook-timestamp", ts.to_string())
                .header(
                    "webhook-signature",
                    sign(&t.secret, &msg.id, ts, &msg.payload),
                )
                .body(msg.payload.clone())
                .timeout(std::time::Duration::from_secs(10))
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => error = Some(format!("{} answered {}", t.url, r.status())),
                Err(e) => error = Some(format!("{}: {e}", t.url)),
            }
        }
        let attempt = msg.attempts + 1;
        match error {
            None => {
                store
                    .webhook_attempted(&msg.id, Some(now), now, None)
                    .await?;
                delivered += 1;
            }
            Some(e) => {
                tracing::warn!(id = %msg.id, attempt, error = %e, "webhook delivery failed");
                store
                    .webhook_attempted(&msg.id, None, now + backoff_ms(attempt), Some(&e))
                    .await?;
            }
        }
    }
    Ok(delivered)
}

/// An HTTP client for webhooks (rustls on ring).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("earshot/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_detect_tampering() {
        let s = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_1",
            1_700_000_000,
            "{\"a\":1}",
        );
        assert!(s.starts_with("v1,"));
        assert!(verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_1",
            1_700_000_000,
            "{\"a\":1}",
            &s
        ));
        assert!(!verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_1",
            1_700_000_000,
            "{\"a\":2}",
            &s
        ));
        assert!(!verify("other", "msg_1", 1_700_000_000, "{\"a\":1}", &s));
        assert!(!verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_1",
            1_700_000_001,
            "{\"a\":1}",
            &s
        ));
    }

    #[test]
    fn standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(30), 3_600_000);
    }
}
