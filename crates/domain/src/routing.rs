//! Routing and prioritisation rules: conditions on a message and its
//! customer, actions on its conversation. Rules are evaluated in order; every
//! matching rule applies its actions (a later rule overrides an earlier
//! queue or priority) until a matching rule says `stop`.

use crate::channel::{Channel, Visibility};
use crate::conversation::Priority;
use serde::{Deserialize, Serialize};

/// Conditions are ANDed; a list condition matches when any of its values
/// matches; an empty or absent condition matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Conditions {
    pub channel: Vec<Channel>,
    pub visibility: Option<Visibility>,
    /// ISO 639-1 codes.
    pub language: Vec<String>,
    pub topic: Vec<String>,
    /// negative, neutral, positive, unclassified.
    pub sentiment: Vec<String>,
    /// Influence score 0..=1 at or above which the rule matches.
    pub min_influence: Option<f32>,
    /// Whole words or phrases, case-insensitive; any one matches.
    pub keywords: Vec<String>,
    pub customer_tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Actions {
    pub queue: Option<String>,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    /// Stop evaluating further rules.
    pub stop: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub when: Conditions,
    #[serde(default)]
    pub then: Actions,
}

/// What a rule can look at.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInput<'a> {
    pub channel: Channel,
    pub visibility: Visibility,
    pub language: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub sentiment: &'a str,
    pub influence: f32,
    pub text: &'a str,
    pub customer_tags: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutingOutcome {
    pub queue: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    /// Names of the rules that matched, for the audit trail.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoutingError {
    #[error("routing rule {index} has an empty name")]
    EmptyName { index: usize },
    #[error("routing rule '{0}' has a blank keyword")]
    BlankKeyword(String),
    #[error("routing rule '{name}': min_influence {value} is outside 0..=1")]
    InfluenceRange { name: String, value: f32 },
}

/// A validated, ready-to-evaluate rule set.
#[derive(Debug, Clone)]
pub struct Router {
    default_queue: String,
    rules: Vec<Rule>,
    /// Lower-cased keywords per rule, prepared once.
    keywords: Vec<Vec<String>>,
}

