//! Anomalies as transformations of a clean record stream. Every parameter (where, when, how
//! strong) is drawn from the seed within a plausible range, so that each seed is a different
//! case of the same kind of anomaly.

use crate::{ScenarioError, ScenarioKind, ScenarioParams, Truth};
use analytics::detect::DetectionKind as K;
use analytics::insight::OwnerMap;
use analytics::rollup::{ALL_VALUE, Dim};
use domain::channel::{Channel, Direction, Visibility};
use domain::conversation::LifecycleAction;
use domain::message::{Author, InboundMessage};
use domain::record::{ChangeEntry, ChangeKind, Feedback, LifecycleEvent, Record};
use simulate::rng::{Rng, mix};
use simulate::text::{self, Lang, Sentiment, Slots, Topic};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// A conversation of the clean stream, found by threading the records.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    /// Indices of its records, in order.
    pub records: Vec<usize>,
    pub channel: Channel,
    pub opened: OffsetDateTime,
    pub first_inbound: usize,
    pub first_reply: Option<usize>,
    pub resolved: Option<OffsetDateTime>,
    pub topic: Option<Topic>,
    pub negative_start: bool,
}

/// Groups records into conversations with the domain's threading rules (without routing).
fn threads(records: &[Record], enricher: &nlp::Enricher) -> Vec<Conv> {
    use domain::threading::{ThreadDecision, ThreadingConfig, thread_inbound, thread_outbound};
    use domain::{Conversation, ConversationId, CustomerId};
    let cfg = ThreadingConfig::default();
    let routed = domain::routing::RoutingOutcome {
        queue: "q".into(),
        priority: domain::Priority::Normal,
        tags: vec![],
        matched: vec![],
    };
    let mut customers: HashMap<(Channel, String), CustomerId> = HashMap::new();
    let mut placed: HashMap<(Channel, String), usize> = HashMap::new();
    let mut state: Vec<Conversation> = Vec::new();
    let mut convs: Vec<Conv> = Vec::new();
    let mut latest: HashMap<CustomerId, usize> = HashMap::new();
    let mut ids: HashMap<ConversationId, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        match r {
            Record::Message(m) => {
                let parent = m
                    .in_reply_to
                    .as_ref()
                    .and_then(|p| placed.get(&(m.channel, p.clone())))
                    .copied();
                let parent_ref = parent.and_then(|p| state.get(p)).map(Conversation::as_ref);
                if m.direction == Direction::Inbound {
                    let n = customers.len() as u64;
                    let cust = *customers
                        .entry((m.channel, m.author.id.clone()))
                        .or_insert_with(|| CustomerId(uuid::Uuid::from_u64_pair(7, n)));
                    let lat = latest
                        .get(&cust)
                        .and_then(|k| state.get(*k))
                        .map(Conversation::as_ref);
                    let k = match thread_inbound(
                        cust,
                        m.created_at,
                        parent_ref.as_ref(),
                        lat.as_ref(),
                        &cfg,
                    ) {
                        ThreadDecision::Join(id) => ids.get(&id).copied(),
                        _ => None,
                    };
                    let k = match k {
                        Some(k) => k,
                        None => {
                            let mut c =
                                Conversation::open(cust, m.channel, m.created_at, &routed, None);
                            c.id = ConversationId(uuid::Uuid::from_u64_pair(8, state.len() as u64));
                            ids.insert(c.id, state.len());
                            state.push(c);
                            let e = enricher.enrich(&m.text, None);
                            convs.push(Conv {
                                records: Vec::new(),
                                channel: m.channel,
                                opened: m.created_at,
                                first_inbound: i,
                                first_reply: None,
                                resolved: None,
                                topic: e
                                    .topic
                                    .as_deref()
                                    .and_then(|t| Topic::ALL.into_iter().find(|x| x.as_str() == t)),
                                negative_start: e.sentiment.label.as_str() == "negative",
                            });
                            state.len() - 1
                        }
                    };
                    if let Some(c) = state.get_mut(k) {
                        c.add_inbound(m.created_at, None, None, &routed);
                    }
                    latest.insert(cust, k);
                    placed.insert((m.channel, m.external_id.clone()), k);
                    if let Some(c) = convs.get_mut(k) {
                        c.records.push(i);
                    }
                } else if let ThreadDecision::Join(id) = thread_outbound(parent_ref.as_ref())
                    && let Some(&k) = ids.get(&id)
                {
                    if let Some(c) = state.get_mut(k) {
                        c.add_outbound(m.created_at);
                    }
                    placed.insert((m.channel, m.external_id.clone()), k);
                    if let Some(c) = convs.get_mut(k) {
                        c.records.push(i);
                        if c.first_reply.is_none() {
                            c.first_reply = Some(i);
                        }
                    }
                }
            }
            Record::Lifecycle(l) => {
                if let Some(&k) = placed.get(&(l.channel, l.message_id.clone())) {
                    if let Some(c) = state.get_mut(k) {
                        let _ = c.apply(&l.action, l.at);
                    }
                    if let Some(c) = convs.get_mut(k) {
                        c.records.push(i);
                        if l.action == LifecycleAction::Resolve && c.resolved.is_none() {
                            c.resolved = Some(l.at);
                        }
                    }
                }
            }
            Record::Survey(s) => {
                if let Some(&k) = placed.get(&(s.channel, s.message_id.clone()))
                    && let Some(c) = convs.get_mut(k)
                {
                    c.records.push(i);
                }
            }
            _ => {}
        }
    }
    convs
}

