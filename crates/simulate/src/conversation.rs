//! One conversation, from the customer's first post to the survey, and the
//! repeat contact it may lead to.

use crate::Normalized;
use crate::rng::{Rng, mix};
use crate::text::{self, Lang, Sentiment, Slots, Topic};
use crate::timeline::{self, Timeline};
use domain::channel::{Channel, Direction, Visibility};
use domain::conversation::LifecycleAction;
use domain::message::{Author, InboundMessage};
use domain::record::{Feedback, LifecycleEvent, Record, SurveyAnswer, SurveyKind};
use std::cmp::Ordering;
use time::{Duration, OffsetDateTime};

/// Running counters that make every id unique.
#[derive(Debug, Default)]
pub struct Counters {
    serial: u64,
    customer: u64,
    message: u64,
    event: u64,
    survey: u64,
    feedback: u64,
    change: u64,
}

impl Counters {
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
    fn next_customer(&mut self) -> u64 {
        self.customer += 1;
        self.customer
    }
    fn next_message(&mut self) -> u64 {
        self.message += 1;
        self.message
    }
    fn event_id(&mut self) -> String {
        self.event += 1;
        format!("ev-{}", self.event)
    }
    fn survey_id(&mut self, kind: SurveyKind) -> String {
        self.survey += 1;
        format!("{}-{}", kind.as_str(), self.survey)
    }
    fn feedback_id(&mut self) -> String {
        self.feedback += 1;
        format!("fb-{}", self.feedback)
    }
    pub fn change_id(&mut self) -> String {
        self.change += 1;
        format!("chg-{}", self.change)
    }
}

/// A person who writes to the brand.
#[derive(Debug, Clone)]
pub struct Customer {
    n: u64,
    first: &'static str,
    last: &'static str,
    /// ASCII base of handles and e-mail addresses.
    slug: String,
    followers: u64,
    lang: Lang,
}

/// A conversation to start: a fresh one, or a customer coming back.
#[derive(Debug, Clone)]
pub struct Start {
    pub at: OffsetDateTime,
    serial: u64,
    repeat: Option<Repeat>,
}

#[derive(Debug, Clone)]
struct Repeat {
    customer: Customer,
    topic: Topic,
    channel: Channel,
    /// The brand's last message, when the customer replies to it.
    reply_to: Option<String>,
}

impl Start {
    pub fn fresh(at: OffsetDateTime, serial: u64) -> Self {
        Start {
            at,
            serial,
            repeat: None,
        }
    }
}

impl PartialEq for Start {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Start {}
impl PartialOrd for Start {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Start {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.serial).cmp(&(other.at, other.serial))
    }
}

const CHANNELS: [(Channel, f64); 9] = [
    (Channel::X, 26.0),
    (Channel::Facebook, 17.0),
    (Channel::Instagram, 14.0),
    (Channel::Tiktok, 6.0),
    (Channel::Linkedin, 3.0),
    (Channel::Review, 7.0),
    (Channel::Email, 12.0),
    (Channel::Chat, 11.0),
    (Channel::Phone, 4.0),
];

struct ChannelTraits {
    public_share: f64,
    answer_rate: f64,
    /// Median minutes to a first reply in working hours.
    first_reply_min: f64,
    has_dms: bool,
}

fn traits(c: Channel) -> ChannelTraits {
    let (public_share, answer_rate, first_reply_min, has_dms) = match c {
        Channel::X => (0.65, 0.90, 18.0, true),
        Channel::Facebook => (0.55, 0.85, 35.0, true),
        Channel::Instagram => (0.45, 0.75, 45.0, true),
        Channel::Tiktok => (0.85, 0.50, 70.0, true),
        Channel::Linkedin => (0.60, 0.70, 90.0, true),
        Channel::Review => (1.0, 0.45, 360.0, false),
        Channel::Email => (0.0, 0.96, 240.0, false),
        Channel::Chat => (0.0, 0.99, 2.0, false),
        Channel::Phone => (0.0, 1.0, 0.5, false),
    };
    ChannelTraits {
        public_share,
        answer_rate,
        first_reply_min,
        has_dms,
    }
}

const LANGS: [(Lang, f64); 5] = [
    (Lang::En, 85.0),
    (Lang::Es, 5.0),
    (Lang::Fr, 3.5),
    (Lang::De, 3.5),
    (Lang::Pt, 3.0),
];

