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
                        "lost my bag",
                        "lost my luggage",
                        "my bag",
                        "our bags",
                        "my luggage",
                        "our luggage",
                        "my suitcase",
                        "checked bag",
                        "baggage claim",
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
                        "wait time",
                        "missed connection",
                        "missed my connection",
                        "took forever",
                        "how long",
                        "hours",
                        "hrs",
                        "hr",
                        // travel: a late departure or arrival
                        "delaying",
                        "on time",
                        "behind schedule",
                        "departure",
                        "departure time",
                        "take off",
                        "haven't left",
                        "supposed to leave",
                        "tarmac",
                        "runway",
                        "sitting",
                        "sitting on the plane",
                        "at the gate",
                        "still at the gate",
                        "on the ground",
                        "miss connection",
                        "miss my connection",
                        "miss our connection",
                        "missed our connection",
                        "make my connection",
                        "connecting flight",
                        "long line",
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
                        "flight cancelled",
                        "flight canceled",
                        "flight was cancelled",
                        "flight was canceled",
                        "cancelled my flight",
                        "canceled my flight",
                        "was cancelled",
                        "was canceled",
                        "is cancelled",
                        "is canceled",
                        "got cancelled",
                        "got canceled",
                        "been cancelled",
                        "been canceled",
                        "cancelling",
                        "canceling",
                    ],
                ),
                topic(
                    "account_access",
                    &[
                        "login",
                        "log in",
                        "logged out",
                        // sessions that end by themselves ("the app keeps logging me out")
                        "log out",
                        "logging out",
                        "logout",
                        "log me out",
                        "logs me out",
                        "logged me out",
                        "logging me out",
                        "signed out",
                        "signs me out",
                        "signing me out",
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
                        "broke",
                        "didn't work",
                        "isn't working",
                        "wasn't working",
                        "won't work",
                        "malfunction",
                        // travel: the cabin and what comes with the seat
                        "wi-fi",
                        "tv",
                        "entertainment",
                        "legroom",
                        "leg room",
                        "cramped",
                        "bathroom",
                        "toilet",
                        "lavatory",
                        "no heat",
                        "turbulence",
                        "snack",
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
                        "customer support",
                        "customer svc",
                        "cust service",
                        "customerservice",
                        "costumer service",
                        "customer relations",
                        "badservice",
                        "poorservice",
                        "bad service",
                        "poor service",
                        "terrible service",
                        "horrible service",
                        "awful service",
                        "worst service",
                        "lousy service",
                        "service sucks",
                        // the phone line
                        "on hold",
                        "hold time",
                        "hold music",
                        "holding",
                        "call volume",
                        "on the phone",
                        "on the line",
                        "by phone",
                        "phone call",
                        "phone number",
                        "phone line",
                        "phone support",
                        "answer the phone",
                        "answer your phone",
                        "answering the phone",
                        "pick up the phone",
                        "call",
                        "called",
                        "calling",
                        "call back",
                        "callback",
                        "hang up",
                        "hangs up",
                        "disconnected",
                        "transferred",
                        "no answer",
                        "answer",
                        "answering",
                        "no one answers",
                        "real person",
                        "talk to",
                        "speak to",
                        "speak with",
                        "get through",
                        "contact",
                        // answers in writing
                        "response",
                        "respond",
                        "responded",
                        "reply",
                        "replied",
                        "heard back",
                        "emailed",
                        "message",
                        // the people and how they treat customers
                        "employee",
                        "worker",
                        "staffer",
                        "personnel",
                        "gate agent",
                        "ticket agent",
                        "supervisor",
                        "flight attendant",
                        "stewardess",
                        "steward",
                        "csr",
                        "attitude",
                        "unprofessional",
                        "disrespectful",
                        "customers",
                        "treat",
                        "treating",
                        "treated",
                        "treatment",
                        "yelled",
                        "no help",
                        "not helpful",
                        "apology",
                        "don't care",
                        "lied",
                        "ignored",
                        // the languages the detector knows
                        "atención al cliente",
                        "servicio al cliente",
                        "service client",
                        "kundenservice",
                        "kundendienst",
                        "warteschleife",
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
                        "book a flight",
                        "overbooked",
                        "overbook",
                        "fare",
                        "fares",
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

#[cfg(test)]
mod tests {
    use crate::{Enricher, NlpConfig};

    fn topic_of(e: &Enricher, text: &str) -> Option<String> {
        e.enrich(text, None).topic
    }

    #[test]
    fn care_team_vocabulary_of_the_default_taxonomy() {
        let e = Enricher::new(NlpConfig::default()).unwrap();
        for (text, want) in [
            // the phone queue is customer service, not a delay
            (
                "on hold for an hour listening to hold music",
                "customer_service",
            ),
            (
                "trying to speak to a real person for days",
                "customer_service",
            ),
            ("the stewardess was so unprofessional", "customer_service"),
            ("seit 40 Minuten in der Warteschleife", "customer_service"),
            ("pésima atención al cliente", "customer_service"),
            // a cancelled flight stays a cancellation while the customer waits on the line
            (
                "my flight was cancelled and I'm still on hold",
                "cancellation",
            ),
            ("sat on the tarmac and missed my connecting flight", "delay"),
            (
                "no legroom and the toilet was out of order",
                "product_quality",
            ),
            (
                "they lost my luggage at baggage claim, nobody answers",
                "delivery",
            ),
            // a session that ends by itself is account access, not the app's quality
            (
                "the app keeps logging me out since the last update",
                "account_access",
            ),
            (
                "it logged me out again and my basket is gone",
                "account_access",
            ),
        ] {
            assert_eq!(topic_of(&e, text).as_deref(), Some(want), "{text}");
        }
        // the device is not the phone line, and a service that is down is an outage
        assert_eq!(topic_of(&e, "my new phone won't turn on"), None);
        assert_eq!(
            topic_of(&e, "the service is down again").as_deref(),
            Some("outage")
        );
    }
}