fn ramp(t: OffsetDateTime, start: OffsetDateTime, days: f64) -> f64 {
    ((t - start).as_seconds_f64() / (days * 86_400.0)).clamp(0.0, 1.0)
}

/// Builds injected records with unique ids.
struct Forge {
    rng: Rng,
    n: u64,
    out: Vec<Record>,
}

const AGENTS: [&str; 4] = ["maria", "james", "priya", "tom"];

impl Forge {
    fn id(&mut self, what: &str) -> String {
        self.n += 1;
        format!("inj-{what}-{}", self.n)
    }

    fn render(&mut self, template: &str) -> String {
        let order = format!("#B{}", self.rng.between(100_000, 999_999));
        let slots = Slots {
            order: &order,
            product: "order",
            days: 5,
            amount: "$42.00",
            city: "Leeds",
            brand_name: "Acme",
            agent: "Maria",
            first_name: "Sam",
            email: "sam@example.com",
            minutes: 30,
        };
        text::render(template, &slots)
    }

    fn say(&mut self, pick: impl FnOnce(&mut Rng) -> &'static str) -> String {
        let template = pick(&mut self.rng);
        self.render(template)
    }

    fn customer(&mut self) -> Author {
        let n = self.id("user");
        Author {
            id: n.clone(),
            handle: Some(format!("@{}", n.replace('-', ""))),
            name: Some("Sam Taylor".into()),
            followers: Some(self.rng.between(10, 2_000)),
        }
    }

    fn message(
        &mut self,
        channel: Channel,
        inbound: bool,
        author: Author,
        text: String,
        at: OffsetDateTime,
        reply_to: Option<String>,
    ) -> String {
        let id = self.id("msg");
        self.out.push(Record::Message(InboundMessage {
            channel,
            external_id: id.clone(),
            direction: if inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            visibility: if channel.is_social() {
                Visibility::Public
            } else {
                Visibility::Private
            },
            author,
            brand_account: Some("AcmeCare".into()),
            text,
            created_at: at,
            in_reply_to: reply_to,
            language: None,
        }));
        id
    }

    fn lifecycle(
        &mut self,
        channel: Channel,
        message_id: &str,
        action: LifecycleAction,
        at: OffsetDateTime,
    ) {
        let id = self.id("ev");
        let agent = self.rng.pick(&AGENTS).unwrap_or("maria");
        self.out.push(Record::Lifecycle(LifecycleEvent {
            id,
            channel,
            message_id: message_id.to_string(),
            action,
            actor: format!("agent:{agent}"),
            at,
        }));
    }