/// Folds the accented letters used in names to ASCII, drops the rest.
fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let base = match c {
                'á' | 'à' | 'ã' | 'â' => 'a',
                'é' | 'è' | 'ê' => 'e',
                'í' => 'i',
                'ó' | 'ö' | 'õ' => 'o',
                'ú' | 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(base)
        })
        .collect()
}

fn new_customer(rng: &mut Rng, counters: &mut Counters) -> Customer {
    let n = counters.next_customer();
    let first = rng.pick(text::FIRST_NAMES).unwrap_or("Sam");
    let last = rng.pick(text::LAST_NAMES).unwrap_or("Smith");
    let lang = LANGS[rng.weighted(&LANGS.map(|(_, w)| w))].0;
    // Heavy tail: most have a few hundred followers, a few are influencers.
    let followers = rng.pareto(40.0, 0.95).min(25_000_000.0) as u64;
    Customer {
        n,
        first,
        last,
        slug: format!("{}{}{}", slug(first), slug(last), n % 1000),
        followers,
        lang,
    }
}

impl Customer {
    fn email(&self) -> String {
        format!("{}.{}@example.com", self.slug, self.n)
    }

    fn author(&self, channel: Channel) -> Author {
        let n = self.n;
        let full = format!("{} {}", self.first, self.last);
        let (id, handle, name, followers) = match channel {
            Channel::X => (
                (1_200_000_000u64.wrapping_add(n)).to_string(),
                Some(format!("@{}", self.slug)),
                Some(full),
                Some(self.followers),
            ),
            Channel::Facebook => (
                (100_004_000_000_000u64.wrapping_add(n)).to_string(),
                None,
                Some(full),
                None,
            ),
            Channel::Instagram => (
                (17_841_400_000_000_000u64.wrapping_add(n)).to_string(),
                Some(format!("@{}", self.slug)),
                Some(full),
                Some(self.followers),
            ),
            Channel::Tiktok => (
                (6_900_000_000_000_000_000u64.wrapping_add(n)).to_string(),
                Some(format!("@{}", self.slug)),
                Some(full),
                Some(self.followers.saturating_mul(3)),
            ),
            Channel::Linkedin => (
                format!("urn:li:person:p{n:09x}"),
                None,
                Some(full),
                Some((self.followers / 2).max(1)),
            ),
            Channel::Email => (self.email(), None, Some(full), None),
            Channel::Chat => (
                format!("visitor-{n}"),
                None,
                Some(self.first.to_string()),
                None,
            ),
            Channel::Phone => (format!("caller-{n}"), None, None, None),
            Channel::Review => (
                format!("reviewer-{n}"),
                None,
                Some(format!(
                    "{} {}.",
                    self.first,
                    self.last.chars().next().unwrap_or('X')
                )),
                None,
            ),
        };
        Author {
            id,
            handle,
            name,
            followers,
        }
    }
}

fn message_id(channel: Channel, seq: u64, rng: &mut Rng) -> String {
    match channel {
        Channel::X => 1_850_000_000_000_000_000u64
            .wrapping_add(seq.wrapping_mul(1024))
            .wrapping_add(rng.between(0, 1023))
            .to_string(),
        Channel::Facebook => format!("104000000000001_{}", 900_000_000u64.wrapping_add(seq)),
        Channel::Instagram => format!("ig{seq:012}"),
        Channel::Tiktok => 7_300_000_000_000_000_000u64.wrapping_add(seq).to_string(),
        Channel::Linkedin => format!("urn:li:comment:{seq}"),
        Channel::Email => format!("<{seq}.{:06x}@mail.example.com>", rng.between(0, 0xFF_FFFF)),
        Channel::Chat => format!("chat-{seq}"),
        Channel::Phone => format!("call-{seq}"),
        Channel::Review => format!("rev-{seq}"),
    }
}

/// Builds the messages and events of one conversation.
struct Builder<'a> {
    cfg: &'a Normalized,
    counters: &'a mut Counters,
    out: &'a mut Vec<(OffsetDateTime, Record)>,
    rng: Rng,
    channel: Channel,
    customer: Customer,
    lang: Lang,
    order: String,
    product: &'static str,
    amount: String,
    city: &'static str,
    agent: (&'static str, &'static str),
    days: u32,
    minutes: u32,
}

