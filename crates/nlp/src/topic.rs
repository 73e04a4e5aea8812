//! Keyword taxonomy for topics / complaint reasons.

use serde::{Deserialize, Serialize};

use crate::NlpError;
use crate::lexicon::{PhraseTable, phrase_words};
use crate::token::Tokens;

/// One topic and the words or phrases that signal it. Keywords are matched on lower-cased,
/// lightly stemmed words, so "refund" also matches "Refunds"; a multi-word keyword counts for
/// as many words as it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDef {
    pub name: String,
    pub keywords: Vec<String>,
}

/// A configurable set of topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub topics: Vec<TopicDef>,
}

fn topic(name: &str, keywords: &[&str]) -> TopicDef {
    TopicDef {
        name: name.to_string(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
    }
}

impl Default for Taxonomy {
    /// A general customer-care taxonomy.
    fn default() -> Self {
        Taxonomy {
            topics: vec![
                topic(
                    "delivery",
                    &[
                        "delivery",
                        "deliver",
                        "delivered",
                        "parcel",
                        "package",
                        "shipping",
                        "shipment",
                        "shipped",
                        "courier",
                        "tracking",
                        "tracking number",
                        "never arrived",
                        "hasn't arrived",
                        "not arrived",
                        "not delivered",
                        "lost package",
                        "lost parcel",
                        "dispatch",
                        "dispatched",
                        "out for delivery",
                        "luggage",
                        "baggage",
                        "bag",
                        "suitcase",
                        "lost bag",
                        "lost luggage",
                    ],
                ),
                topic(
                    "delay",
                    &[
                        "delay",
                        "delayed",
                        "late",
                        "waiting",
                        "still waiting",
                        "on hold",
                        "hold time",
                        "wait time",
                        "missed connection",
                        "missed my connection",
                        "took forever",
                        "how long",
                        "hours",
                    ],
                ),
                topic(
                    "billing",
                    &[
                        "bill",
                        "billing",
                        "billed",
                        "charge",
                        "charged",
                        "charged twice",
                        "double charged",
                        "overcharged",
                        "invoice",
                        "payment",
                        "pay",
                        "paid",
                        "fee",
                        "fees",
                        "price",
                        "pricing",
                        "subscription",
                        "direct debit",
                        "credit card",
                        "card declined",
                        "declined",
                    ],
                ),
                topic(
                    "refund",
                    &[
                        "refund",
                        "refunded",
                        "money back",
                        "reimburse",
                        "reimbursement",
                        "compensation",
                        "voucher",
                        "credit back",
                        // returns are the way to most refunds
                        "return label",
                        "return window",
                        "return policy",
                        "return an item",
                        "returned",
                        "send it back",
                        "sent it back",
                        // the languages the detector knows
                        "reembolso",
                        "devolución",
                        "remboursement",
                        "rembourser",
                        "rückerstattung",
                        "erstattung",
                        "geld zurück",
                    ],
                ),
                topic(
                    "cancellation",
                    &[
                        "cancel",
                        "cancelled",
                        "canceled",
                        "cancellation",
                        "cancelation",
                        "unsubscribe",
                        "close my account",
                        "terminate",
                        "cancelled flight",
                    ],
                ),
                topic(
                    "account_access",
                    &[
                        "login",
                        "log in",
                        "logged out",
                        "sign in",
                        "password",
                        "reset password",
                        "locked out",
                        "account locked",
                        "locked",
                        "two factor",
                        "2fa",
                        "verification code",
                        "verify",
                        "hacked",
                        "username",
                        "can't log in",
                        "cannot log in",
                        "access my account",
                    ],
                ),
                topic(
                    "product_quality",
                    &[
                        "broken",
                        "damaged",
                        "defective",
                        "faulty",
                        "doesn't work",
                        "not working",
                        "stopped working",
                        "quality",
                        "battery",
                        "screen",
                        "cracked",
                        "bug",
                        "crash",
                        "crashes",
                        "crashing",
                        "update",
                        "seat",
                        "food",
                        "wifi",
                        "dirty",
                        "smell",
                    ],
                ),
                topic(
                    "customer_service",
                    &[
                        "customer service",
                        "customer care",
                        "support",
                        "agent",
                        "rep",
                        "representative",
                        "rude",
                        "unhelpful",
                        "no response",
                        "no reply",
                        "nobody",
                        "no one",
                        "hung up",
                        "call center",
                        "call centre",
                        "chat",
                        "staff",
                        "attendant",
                        "crew",
                        "manager",
                        "complaint",
                        "dm",
                    ],
                ),
                topic(
                    "outage",
                    &[
                        "outage",
                        "down",
                        "is down",
                        "service down",
                        "not loading",
                        "won't load",
                        "offline",
                        "no signal",
                        "no service",
                        "no internet",
                        "connection",
                        "server",
                        "error",
                        "app down",
                        "website down",
                        "site down",
                    ],
                ),
                topic(
                    "booking",
                    &[
                        "booking",
                        "book",
                        "booked",
                        "reservation",
                        "reserve",
                        "ticket",
                        "tickets",
                        "seat assignment",
                        "upgrade",
                        "rebook",
                        "rebooked",
                        "change my flight",
                        "itinerary",
                        "check in",
                        "check-in",
                    ],
                ),
            ],
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TopicMatcher {
    pub names: Vec<String>,
    table: PhraseTable<(u16, f32)>,
}

impl TopicMatcher {
    pub(crate) fn new(tax: &Taxonomy) -> Result<Self, NlpError> {
        let mut m = TopicMatcher {
            names: Vec::new(),
            table: PhraseTable::default(),
        };
        for t in &tax.topics {
            let name = t.name.trim();
            if name.is_empty() {
                return Err(NlpError::Config(
                    "a taxonomy topic has an empty name".into(),
                ));
            }
            if m.names.iter().any(|n| n == name) {
                return Err(NlpError::Config(format!(
                    "taxonomy topic {name:?} is defined twice"
                )));
            }
            if m.names.len() >= usize::from(u16::MAX) {
                return Err(NlpError::Config("too many taxonomy topics".into()));
            }
            m.names.push(name.to_string());
            let idx = (m.names.len() - 1) as u16;
            for kw in &t.keywords {
                m.add_keyword(kw, idx, 1.0);
            }
        }
        Ok(m)
    }

    /// Add a keyword (weight per word) for topic `idx`; empty keywords are ignored.
    pub(crate) fn add_keyword(&mut self, kw: &str, idx: u16, weight: f32) {
        let words = phrase_words(kw, true);
        if words.is_empty() {
            return;
        }
        let w = words.len() as f32 * weight;
        self.table.insert(words, (idx, w));
    }

    pub(crate) fn topic_index(&mut self, name: &str) -> u16 {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i as u16;
        }
        self.names.push(name.to_string());
        (self.names.len() - 1) as u16
    }

    /// Best topic and its confidence: best / (sum of all topic scores + 1), so one single-word hit
    /// gives 0.5, agreeing hits raise it and competing topics lower it.
    pub(crate) fn classify(
        &self,
        t: &Tokens,
        scores: &mut Vec<(f32, usize)>,
    ) -> (Option<usize>, f32) {
        scores.clear();
        scores.resize(self.names.len(), (0.0, usize::MAX));
        let n = t.toks.len();
        let mut i = 0;
        let mut total = 0.0f32;
        while i < n {
            if let Some((len, (idx, w))) = self.table.match_at(t, i, true) {
                if let Some(s) = scores.get_mut(usize::from(idx)) {
                    s.0 += w;
                    s.1 = s.1.min(i);
                    total += w;
                }
                i += len;
            } else {
                i += 1;
            }
        }
        let mut best: Option<usize> = None;
        for (k, s) in scores.iter().enumerate() {
            if s.0 <= 0.0 {
                continue;
            }
            match best {
                None => best = Some(k),
                Some(b) => {
                    let bs = scores[b];
                    if s.0 > bs.0 || (s.0 == bs.0 && s.1 < bs.1) {
                        best = Some(k);
                    }
                }
            }
        }
        match best {
            Some(b) => (Some(b), (scores[b].0 / (total + 1.0)).clamp(0.0, 1.0)),
            None => (None, 0.0),
        }
    }
}