    /// A copy of a recorded conversation by a new customer, `offset` later: new ids, replies
    /// and lifecycle events pointing into the copy, nothing at or after `end`. It has the
    /// topic's own mix of outcomes, where a forged conversation would not.
    fn copy(&mut self, records: &[Record], c: &Conv, offset: Duration, end: OffsetDateTime) {
        let author = self.customer();
        let mut ids: HashMap<String, String> = HashMap::new();
        for &i in &c.records {
            let Some(r) = records.get(i) else { continue };
            let mut r = r.clone();
            let at = r.at() + offset;
            if at >= end {
                continue;
            }
            match &mut r {
                Record::Message(m) => {
                    let id = self.id("msg");
                    ids.insert(m.external_id.clone(), id.clone());
                    m.external_id = id;
                    m.in_reply_to = m.in_reply_to.as_ref().and_then(|p| ids.get(p)).cloned();
                    if m.direction == Direction::Inbound {
                        m.author = author.clone();
                    }
                    m.created_at = at;
                }
                Record::Lifecycle(l) => {
                    let Some(target) = ids.get(&l.message_id).cloned() else {
                        continue;
                    };
                    l.id = self.id("ev");
                    l.message_id = target;
                    l.at = at;
                }
                Record::Survey(sv) => {
                    let Some(target) = ids.get(&sv.message_id).cloned() else {
                        continue;
                    };
                    sv.id = self.id("survey");
                    sv.message_id = target;
                    sv.at = at;
                }
                Record::Feedback(_) | Record::Change(_) => continue,
            }
            self.out.push(r);
        }
    }

    /// A whole conversation: opening, a brand answer, resolution. Returns its resolution time.
    fn conversation(
        &mut self,
        channel: Channel,
        author: Author,
        at: OffsetDateTime,
        topic: Topic,
        sentiment: Sentiment,
        repeat: bool,
    ) -> OffsetDateTime {
        let mut body = self.say(|r| text::opening(r, Lang::En, topic, sentiment));
        if repeat {
            body = format!("{}{body}", text::repeat_prefix(&mut self.rng, Lang::En));
        }
        let brand = Author {
            id: "AcmeCare".into(),
            handle: Some("@AcmeCare".into()),
            name: Some("Acme Support".into()),
            followers: None,
        };
        let first = self.message(channel, true, author, body, at, None);
        let reply_at = at
            + Duration::seconds((self.rng.lognormal(25.0, 0.8) * 60.0).clamp(30.0, 86_400.0) as i64);
        let reply = self.say(|r| text::first_reply(r, Lang::En, topic, false));
        self.message(channel, false, brand, reply, reply_at, Some(first.clone()));
        let done = reply_at
            + Duration::seconds((self.rng.lognormal(60.0, 0.7) * 60.0).clamp(60.0, 86_400.0) as i64);
        self.lifecycle(channel, &first, LifecycleAction::Resolve, done);
        done
    }
}

const SOCIAL: [Channel; 4] = [
    Channel::X,
    Channel::Facebook,
    Channel::Instagram,
    Channel::Tiktok,
];
const TOPICS: [Topic; 6] = [
    Topic::Delivery,
    Topic::Billing,
    Topic::AccountAccess,
    Topic::Refund,
    Topic::ProductQuality,
    Topic::CustomerService,
];

fn owner(topic: &str) -> String {
    let m = OwnerMap::default();
    m.by_topic.get(topic).cloned().unwrap_or(m.fallback)
}