impl Builder<'_> {
    fn render(&self, template: &str) -> String {
        let email = self.customer.email();
        let agent = capitalise(self.agent.0);
        let slots = Slots {
            order: &self.order,
            product: self.product,
            days: self.days,
            amount: &self.amount,
            city: self.city,
            brand_name: &self.cfg.brand_name,
            agent: &agent,
            first_name: self.customer.first,
            email: &email,
            minutes: self.minutes,
        };
        text::render(template, &slots)
    }

    /// Renders a template picked with the conversation's generator.
    fn say(&mut self, pick: impl FnOnce(&mut Rng) -> &'static str) -> String {
        let template = pick(&mut self.rng);
        self.render(template)
    }

    fn actor(&self) -> String {
        format!("agent:{}", self.agent.0)
    }

    /// Adds a message; returns its id.
    fn message(
        &mut self,
        at: OffsetDateTime,
        inbound: bool,
        visibility: Visibility,
        body: String,
        in_reply_to: Option<String>,
    ) -> String {
        let seq = self.counters.next_message();
        let id = message_id(self.channel, seq, &mut self.rng);
        let social_public = visibility == Visibility::Public && self.channel.is_social();
        let (author, text) = if inbound {
            let author = self.customer.author(self.channel);
            // Public posts on X and Instagram tag the brand.
            let text = if social_public
                && matches!(self.channel, Channel::X | Channel::Instagram)
                && in_reply_to.is_none()
            {
                format!("@{} {body}", self.cfg.brand)
            } else {
                body
            };
            (author, text)
        } else {
            let author = brand_author(self.cfg, self.channel);
            let mut text = body;
            if social_public && let Some(h) = self.customer.author(self.channel).handle {
                text = format!("{h} {text}");
            }
            if self.channel == Channel::X {
                text = format!("{text} ^{}", self.agent.1);
            }
            (author, text)
        };
        let m = InboundMessage {
            channel: self.channel,
            external_id: id.clone(),
            direction: if inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            visibility,
            author,
            brand_account: Some(self.cfg.brand.clone()),
            text,
            created_at: at,
            in_reply_to,
            language: self.cfg.tag_language.then(|| self.lang.code().to_string()),
        };
        self.out.push((at, Record::Message(m)));
        id
    }

    fn lifecycle(
        &mut self,
        at: OffsetDateTime,
        message_id: &str,
        action: LifecycleAction,
        actor: String,
    ) {
        let id = self.counters.event_id();
        self.out.push((
            at,
            Record::Lifecycle(LifecycleEvent {
                id,
                channel: self.channel,
                message_id: message_id.to_string(),
                action,
                actor,
                at,
            }),
        ));
    }

    /// Delay before a brand message: by channel, slower at night (most wait
    /// for the morning shift) and at weekends, faster for influencers.
    fn brand_delay(&mut self, after: OffsetDateTime, first: bool) -> Duration {
        let t = traits(self.channel);
        let mut median = t.first_reply_min * if first { 1.0 } else { 0.5 };
        if self.customer.followers >= 10_000 && self.channel.is_social() {
            median *= 0.4;
        }
        if timeline::is_weekend(after) {
            median *= 1.5;
        }
        let mut minutes = self
            .rng
            .lognormal(median, 0.9)
            .clamp(0.2, 4.0 * 24.0 * 60.0);
        if timeline::is_night(after) && self.channel != Channel::Phone && self.rng.chance(0.85) {
            // Wait for the morning shift at 07:30.
            let mut morning = after.replace_time(time::macros::time!(7:30));
            if morning <= after {
                morning += Duration::days(1);
            }
            let wait = (morning - after).as_seconds_f64() / 60.0;
            minutes = wait + self.rng.lognormal(35.0, 0.6).min(600.0);
        }
        seconds(minutes * 60.0)
    }

    /// Delay before a customer answers the brand.
    fn customer_delay(&mut self, after: OffsetDateTime) -> Duration {
        let mut minutes = self.rng.lognormal(14.0, 1.1).clamp(0.3, 2.0 * 24.0 * 60.0);
        let at = after + seconds(minutes * 60.0);
        if timeline::is_night(at) && at.hour() < 7 && self.rng.chance(0.7) {
            minutes += self.rng.lognormal(6.0 * 60.0, 0.3).min(10.0 * 60.0);
        }
        seconds(minutes * 60.0)
    }
}