impl Router {
    pub fn new(default_queue: impl Into<String>, rules: Vec<Rule>) -> Result<Self, RoutingError> {
        let mut keywords = Vec::with_capacity(rules.len());
        for (index, r) in rules.iter().enumerate() {
            if r.name.trim().is_empty() {
                return Err(RoutingError::EmptyName { index });
            }
            if let Some(v) = r.when.min_influence
                && !(0.0..=1.0).contains(&v)
            {
                return Err(RoutingError::InfluenceRange {
                    name: r.name.clone(),
                    value: v,
                });
            }
            let mut kws = Vec::new();
            for k in &r.when.keywords {
                let k = k.trim().to_lowercase();
                if k.is_empty() {
                    return Err(RoutingError::BlankKeyword(r.name.clone()));
                }
                kws.push(k);
            }
            keywords.push(kws);
        }
        Ok(Self {
            default_queue: default_queue.into(),
            rules,
            keywords,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn route(&self, input: &RoutingInput<'_>) -> RoutingOutcome {
        let mut out = RoutingOutcome {
            queue: self.default_queue.clone(),
            priority: Priority::Normal,
            tags: Vec::new(),
            matched: Vec::new(),
        };
        // Lower-case the text once, and only if some rule needs it.
        let mut lowered: Option<String> = None;
        for (rule, kws) in self.rules.iter().zip(&self.keywords) {
            if !matches(&rule.when, kws, input, &mut lowered) {
                continue;
            }
            let a = &rule.then;
            if let Some(q) = &a.queue {
                out.queue.clone_from(q);
            }
            if let Some(p) = a.priority {
                out.priority = p;
            }
            for t in &a.tags {
                if !out.tags.contains(t) {
                    out.tags.push(t.clone());
                }
            }
            out.matched.push(rule.name.clone());
            if a.stop {
                break;
            }
        }
        out
    }
}

fn matches(
    c: &Conditions,
    kws: &[String],
    i: &RoutingInput<'_>,
    lowered: &mut Option<String>,
) -> bool {
    if !c.channel.is_empty() && !c.channel.contains(&i.channel) {
        return false;
    }
    if c.visibility.is_some_and(|v| v != i.visibility) {
        return false;
    }
    if !c.language.is_empty()
        && !i
            .language
            .is_some_and(|l| c.language.iter().any(|x| x.eq_ignore_ascii_case(l)))
    {
        return false;
    }
    if !c.topic.is_empty() && !i.topic.is_some_and(|t| c.topic.iter().any(|x| x == t)) {
        return false;
    }
    if !c.sentiment.is_empty() && !c.sentiment.iter().any(|s| s == i.sentiment) {
        return false;
    }
    if c.min_influence.is_some_and(|m| i.influence < m) {
        return false;
    }
    if !c.customer_tags.is_empty() && !c.customer_tags.iter().any(|t| i.customer_tags.contains(t)) {
        return false;
    }
    if !kws.is_empty() {
        let text = lowered.get_or_insert_with(|| i.text.to_lowercase());
        if !kws.iter().any(|k| contains_phrase(text, k)) {
            return false;
        }
    }
    true
}

/// True when `needle` occurs in `hay` on word boundaries ("refund" matches
/// "a refund!" but not "refunded").
pub fn contains_phrase(hay: &str, needle: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = 0;
    while let Some(pos) = hay[start..].find(needle) {
        let at = start + pos;
        let end = at + needle.len();
        let before_ok = hay[..at].chars().next_back().is_none_or(|c| !is_word(c));
        let after_ok = hay[end..].chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok {
            return true;
        }
        start = at + hay[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(text: &'a str, tags: &'a [String]) -> RoutingInput<'a> {
        RoutingInput {
            channel: Channel::X,
            visibility: Visibility::Public,
            language: Some("en"),
            topic: Some("billing"),
            sentiment: "negative",
            influence: 0.2,
            text,
            customer_tags: tags,
        }
    }

    fn rule(name: &str, when: Conditions, then: Actions) -> Rule {
        Rule {
            name: name.into(),
            when,
            then,
        }
    }

    #[test]
    fn no_rules_gives_default_queue() {
        let r = Router::new("general", vec![]).unwrap();
        let out = r.route(&input("hi", &[]));
        assert_eq!(out.queue, "general");
        assert_eq!(out.priority, Priority::Normal);
    }

    #[test]
    fn rules_apply_in_order_and_stop() {
        let rules = vec![
            rule(
                "billing",
                Conditions {
                    topic: vec!["billing".into()],
                    ..Default::default()
                },
                Actions {
                    queue: Some("billing".into()),
                    tags: vec!["money".into()],
                    ..Default::default()
                },
            ),
            rule(
                "angry-legal",
                Conditions {
                    keywords: vec!["lawyer".into()],
                    ..Default::default()
                },
                Actions {
                    queue: Some("legal".into()),
                    priority: Some(Priority::Urgent),
                    stop: true,
                    ..Default::default()
                },
            ),
            rule(
                "never-reached-after-stop",
                Conditions::default(),
                Actions {
                    queue: Some("other".into()),
                    ..Default::default()
                },
            ),
        ];
        let r = Router::new("general", rules).unwrap();
        let out = r.route(&input("I will call my LAWYER!", &[]));
        assert_eq!(out.queue, "legal");
        assert_eq!(out.priority, Priority::Urgent);
        assert_eq!(out.tags, vec!["money".to_string()]);
        assert_eq!(out.matched, vec!["billing", "angry-legal"]);
        let calm = r.route(&input("my lawyers are fine", &[]));
        assert_eq!(calm.queue, "other", "'lawyers' is not the keyword 'lawyer'");
    }

    #[test]
    fn every_condition_filters() {
        let tags = vec!["vip".to_string()];
        let cases: Vec<(Conditions, bool)> = vec![
            (
                Conditions {
                    channel: vec![Channel::Facebook],
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    channel: vec![Channel::X],
                    ..Default::default()
                },
                true,
            ),
            (
                Conditions {
                    visibility: Some(Visibility::Private),
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    language: vec!["es".into()],
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    language: vec!["EN".into()],
                    ..Default::default()
                },
                true,
            ),
            (
                Conditions {
                    topic: vec!["delivery".into()],
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    sentiment: vec!["positive".into()],
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    min_influence: Some(0.5),
                    ..Default::default()
                },
                false,
            ),
            (
                Conditions {
                    min_influence: Some(0.2),
                    ..Default::default()
                },
                true,
            ),
            (
                Conditions {
                    customer_tags: vec!["vip".into()],
                    ..Default::default()
                },
                true,
            ),
            (
                Conditions {
                    customer_tags: vec!["press".into()],
                    ..Default::default()
                },
                false,
            ),
        ];
        for (i, (when, expect)) in cases.into_iter().enumerate() {
            let r = Router::new(
                "general",
                vec![rule(
                    "r",
                    when,
                    Actions {
                        queue: Some("hit".into()),
                        ..Default::default()
                    },
                )],
            )
            .unwrap();
            let out = r.route(&input("text", &tags));
            assert_eq!(out.queue == "hit", expect, "case {i}");
        }
    }

    #[test]
    fn invalid_rules_are_rejected() {
        let bad = rule(
            "x",
            Conditions {
                min_influence: Some(2.0),
                ..Default::default()
            },
            Actions::default(),
        );
        assert!(Router::new("g", vec![bad]).is_err());
        let blank = rule(
            "x",
            Conditions {
                keywords: vec![" ".into()],
                ..Default::default()
            },
            Actions::default(),
        );
        assert!(Router::new("g", vec![blank]).is_err());
    }

    #[test]
    fn phrase_boundaries() {
        assert!(contains_phrase("charged twice again", "charged twice"));
        assert!(!contains_phrase("overcharged twice", "charged twice"));
        assert!(contains_phrase("é refund", "refund"));
        assert!(!contains_phrase("", "refund"));
    }
}