/// Applies `kind` to the clean `records`; returns the new records (time-ordered) and truths.
pub(crate) fn inject(
    kind: ScenarioKind,
    p: &ScenarioParams,
    mut records: Vec<Record>,
) -> Result<(Vec<Record>, Vec<Truth>), ScenarioError> {
    if kind == ScenarioKind::Clean {
        return Ok((records, Vec::new()));
    }
    let enricher =
        nlp::Enricher::new(nlp::NlpConfig::default()).map_err(crate::replay::ReplayError::from)?;
    let convs = threads(&records, &enricher);
    let mut rng = Rng::new(mix(&[p.seed, 0x1A7E, kind as u64]));
    let days = i64::from(p.days);
    let end = p.start + Duration::days(days);
    // Anomalies start after eight weeks of history (earlier in short scenarios).
    let base_day = (days * 2 / 3).min(56);
    let short_start = p.start
        + Duration::days(base_day + rng.between(0, 10) as i64)
        + Duration::hours(rng.between(8, 19) as i64)
        + Duration::minutes(rng.between(0, 59) as i64);
    let bleed_start = p.start + Duration::days((base_day - 8).max(14) + rng.between(0, 6) as i64);
    let mut f = Forge {
        rng: Rng::new(mix(&[p.seed, 0xF0, kind as u64])),
        n: 0,
        out: Vec::new(),
    };
    let mut drop = vec![false; records.len()];
    let mut truths = Vec::new();
    let topic = TOPICS[rng.index(TOPICS.len())];
    let channel = SOCIAL[rng.index(SOCIAL.len())];
    let with_cause = rng.chance(0.7);
    let add_change = |f: &mut Forge,
                      at: OffsetDateTime,
                      kind: ChangeKind,
                      title: String,
                      team: String|
     -> Option<String> {
        if !with_cause {
            return None;
        }
        let id = f.id("change");
        f.out.push(Record::Change(ChangeEntry {
            id: id.clone(),
            kind,
            title,
            owner_team: team,
            at,
        }));
        Some(id)
    };
    let truth = |kind: K,
                 also: Vec<K>,
                 metrics: &[&str],
                 scopes: Vec<(Dim, String)>,
                 start: OffsetDateTime,
                 end: OffsetDateTime,
                 cause: Option<String>,
                 description: String| Truth {
        id: format!("{}-{}", kind.as_str(), p.seed),
        kind,
        also,
        metrics: metrics.iter().map(|s| s.to_string()).collect(),
        scopes,
        start,
        end,
        marker: None,
        cause_change_id: cause,
        description,
    };
    let all = (Dim::All, ALL_VALUE.to_string());
    let tscope = (Dim::Topic, topic.as_str().to_string());
    let cscope = (Dim::Channel, channel.as_str().to_string());
    let router = crate::replay::default_router().map_err(crate::replay::ReplayError::from)?;
    let qscope = |c: Channel| (Dim::Queue, crate::replay::queue_of(&router, c));
    match kind {
        ScenarioKind::Clean => {}
        ScenarioKind::VolumeSpike => {
            let hours = rng.between(2, 5) as i64;
            // extra conversations: 2–4× the channel's usual hourly volume at that time of day
            let usual = records
                .iter()
                .filter(|r| matches!(r, Record::Message(m) if m.channel == channel && m.direction == Direction::Inbound && m.in_reply_to.is_none()))
                .count() as f64
                / days as f64
                / 24.0
                * 1.3;
            let per_hour = (usual * (2.0 + 2.0 * rng.f64())).max(6.0);
            for h in 0..hours {
                let n = f.rng.poisson(per_hour);
                for _ in 0..n {
                    let at = short_start
                        + Duration::hours(h)
                        + Duration::seconds(f.rng.between(0, 3599) as i64);
                    let author = f.customer();
                    let s = [Sentiment::Negative, Sentiment::Neutral][f.rng.index(2)];
                    f.conversation(channel, author, at, topic, s, false);
                }
            }
            let cause = add_change(
                &mut f,
                short_start - Duration::minutes(rng.between(10, 600) as i64),
                ChangeKind::Outage,
                format!("{} service degradation", topic.as_str().replace('_', " ")),
                owner(topic.as_str()),
            );
            truths.push(truth(K::Spike, vec![K::CoverageGap, K::TopicTrend], &["conversations"], vec![cscope.clone(), tscope.clone(), qscope(channel), all.clone()], short_start, short_start + Duration::hours(hours), cause, format!("{hours} h of about {per_hour:.0} extra conversations an hour on {channel} about {}", topic.as_str())));
        }
        ScenarioKind::NegativeSpike => {
            // a backlash: new conversations on every social channel turn negative for hours
            let hours = rng.between(3, 6) as i64;
            let until = short_start + Duration::hours(hours);
            let share = 0.6 + 0.3 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.channel.is_social() && c.opened >= short_start && c.opened < until)
            {
                if !f.rng.chance(share) {
                    continue;
                }
                let t = c.topic.unwrap_or(Topic::CustomerService);
                let body = f.say(|r| text::opening(r, Lang::En, t, Sentiment::Negative));
                if let Some(Record::Message(m)) = records.get_mut(c.first_inbound) {
                    m.text = body;
                }
            }
            let mut scopes = vec![all.clone()];
            scopes.extend(
                SOCIAL
                    .iter()
                    .chain([Channel::Linkedin, Channel::Review].iter())
                    .map(|c| (Dim::Channel, c.as_str().to_string())),
            );
            scopes.push(qscope(Channel::X));
            truths.push(truth(K::Spike, vec![], &["negative_open_share"], scopes, short_start, until, None, format!("{hours} h in which {:.0} % of conversations opened on social channels turn negative", share * 100.0)));
        }
        ScenarioKind::BleedSentiment => {
            // topics with a good share of non-negative openings, so that a bleed has room
            let topic = [
                Topic::Delivery,
                Topic::Billing,
                Topic::ProductQuality,
                Topic::Refund,
            ][rng.index(4)];
            let tscope = (Dim::Topic, topic.as_str().to_string());
            let ramp_days = 14.0 + 14.0 * rng.f64();
            let max = 0.7 + 0.25 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.topic == Some(topic) && c.opened >= bleed_start)
            {
                if !c.negative_start && f.rng.chance(max * ramp(c.opened, bleed_start, ramp_days)) {
                    let body = f.say(|r| text::opening(r, Lang::En, topic, Sentiment::Negative));
                    if let Some(Record::Message(m)) = records.get_mut(c.first_inbound) {
                        m.text = body;
                    }
                }
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Release,
                format!(
                    "Process change affecting {}",
                    topic.as_str().replace('_', " ")
                ),
                owner(topic.as_str()),
            );
            truths.push(truth(K::SlowBleed, vec![K::CsatMasking], &["sentiment_mean", "negative_open_share", "end_sentiment_mean", "sentiment_conversion"], vec![tscope.clone(), all.clone()], bleed_start, end, cause, format!("customers about {} turn negative, up to {:.0} % of non-negative openings over {ramp_days:.0} days", topic.as_str(), max * 100.0)));
        }
        ScenarioKind::BleedCsat => {
            let ramp_days = 14.0 + 14.0 * rng.f64();
            let max = 0.4 + 0.3 * rng.f64();
            for r in records.iter_mut() {
                if let Record::Survey(s) = r
                    && s.kind == domain::record::SurveyKind::Csat
                    && s.at >= bleed_start
                    && f.rng.chance(max * ramp(s.at, bleed_start, ramp_days))
                {
                    s.score = s.score.saturating_sub(2).max(1);
                }
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Policy,
                "Survey wording and timing changed".into(),
                "care".into(),
            );
            truths.push(truth(K::SlowBleed, vec![], &["csat_mean", "csat_satisfied"], vec![all.clone()], bleed_start, end, cause, format!("CSAT answers drop by two points for up to {:.0} % of responders over {ramp_days:.0} days", max * 100.0)));
        }
        ScenarioKind::BleedFrt => {
            let ramp_days = 14.0 + 14.0 * rng.f64();
            let factor = 2.0 + 1.5 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.channel == channel && c.opened >= bleed_start)
            {
                let Some(fr) = c.first_reply else { continue };
                let Some(reply_at) = records.get(fr).map(Record::at) else {
                    continue;
                };
                let frt = reply_at - c.opened;
                let extra = frt * ((factor - 1.0) * ramp(c.opened, bleed_start, ramp_days));
                for &i in c.records.iter().filter(|i| **i >= fr) {
                    shift(&mut records[i], extra);
                }
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Other,
                format!("{channel} care team rota reduced"),
                "care".into(),
            );
            truths.push(truth(K::SlowBleed, vec![K::CsatMasking], &["frt_median_s"], vec![cscope.clone(), all.clone()], bleed_start, end, cause, format!("first responses on {channel} slow down to {factor:.1}× over {ramp_days:.0} days")));
        }
        ScenarioKind::BleedResponse => {
            // a social channel's conversations go unanswered more and more (a queue nobody
            // works): from the first brand reply on, its brand messages, lifecycle events and
            // surveys are gone; the customer's own follow-ups stay
            let ramp_days = 14.0 + 14.0 * rng.f64();
            let max = 0.3 + 0.3 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.channel == channel && c.opened >= bleed_start)
            {
                let Some(fr) = c.first_reply else { continue };
                if !f.rng.chance(max * ramp(c.opened, bleed_start, ramp_days)) {
                    continue;
                }
                for &i in c.records.iter().filter(|i| **i >= fr) {
                    let customer = matches!(records.get(i), Some(Record::Message(m)) if m.direction == Direction::Inbound);
                    if !customer {
                        drop[i] = true;
                    }
                }
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Other,
                format!("{channel} messages routed to a new queue"),
                "care".into(),
            );
            truths.push(truth(K::SlowBleed, vec![K::CsatMasking], &["response_rate"], vec![cscope.clone(), all.clone()], bleed_start, end, cause, format!("up to {:.0} % of conversations on {channel} go unanswered over {ramp_days:.0} days", max * 100.0)));
        }
        ScenarioKind::RepeatTrend | ScenarioKind::MaskedResolution => {
            let ramp_days = 10.0 + 14.0 * rng.f64();
            let max = 0.2 + 0.15 * rng.f64();
            let masked = kind == ScenarioKind::MaskedResolution;
            for c in convs
                .iter()
                .filter(|c| c.topic == Some(topic) && c.opened >= bleed_start)
            {
                if masked && let Some(fr) = c.first_reply {
                    // answers get faster: first reply (and all after it) 40 % sooner
                    if let Some(reply_at) = records.get(fr).map(Record::at) {
                        let gain: Duration = (reply_at - c.opened) * 0.4;
                        for &i in c.records.iter().filter(|i| **i >= fr) {
                            shift(&mut records[i], -gain);
                        }
                    }
                }
                let Some(resolved) = c.resolved else { continue };
                if !f.rng.chance(max * ramp(c.opened, bleed_start, ramp_days)) {
                    continue;
                }
                let Some(Record::Message(first)) = records.get(c.first_inbound) else {
                    continue;
                };
                let author = first.author.clone();
                let at = resolved + Duration::seconds(f.rng.between(6 * 3600, 3 * 86_400) as i64);
                if at < end {
                    f.conversation(c.channel, author, at, topic, Sentiment::Negative, true);
                }
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Release,
                format!("New {} workflow", topic.as_str().replace('_', " ")),
                owner(topic.as_str()),
            );
            let (k, also) = if masked {
                (
                    K::MaskedResolution,
                    vec![K::RepeatTrend, K::SlowBleed, K::TopicTrend],
                )
            } else {
                (
                    K::RepeatTrend,
                    vec![K::MaskedResolution, K::SlowBleed, K::TopicTrend],
                )
            };
            truths.push(truth(k, also, &["repeat_rate"], vec![tscope.clone(), all.clone()], bleed_start, end, cause, format!("up to {:.0} % of resolved {} conversations come back within 3 days, ramping over {ramp_days:.0} days{}", max * 100.0, topic.as_str(), if masked { ", while their first responses get 40 % faster" } else { "" })));
        }
        ScenarioKind::CsatMasking => {
            let ramp_days = 10.0 + 10.0 * rng.f64();
            let max = 0.6 + 0.3 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.opened >= bleed_start && c.negative_start)
            {
                if !f.rng.chance(max * ramp(c.opened, bleed_start, ramp_days)) {
                    continue;
                }
                // the customer's last word (after the opening) turns negative …
                let last_in = c.records.iter().rev().copied().find(|i| *i != c.first_inbound && matches!(records.get(*i), Some(Record::Message(m)) if m.direction == Direction::Inbound));
                let Some(li) = last_in else { continue };
                let body =
                    f.say(|r| text::customer_follow_up(r, Lang::En, Sentiment::Negative, false));
                if let Some(Record::Message(m)) = records.get_mut(li) {
                    m.text = body;
                }
                // … and these customers stop answering surveys
                for &i in &c.records {
                    if matches!(records.get(i), Some(Record::Survey(_))) && f.rng.chance(0.9) {
                        drop[i] = true;
                    }
                }
            }
            truths.push(truth(K::CsatMasking, vec![K::SlowBleed], &[], vec![all.clone()], bleed_start, end, None, format!("up to {:.0} % of negative-starting conversations end negative over {ramp_days:.0} days and their customers skip the survey", max * 100.0)));
        }
        ScenarioKind::CoverageGap => {
            let ch = [
                Channel::X,
                Channel::Facebook,
                Channel::Instagram,
                Channel::Email,
            ][rng.index(4)];
            let hours = rng.between(8, 48) as i64;
            let keep = if rng.chance(0.5) { 0.0 } else { 0.15 };
            let until = short_start + Duration::hours(hours);
            for (i, r) in records.iter().enumerate() {
                let (c, at) = match r {
                    Record::Message(m) => (m.channel, m.created_at),
                    Record::Lifecycle(l) => (l.channel, l.at),
                    Record::Survey(s) => (s.channel, s.at),
                    _ => continue,
                };
                if c == ch && at >= short_start && at < until && !f.rng.chance(keep) {
                    drop[i] = true;
                }
            }
            let cause = add_change(
                &mut f,
                short_start - Duration::minutes(rng.between(5, 180) as i64),
                ChangeKind::Integration,
                format!("{ch} connector token rotated"),
                "integrations".into(),
            );
            truths.push(truth(
                K::CoverageGap,
                vec![K::Spike],
                &[],
                vec![(Dim::Channel, ch.as_str().to_string()), all.clone()],
                short_start,
                until,
                cause,
                format!(
                    "{ch} {} for {hours} h",
                    if keep == 0.0 {
                        "goes silent"
                    } else {
                        "collapses to 15 %"
                    }
                ),
            ));
        }
        ScenarioKind::RecurringPhrase => {
            let phrases = [
                text::FEEDBACK_LOGOUT,
                text::FEEDBACK_RETURNS,
                text::FEEDBACK_COURIER,
                "I was charged twice for the same order",
                "my discount code is not accepted at checkout",
            ];
            let phrase = phrases[rng.index(phrases.len())];
            let per_day = 2.0 + 3.0 * rng.f64();
            let mut t = bleed_start;
            while t < end {
                let rate = per_day * ramp(t, bleed_start, 7.0).max(0.15);
                let n = f.rng.poisson(rate);
                for _ in 0..n {
                    let at = t + Duration::seconds(f.rng.between(0, 86_399) as i64);
                    let wrapper = f.rng.pick(text::FEEDBACK_WRAPPERS).unwrap_or("{x}");
                    let author = f.customer();
                    let id = f.id("fb");
                    f.out.push(Record::Feedback(Feedback {
                        id,
                        channel: Channel::Review,
                        author,
                        text: wrapper.replace("{x}", phrase),
                        at,
                    }));
                }
                t += Duration::days(1);
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 4) as i64),
                ChangeKind::Release,
                "Mobile app release".into(),
                "mobile".into(),
            );
            let mut tr = truth(
                K::RecurringPhrase,
                vec![],
                &[],
                vec![],
                bleed_start,
                end,
                cause,
                format!("about {per_day:.1} reviews a day say \"{phrase}\""),
            );
            tr.marker = Some(phrase.to_string());
            truths.push(tr);
        }
        ScenarioKind::TopicShift => {
            // more customers write about one topic from a day on (a supplier, a policy): the
            // topic's conversations grow to `mult` times within 1–7 days and stay there
            let ramp_days = 1.0 + 6.0 * rng.f64();
            let mult = 1.4 + 0.4 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.topic == Some(topic) && c.opened >= bleed_start)
            {
                if !f
                    .rng
                    .chance((mult - 1.0) * ramp(c.opened, bleed_start, ramp_days))
                {
                    continue;
                }
                let offset = Duration::seconds(f.rng.between(0, 3599) as i64);
                f.copy(&records, c, offset, end);
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::hours(rng.between(2, 72) as i64),
                [
                    ChangeKind::Integration,
                    ChangeKind::Policy,
                    ChangeKind::Release,
                ][rng.index(3)],
                format!("Change affecting {}", topic.as_str().replace('_', " ")),
                owner(topic.as_str()),
            );
            truths.push(truth(
                K::TopicTrend,
                vec![K::Spike],
                &["conversation_share"],
                vec![tscope.clone()],
                bleed_start,
                end,
                cause,
                format!(
                    "conversations about {} grow to {mult:.2}× within {ramp_days:.1} days and stay",
                    topic.as_str()
                ),
            ));
        }
        ScenarioKind::EscalationTrend => {
            let ramp_days = 10.0 + 14.0 * rng.f64();
            let max = 0.15 + 0.15 * rng.f64();
            for c in convs
                .iter()
                .filter(|c| c.topic == Some(topic) && c.opened >= bleed_start)
            {
                let (Some(fr), Some(resolved)) = (c.first_reply, c.resolved) else {
                    continue;
                };
                let Some(reply_at) = records.get(fr).map(Record::at) else {
                    continue;
                };
                let at = reply_at + Duration::minutes(10);
                if at >= resolved || !f.rng.chance(max * ramp(c.opened, bleed_start, ramp_days)) {
                    continue;
                }
                let Some(Record::Message(first)) = records.get(c.first_inbound) else {
                    continue;
                };
                let mid = first.external_id.clone();
                f.lifecycle(
                    c.channel,
                    &mid,
                    LifecycleAction::Escalate {
                        tier: "tier2".into(),
                    },
                    at,
                );
            }
            let cause = add_change(
                &mut f,
                bleed_start - Duration::days(rng.between(1, 5) as i64),
                ChangeKind::Policy,
                format!(
                    "{} approvals moved to tier 2",
                    topic.as_str().replace('_', " ")
                ),
                owner(topic.as_str()),
            );
            truths.push(truth(
                K::EscalationTrend,
                vec![],
                &["escalation_rate"],
                vec![tscope.clone(), all.clone()],
                bleed_start,
                end,
                cause,
                format!(
                    "up to {:.0} % of {} conversations escalated, ramping over {ramp_days:.0} days",
                    max * 100.0,
                    topic.as_str()
                ),
            ));
        }
    }
    let mut out: Vec<Record> = records
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(r, _)| r)
        .collect();
    out.extend(f.out.into_iter().filter(|r| r.at() < end));
    out.sort_by_key(Record::at);
    Ok((out, truths))
}

fn shift(r: &mut Record, by: Duration) {
    match r {
        Record::Message(m) => m.created_at += by,
        Record::Lifecycle(l) => l.at += by,
        Record::Survey(s) => s.at += by,
        Record::Feedback(f) => f.at += by,
        Record::Change(c) => c.at += by,
    }
}