fn seconds(s: f64) -> Duration {
    Duration::seconds(s.clamp(1.0, 30.0 * 86_400.0) as i64)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn brand_author(cfg: &Normalized, channel: Channel) -> Author {
    let social = channel.is_social() && channel != Channel::Review;
    Author {
        id: cfg.brand.clone(),
        handle: social.then(|| format!("@{}", cfg.brand)),
        name: Some(format!("{} Support", cfg.brand_name)),
        followers: matches!(channel, Channel::X | Channel::Instagram | Channel::Tiktok)
            .then_some(180_000),
    }
}

fn pick_agent(rng: &mut Rng, lang: Lang) -> (&'static str, &'static str) {
    let speakers: Vec<(&str, &str)> = text::AGENTS
        .iter()
        .filter(|(_, _, langs)| lang == Lang::En || langs.contains(&lang))
        .map(|(n, s, _)| (*n, *s))
        .collect();
    rng.pick(&speakers).unwrap_or(("maria", "MA"))
}

/// Plays out one conversation into `out`; returns the repeat contact it
/// leads to, if any.
pub fn run(
    cfg: &Normalized,
    tl: &Timeline,
    counters: &mut Counters,
    start: Start,
    out: &mut Vec<(OffsetDateTime, Record)>,
) -> Option<Start> {
    let mut rng = Rng::new(mix(&[cfg.seed, 0xC0, start.serial]));
    let t0 = start.at;
    let (customer, topic, channel, reply_to, is_repeat) = match start.repeat {
        Some(r) => (r.customer, r.topic, r.channel, r.reply_to, true),
        None => {
            let customer = new_customer(&mut rng, counters);
            let topic = Topic::ALL[rng.weighted(&tl.topic_weights(t0))];
            let channel = CHANNELS[rng.weighted(&CHANNELS.map(|(_, w)| w))].0;
            (customer, topic, channel, None, false)
        }
    };
    let lang = customer.lang;
    let tr = traits(channel);
    let mut mix3 = topic.sentiment_mix();
    let shift = tl.negativity(t0, topic) + if is_repeat { 0.3 } else { 0.0 };
    mix3[0] += shift;
    let sentiment =
        [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive][rng.weighted(&mix3)];
    let product = rng.pick(text::PRODUCTS).unwrap_or("order");
    let order = format!("#A{}", rng.between(100_000, 999_999));
    let amount = format!("${}.{:02}", rng.between(9, 240), rng.between(0, 99));
    let city = rng.pick(text::CITIES).unwrap_or("Leeds");
    let agent = pick_agent(&mut rng, lang);
    let days = rng.between(2, 14) as u32;
    let minutes = rng.between(20, 95) as u32;
    let mut b = Builder {
        cfg,
        counters,
        out,
        rng,
        channel,
        customer,
        lang,
        order,
        product,
        amount,
        city,
        agent,
        days,
        minutes,
    };

    // The opening post.
    let public = b.rng.chance(tr.public_share);
    let vis0 = if public {
        Visibility::Public
    } else {
        Visibility::Private
    };
    let mut body = b.say(|r| text::opening(r, lang, topic, sentiment));
    if is_repeat {
        body = format!("{}{body}", text::repeat_prefix(&mut b.rng, lang));
    }
    let first = b.message(t0, true, vis0, body, reply_to);
    let influencer = b.customer.followers >= 10_000 && channel.is_social();
    let mut answer_rate = tr.answer_rate;
    if topic == Topic::Praise {
        answer_rate *= 0.6;
    }
    if influencer || is_repeat {
        answer_rate = answer_rate.max(0.97);
    }
    if !b.rng.chance(answer_rate) {
        if b.rng.chance(0.25) {
            let at = t0 + seconds(b.rng.lognormal(3.0 * 3600.0, 0.7));
            let body = b.say(|r| text::nudge(r, lang));
            b.message(at, true, vis0, body, Some(first));
        }
        return None;
    }

    // The brand's first reply, asking public posters to move to DMs when the
    // case needs details.
    let ask_dm = vis0 == Visibility::Public && tr.has_dms && topic.needs_details();
    let mut t = t0 + b.brand_delay(t0, true);
    let first_delay = t - t0;
    let body = b.say(|r| text::first_reply(r, lang, topic, ask_dm));
    let mut last_brand = b.message(t, false, vis0, body, Some(first.clone()));
    let vis = if ask_dm { Visibility::Private } else { vis0 };

    let escalation = {
        let base = match topic {
            Topic::CustomerService | Topic::Refund | Topic::Billing => 0.10,
            Topic::Praise | Topic::ProductQuestion => 0.005,
            _ => 0.05,
        };
        let p = if influencer && sentiment == Sentiment::Negative {
            0.35
        } else {
            base
        };
        let visible = vis0 == Visibility::Public && b.customer.followers >= 2_000;
        b.rng.chance(p).then(|| {
            if influencer || (visible && b.rng.chance(0.5)) {
                "pr"
            } else if b.rng.chance(0.08) {
                "legal"
            } else {
                "tier2"
            }
        })
    };

    let mut turns = [0usize, 1, 2, 3, 4][b.rng.weighted(&[0.35, 0.32, 0.2, 0.1, 0.03])];
    if ask_dm || escalation.is_some() {
        turns = turns.max(1);
    }
    if channel == Channel::Review {
        turns = turns.min(1);
    }
    let mut mood = sentiment;
    for k in 0..turns {
        t += b.customer_delay(t);
        let in_dm_first = k == 0 && ask_dm;
        let body = b.say(|r| text::customer_follow_up(r, lang, mood, in_dm_first));
        // A customer's first private message does not reply to anything.
        let parent = (!in_dm_first).then(|| last_brand.clone());
        let customer_msg = b.message(t, true, vis, body, parent);
        if k == 0
            && let Some(tier) = escalation
        {
            t += seconds(b.rng.lognormal(6.0 * 60.0, 0.8));
            b.lifecycle(
                t,
                &first,
                LifecycleAction::Escalate {
                    tier: tier.to_string(),
                },
                b.actor(),
            );
            let wait_h = match tier {
                "pr" => 0.5,
                "legal" => 30.0,
                _ => 3.0,
            };
            t += seconds(b.rng.lognormal(wait_h * 3600.0, 0.6));
            let body = b.render(text::tier_message(tier));
            b.message(t, false, vis, body, Some(customer_msg.clone()));
        }
        t += b.brand_delay(t, false);
        let template = if k + 1 == turns {
            text::brand_update(&mut b.rng, lang, topic)
        } else {
            text::brand_holding(&mut b.rng, lang)
        };
        let body = b.render(template);
        last_brand = b.message(t, false, vis, body, Some(customer_msg));
        if k == 0 && mood == Sentiment::Negative && b.rng.chance(0.4) {
            mood = Sentiment::Neutral;
        }
    }

    // Satisfaction drives the last words, the surveys and repeat contacts.
    let mut satisfaction = match sentiment {
        Sentiment::Negative => 3.0,
        Sentiment::Neutral => 3.9,
        Sentiment::Positive => 4.6,
    } + b.rng.normal() * 0.6;
    if first_delay > Duration::hours(4) {
        satisfaction -= 0.8;
    }
    if first_delay < Duration::minutes(15) {
        satisfaction += 0.3;
    }
    if escalation.is_some_and(|t| t != "pr") {
        satisfaction -= 0.4;
    }
    if is_repeat {
        satisfaction -= 0.6;
    }

    if !b.rng.chance(0.88) {
        return None; // answered but never resolved
    }
    let happy = satisfaction >= 3.4;
    if turns > 0 && b.rng.chance(0.5) {
        t += b.customer_delay(t);
        let body = b.say(|r| text::customer_reaction(r, lang, happy));
        let reaction = b.message(t, true, vis, body, Some(last_brand.clone()));
        if happy && b.rng.chance(0.5) {
            t += b.brand_delay(t, false);
            let body = b.say(|r| text::brand_closing(r, lang));
            last_brand = b.message(t, false, vis, body, Some(reaction));
        }
    }
    t += seconds(b.rng.lognormal(20.0 * 60.0, 0.8));
    let resolver = if channel == Channel::Chat && b.rng.chance(0.15) {
        "bot:autoclose".to_string()
    } else {
        b.actor()
    };
    b.lifecycle(t, &first, LifecycleAction::Resolve, resolver);

    // Sometimes the fix did not hold and the agent reopens the case.
    if b.rng.chance(0.04) {
        t += seconds(b.rng.lognormal(8.0 * 3600.0, 0.8));
        let body = b.say(|r| text::customer_follow_up(r, lang, Sentiment::Negative, false));
        let back = b.message(t, true, vis, body, Some(last_brand.clone()));
        t += seconds(b.rng.lognormal(15.0 * 60.0, 0.6));
        b.lifecycle(t, &first, LifecycleAction::Reopen, b.actor());
        t += b.brand_delay(t, false);
        let body = b.say(|r| text::brand_update(r, lang, topic));
        last_brand = b.message(t, false, vis, body, Some(back));
        t += seconds(b.rng.lognormal(30.0 * 60.0, 0.6));
        b.lifecycle(t, &first, LifecycleAction::Resolve, b.actor());
        satisfaction -= 0.7;
    }
    let resolved_at = t;

    // Surveys: a quarter answer CSAT, fewer NPS. CSAT answers are
    // J-shaped, as in real surveys: satisfied people mostly give 5, the
    // others lean to 1.
    if b.rng.chance(0.25) {
        let p_satisfied = 1.0 / (1.0 + (-(satisfaction - 2.7) * 1.8).exp());
        let score: u8 = if b.rng.chance(p_satisfied) {
            [5, 4][b.rng.weighted(&[0.72, 0.28])]
        } else {
            [1, 2, 3][b.rng.weighted(&[0.45, 0.25, 0.30])]
        };
        survey(
            &mut b,
            &first,
            resolved_at,
            SurveyKind::Csat,
            score,
            csat_band(score),
        );
    }
    if b.rng.chance(0.08) {
        let score = (satisfaction * 2.4 - 0.8 + b.rng.normal() * 1.5)
            .round()
            .clamp(0.0, 10.0) as u8;
        let band = match score {
            0..=6 => Sentiment::Negative,
            7..=8 => Sentiment::Neutral,
            _ => Sentiment::Positive,
        };
        survey(&mut b, &first, resolved_at, SurveyKind::Nps, score, band);
    }

    // A repeat contact: the same customer, same topic, within days.
    let p_repeat = match topic {
        Topic::Delivery | Topic::AccountAccess => 0.14,
        Topic::Refund => 0.16,
        Topic::Billing | Topic::CustomerService => 0.12,
        Topic::ProductQuality => 0.10,
        Topic::Outage => 0.05,
        Topic::ProductQuestion => 0.04,
        Topic::Praise => 0.02,
    } * if happy { 0.7 } else { 1.6 };
    if is_repeat || !b.rng.chance(p_repeat) {
        return None;
    }
    let at = resolved_at
        + seconds(
            b.rng
                .lognormal(30.0 * 3600.0, 0.9)
                .clamp(3600.0, 6.0 * 86_400.0),
        );
    let same_channel = b.rng.chance(0.8);
    let channel = if same_channel {
        channel
    } else {
        CHANNELS[b.rng.weighted(&CHANNELS.map(|(_, w)| w))].0
    };
    let reply_to =
        (same_channel && vis == Visibility::Public && b.rng.chance(0.5)).then_some(last_brand);
    Some(Start {
        at,
        serial: b.counters.next_serial(),
        repeat: Some(Repeat {
            customer: b.customer.clone(),
            topic,
            channel,
            reply_to,
        }),
    })
}

fn csat_band(score: u8) -> Sentiment {
    match score {
        0..=2 => Sentiment::Negative,
        3 => Sentiment::Neutral,
        _ => Sentiment::Positive,
    }
}

fn survey(
    b: &mut Builder<'_>,
    message_id: &str,
    resolved_at: OffsetDateTime,
    kind: SurveyKind,
    score: u8,
    band: Sentiment,
) {
    let at = resolved_at + seconds(b.rng.lognormal(40.0 * 60.0, 1.0).min(2.0 * 86_400.0));
    let comment = b.rng.chance(0.4).then(|| {
        let lang = b.lang;
        b.say(|r| text::survey_comment(r, lang, band))
    });
    let id = b.counters.survey_id(kind);
    b.out.push((
        at,
        Record::Survey(SurveyAnswer {
            id,
            channel: b.channel,
            message_id: message_id.to_string(),
            kind,
            score,
            comment,
            at,
        }),
    ));
}

/// One unprompted feedback comment at `at`.
pub fn feedback(
    tl: &Timeline,
    counters: &mut Counters,
    rng: &mut Rng,
    at: OffsetDateTime,
) -> Record {
    let customer = new_customer(rng, counters);
    let channel = [
        Channel::Review,
        Channel::Facebook,
        Channel::Instagram,
        Channel::X,
    ][rng.weighted(&[0.7, 0.1, 0.1, 0.1])];
    let texts = tl.feedback_texts(at);
    let weights: Vec<f64> = texts.iter().map(|(_, w)| *w).collect();
    let phrase = texts
        .get(rng.weighted(&weights))
        .map_or("great service", |(t, _)| t);
    let wrapper = rng.pick(text::FEEDBACK_WRAPPERS).unwrap_or("{x}");
    let text = wrapper.replace("{x}", phrase).trim().to_string();
    Record::Feedback(Feedback {
        id: counters.feedback_id(),
        channel,
        author: customer.author(channel),
        text,
        at,
    })
}
