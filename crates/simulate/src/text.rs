//! Text templates, written for this simulator. A template holds `{slots}`
//! filled by [`render`]; a slot it does not know is left as written.

use crate::rng::Rng;

/// What a customer writes about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Delivery,
    Billing,
    AccountAccess,
    ProductQuality,
    CustomerService,
    Outage,
    Refund,
    ProductQuestion,
    Praise,
}

impl Topic {
    pub const ALL: [Topic; 9] = [
        Topic::Delivery,
        Topic::Billing,
        Topic::AccountAccess,
        Topic::ProductQuality,
        Topic::CustomerService,
        Topic::Outage,
        Topic::Refund,
        Topic::ProductQuestion,
        Topic::Praise,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Delivery => "delivery",
            Topic::Billing => "billing",
            Topic::AccountAccess => "account_access",
            Topic::ProductQuality => "product_quality",
            Topic::CustomerService => "customer_service",
            Topic::Outage => "outage",
            Topic::Refund => "refund",
            Topic::ProductQuestion => "product_question",
            Topic::Praise => "praise",
        }
    }

    /// Share of conversations, before timeline effects.
    pub fn base_weight(self) -> f64 {
        match self {
            Topic::Delivery => 22.0,
            Topic::Billing => 12.0,
            Topic::AccountAccess => 10.0,
            Topic::ProductQuality => 13.0,
            Topic::CustomerService => 9.0,
            Topic::Outage => 1.5,
            Topic::Refund => 10.0,
            Topic::ProductQuestion => 14.0,
            Topic::Praise => 8.0,
        }
    }

    /// Chances of a negative, neutral and positive opening message.
    pub fn sentiment_mix(self) -> [f64; 3] {
        match self {
            Topic::Delivery => [0.6, 0.35, 0.05],
            Topic::Billing => [0.6, 0.37, 0.03],
            Topic::AccountAccess => [0.55, 0.42, 0.03],
            Topic::ProductQuality => [0.7, 0.25, 0.05],
            Topic::CustomerService => [0.8, 0.15, 0.05],
            Topic::Outage => [0.75, 0.25, 0.0],
            Topic::Refund => [0.65, 0.33, 0.02],
            Topic::ProductQuestion => [0.05, 0.85, 0.10],
            Topic::Praise => [0.0, 0.1, 0.9],
        }
    }

    /// Whether the brand asks a public poster to move to private messages
    /// (the case needs an order number or account details).
    pub fn needs_details(self) -> bool {
        matches!(
            self,
            Topic::Delivery
                | Topic::Billing
                | Topic::AccountAccess
                | Topic::ProductQuality
                | Topic::Refund
                | Topic::CustomerService
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Es,
    Fr,
    De,
    Pt,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::Pt => "pt",
        }
    }
}

/// Values for the slots of one conversation.
#[derive(Debug, Clone)]
pub struct Slots<'a> {
    pub order: &'a str,
    pub product: &'a str,
    pub days: u32,
    pub amount: &'a str,
    pub city: &'a str,
    pub brand_name: &'a str,
    pub agent: &'a str,
    pub first_name: &'a str,
    pub email: &'a str,
    pub minutes: u32,
}

/// Fills the `{slots}` of a template.
pub fn render(template: &str, s: &Slots<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        match key {
            "order" => out.push_str(s.order),
            "product" => out.push_str(s.product),
            "days" => out.push_str(&s.days.to_string()),
            "amount" => out.push_str(s.amount),
            "city" => out.push_str(s.city),
            "brand_name" => out.push_str(s.brand_name),
            "agent" => out.push_str(s.agent),
            "first" => out.push_str(s.first_name),
            "email" => out.push_str(s.email),
            "minutes" => out.push_str(&s.minutes.to_string()),
            _ => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

pub const PRODUCTS: &[&str] = &[
    "wireless earbuds",
    "standing desk",
    "coffee machine",
    "running shoes",
    "air fryer",
    "backpack",
    "smart watch",
    "robot vacuum",
    "desk lamp",
    "winter jacket",
];

pub const CITIES: &[&str] = &[
    "Leeds", "Austin", "Dublin", "Valencia", "Lyon", "Porto", "Munich", "Toronto", "Glasgow",
    "Denver",
];

pub const FIRST_NAMES: &[&str] = &[
    "Ann", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam",
    "Mei", "Nadia", "Owen", "Paula", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen",
    "Yara", "Zoe", "Carlos", "Lucía", "Jean", "Camille", "Jonas", "Lena", "João", "Beatriz",
    "Marta", "Pierre", "Sven", "Aoife", "Raj", "Noor", "Tom",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith", "Garcia", "Müller", "Dubois", "Silva", "Okafor", "Nguyen", "Kowalski", "Rossi",
    "Brown", "Martín", "Lefèvre", "Schmidt", "Costa", "Patel", "Murphy", "Kim", "Jensen", "Lopez",
    "Walsh", "Bauer", "Moreau", "Santos", "Hughes", "Ito",
];

/// `(name, signature initials, languages spoken besides English)`.
pub const AGENTS: &[(&str, &str, &[Lang])] = &[
    ("maria", "MA", &[Lang::Es, Lang::Pt]),
    ("james", "JW", &[]),
    ("aisha", "AB", &[Lang::Fr]),
    ("tom", "TK", &[]),
    ("lucia", "LR", &[Lang::Es]),
    ("kenji", "KS", &[]),
    ("sofia", "SP", &[Lang::Fr, Lang::Es]),
    ("david", "DO", &[]),
    ("priya", "PN", &[]),
    ("lukas", "LH", &[Lang::De]),
    ("ana", "AC", &[Lang::Pt, Lang::Es]),
    ("omar", "OF", &[Lang::Fr, Lang::De]),
];

/// Opening messages: `(topic, sentiment)` → templates, English.
fn opening_en(topic: Topic, sentiment: Sentiment) -> &'static [&'static str] {
    use Sentiment::*;
    use Topic::*;
    match (topic, sentiment) {
        (Delivery, Negative) => &[
            "my order {order} was supposed to arrive {days} days ago and tracking hasn't moved. where is it?",
            "third time asking: where is my parcel?? order {order}",
            "courier says delivered but there's nothing at my door. order {order}. this is ridiculous",
            "paid for express shipping and it's been {days} days. never again",
            "the driver left my {product} in the rain, box completely soaked",
            "why has tracking said 'exception' for {days} days with no update?",
            "still no sign of my {product}. {days} days late and no email, nothing",
        ],
        (Delivery, Neutral) => &[
            "hi, can you tell me when order {order} will be delivered?",
            "is there a way to change the delivery address on {order}?",
            "tracking shows 'in transit' for {days} days now, is that normal?",
            "do you deliver on weekends to {city}?",
        ],
        (Delivery, Positive) => &[
            "parcel arrived a day early, thanks!",
            "the driver was super helpful today, thank you",
        ],
        (Billing, Negative) => &[
            "I was charged twice for order {order}. fix this now",
            "why did my subscription renew without any notice? {amount} gone",
            "you charged me {amount} for something I cancelled last month",
            "hidden fees at checkout again. not impressed",
            "my card was charged {amount} but the order shows as failed??",
        ],
        (Billing, Neutral) => &[
            "question about my invoice for {order}, the VAT looks off",
            "how do I update the card on my account?",
            "can I get a copy of the invoice for {order}?",
        ],
        (Billing, Positive) => &["thanks for sorting out the double charge so fast"],
        (AccountAccess, Negative) => &[
            "can't log in since the update, it keeps saying session expired",
            "the app keeps logging me out every few minutes",
            "password reset email never arrives. locked out of my account",
            "the 2FA code never comes through, I can't get into my account",
            "logged out again and now it says my account doesn't exist?!",
        ],
        (AccountAccess, Neutral) => &[
            "how do I change the email address on my account?",
            "is there a way to log in without the app?",
            "do I need a new password after the app update?",
        ],
        (AccountAccess, Positive) => &["the reset worked, I'm back in. thanks!"],
        (ProductQuality, Negative) => &[
            "my {product} stopped working after {days} days. really poor quality",
            "the {product} arrived with a cracked casing",
            "the {product} smells like burning plastic when I switch it on. is this safe?",
            "second {product} in a month that broke. what is going on with your quality?",
            "the zip on my {product} broke the first time I used it",
        ],
        (ProductQuality, Neutral) => &[
            "my {product} makes a clicking noise, is that expected?",
            "is there a firmware update for the {product}?",
            "what does the warranty on the {product} cover?",
        ],
        (ProductQuality, Positive) => &[
            "the {product} is honestly great, best purchase this year",
            "six months in and the {product} still works like new",
        ],
        (CustomerService, Negative) => &[
            "been on hold for {minutes} minutes and still nobody. awful service",
            "your agent hung up on me. twice.",
            "nobody answers emails or DMs. does anyone work there?",
            "every time I call I get a different answer. so frustrating",
            "the chat bot keeps sending me in circles. I want a human",
        ],
        (CustomerService, Neutral) => &[
            "what are your support hours this weekend?",
            "is there a phone number I can call instead of the chat?",
        ],
        (CustomerService, Positive) => {
            &["shoutout to {agent} from support, sorted my problem in 5 minutes"]
        }
        (Outage, Negative) => &[
            "is the site down? checkout keeps failing",
            "the app won't load at all. error 503",
            "the payment page just spins forever. is something broken?",
            "can't place any order right now, what's going on??",
        ],
        (Outage, Neutral | Positive) => &[
            "is there an outage? the app shows an error",
            "anyone else getting errors at checkout?",
        ],
        (Refund, Negative) => &[
            "returned my {product} {days} days ago and still no refund",
            "you promised a refund in 5 days. it's been {days}. where is my money?",
            "the return label never arrived so I can't even send it back",
            "refund refused for a faulty {product}?? unbelievable",
            "14 days to return now? that's a joke, I was away when it arrived",
        ],
        (Refund, Neutral) => &[
            "how long do refunds usually take to show up?",
            "can I return an item I bought on sale?",
            "what's the return window for the {product}?",
        ],
        (Refund, Positive) => &["the refund came through already, that was quick, thanks"],
        (ProductQuestion, Negative) => &["why is the {product} out of stock again?"],
        (ProductQuestion, Neutral) => &[
            "does the {product} come in other colours?",
            "is the {product} compatible with older models?",
            "when will the {product} be back in stock?",
            "do you ship to {city}?",
            "is there a student discount?",
        ],
        (ProductQuestion, Positive) => {
            &["just got the {product}, loving it. does it work with the app?"]
        }
        (Praise, Negative | Neutral) => &["the new app design is ok I guess"],
        (Praise, Positive) => &[
            "just want to say the new {product} is amazing",
            "best customer service I've had in years, thank you {brand_name}!",
            "ordered last night, arrived this morning. impressive",
            "love the new dark mode in the app",
            "{agent} from your team was so kind today, thank you",
        ],
    }
}

/// Opening messages in the other languages: negative then neutral; the
/// positive ones are shared across topics.
fn opening_other(lang: Lang, topic: Topic) -> [&'static str; 2] {
    use Topic::*;
    match (lang, topic) {
        (Lang::Es, Delivery) => [
            "mi pedido {order} lleva {days} días de retraso y nadie me responde",
            "¿cuándo llegará mi pedido {order}?",
        ],
        (Lang::Es, Billing) => [
            "me cobraron dos veces el pedido {order}. ¡quiero una solución ya!",
            "¿cómo cambio la tarjeta de mi cuenta?",
        ],
        (Lang::Es, AccountAccess) => [
            "no puedo entrar en mi cuenta desde la actualización",
            "¿cómo cambio el correo de mi cuenta?",
        ],
        (Lang::Es, ProductQuality) => [
            "el producto llegó roto y nadie me ayuda",
            "¿qué cubre la garantía?",
        ],
        (Lang::Es, CustomerService) => [
            "llevo {minutes} minutos esperando al teléfono. pésimo servicio",
            "¿cuál es el horario de atención al cliente?",
        ],
        (Lang::Es, Outage) => [
            "¿la web está caída? no puedo pagar",
            "¿hay algún problema con la app?",
        ],
        (Lang::Es, Refund) => [
            "devolví el pedido hace {days} días y todavía no tengo el reembolso",
            "¿cuánto tarda un reembolso?",
        ],
        (Lang::Es, ProductQuestion | Praise) => [
            "otra vez sin stock... qué decepción",
            "¿hacen envíos a {city}?",
        ],
        (Lang::Fr, Delivery) => [
            "ma commande {order} a {days} jours de retard et personne ne répond",
            "quand ma commande {order} sera-t-elle livrée ?",
        ],
        (Lang::Fr, Billing) => [
            "j'ai été débité deux fois pour la commande {order}, c'est inadmissible",
            "comment modifier la carte bancaire de mon compte ?",
        ],
        (Lang::Fr, AccountAccess) => [
            "impossible de me connecter depuis la mise à jour",
            "comment changer l'adresse e-mail de mon compte ?",
        ],
        (Lang::Fr, ProductQuality) => [
            "le produit est arrivé cassé, très déçu",
            "que couvre la garantie ?",
        ],
        (Lang::Fr, CustomerService) => [
            "{minutes} minutes d'attente au téléphone, service client lamentable",
            "quels sont vos horaires ce week-end ?",
        ],
        (Lang::Fr, Outage) => [
            "le site est en panne ? impossible de payer",
            "il y a un problème avec l'application ?",
        ],
        (Lang::Fr, Refund) => [
            "j'ai renvoyé ma commande il y a {days} jours et toujours pas de remboursement",
            "combien de temps prend un remboursement ?",
        ],
        (Lang::Fr, ProductQuestion | Praise) => [
            "encore en rupture de stock, dommage",
            "vous livrez à {city} ?",
        ],
        (Lang::De, Delivery) => [
            "meine Bestellung {order} ist seit {days} Tagen überfällig und keiner antwortet",
            "wann wird meine Bestellung {order} geliefert?",
        ],
        (Lang::De, Billing) => [
            "mir wurde die Bestellung {order} doppelt abgebucht. Bitte sofort korrigieren",
            "wie ändere ich die Karte in meinem Konto?",
        ],
        (Lang::De, AccountAccess) => [
            "seit dem Update kann ich mich nicht mehr anmelden",
            "wie ändere ich die E-Mail-Adresse meines Kontos?",
        ],
        (Lang::De, ProductQuality) => [
            "das Gerät ist nach {days} Tagen kaputt gegangen, echt schlechte Qualität",
            "was deckt die Garantie ab?",
        ],
        (Lang::De, CustomerService) => [
            "seit {minutes} Minuten in der Warteschleife, unmöglicher Kundenservice",
            "wann ist der Kundenservice am Wochenende erreichbar?",
        ],
        (Lang::De, Outage) => [
            "ist die Seite down? ich kann nicht bezahlen",
            "gibt es gerade eine Störung in der App?",
        ],
        (Lang::De, Refund) => [
            "Rücksendung vor {days} Tagen und immer noch keine Erstattung",
            "wie lange dauert eine Erstattung?",
        ],
        (Lang::De, ProductQuestion | Praise) => [
            "schon wieder ausverkauft, schade",
            "liefert ihr auch nach {city}?",
        ],
        (Lang::Pt, Delivery) => [
            "a minha encomenda {order} está {days} dias atrasada e ninguém responde",
            "quando chega a minha encomenda {order}?",
        ],
        (Lang::Pt, Billing) => [
            "fui cobrado duas vezes pela encomenda {order}, resolvam isto já",
            "como altero o cartão da minha conta?",
        ],
        (Lang::Pt, AccountAccess) => [
            "não consigo entrar na minha conta desde a atualização",
            "como mudo o email da minha conta?",
        ],
        (Lang::Pt, ProductQuality) => [
            "o produto chegou partido, que desilusão",
            "o que cobre a garantia?",
        ],
        (Lang::Pt, CustomerService) => [
            "estou há {minutes} minutos à espera ao telefone. péssimo atendimento",
            "qual é o horário do apoio ao cliente?",
        ],
        (Lang::Pt, Outage) => [
            "o site está em baixo? não consigo pagar",
            "há algum problema com a app?",
        ],
        (Lang::Pt, Refund) => [
            "devolvi a encomenda há {days} dias e ainda não tenho o reembolso",
            "quanto tempo demora um reembolso?",
        ],
        (Lang::Pt, ProductQuestion | Praise) => [
            "outra vez esgotado... que pena",
            "fazem entregas para {city}?",
        ],
        (Lang::En, t) => {
            let neg = opening_en(t, Sentiment::Negative);
            let neu = opening_en(t, Sentiment::Neutral);
            [
                neg.first().copied().unwrap_or(""),
                neu.first().copied().unwrap_or(""),
            ]
        }
    }
}

fn positive_other(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Es => &[
            "¡muchas gracias por la ayuda, todo resuelto!",
            "me encanta, llegó antes de lo previsto",
        ],
        Lang::Fr => &[
            "merci beaucoup pour votre aide, tout est réglé !",
            "livré en avance, super service",
        ],
        Lang::De => &[
            "vielen Dank für die schnelle Hilfe!",
            "schon heute geliefert, super Service",
        ],
        Lang::Pt => &[
            "muito obrigado pela ajuda, tudo resolvido!",
            "chegou antes do previsto, adorei",
        ],
        Lang::En => &["thanks, great service!"],
    }
}

/// The first message of a conversation.
pub fn opening(rng: &mut Rng, lang: Lang, topic: Topic, sentiment: Sentiment) -> &'static str {
    match lang {
        Lang::En => {
            let list = opening_en(topic, sentiment);
            rng.pick(list).unwrap_or("hi")
        }
        other => match sentiment {
            Sentiment::Negative => opening_other(other, topic)[0],
            Sentiment::Neutral => opening_other(other, topic)[1],
            Sentiment::Positive => rng.pick(positive_other(other)).unwrap_or("gracias"),
        },
    }
}

/// What a customer writes when coming back about the same problem.
pub fn repeat_prefix(rng: &mut Rng, lang: Lang) -> &'static str {
    let list: &[&str] = match lang {
        Lang::En => &[
            "This is the second time I'm contacting you about this. ",
            "Following up again: ",
            "Back again, the problem is NOT fixed. ",
            "Same issue as last week. ",
        ],
        Lang::Es => &["Es la segunda vez que escribo por esto. "],
        Lang::Fr => &["Je vous recontacte pour le même problème. "],
        Lang::De => &["Ich melde mich erneut wegen desselben Problems. "],
        Lang::Pt => &["É a segunda vez que contacto por isto. "],
    };
    rng.pick(list).unwrap_or("")
}

/// The brand's first reply.
pub fn first_reply(rng: &mut Rng, lang: Lang, topic: Topic, ask_dm: bool) -> &'static str {
    if ask_dm {
        let list: &[&str] = match lang {
            Lang::En => &[
                "Sorry to hear that! Please send us a DM with your order number and we'll look into it right away.",
                "We're sorry about this. Could you DM us your account email so we can check?",
                "That's not the experience we want for you. Send us a private message and we'll sort it out.",
            ],
            Lang::Es => {
                &["Sentimos las molestias. ¿Nos envías un mensaje privado con tu número de pedido?"]
            }
            Lang::Fr => &[
                "Désolés pour ce désagrément. Pouvez-vous nous envoyer un message privé avec votre numéro de commande ?",
            ],
            Lang::De => &[
                "Das tut uns leid! Schick uns bitte eine Direktnachricht mit deiner Bestellnummer.",
            ],
            Lang::Pt => &[
                "Lamentamos o incómodo. Pode enviar-nos uma mensagem privada com o número da encomenda?",
            ],
        };
        return rng.pick(list).unwrap_or("");
    }
    match (lang, topic) {
        (Lang::En, Topic::Outage) => {
            "We're aware of an issue affecting checkout and the app, and our team is working on a fix. Thanks for your patience."
        }
        (Lang::En, Topic::Praise) => rng
            .pick(&[
                "Thank you so much, that made our day!",
                "We love to hear this, thanks for sharing!",
            ])
            .unwrap_or(""),
        (Lang::En, Topic::ProductQuestion) => rng
            .pick(&[
                "Great question! Yes, the {product} comes in black, sand and sage.",
                "It's back in stock next week, we'll post an update when it is.",
                "Yes, we ship to {city}: standard delivery takes 2-4 working days.",
            ])
            .unwrap_or(""),
        (Lang::En, _) => rng
            .pick(&[
                "Hi {first}, thanks for getting in touch and sorry about the trouble. Let me check this for you.",
                "Hi {first}, I'm sorry about this. I'm looking into it now.",
            ])
            .unwrap_or(""),
        (Lang::Es, _) => "Hola {first}, gracias por escribirnos. Lo revisamos ahora mismo.",
        (Lang::Fr, _) => "Bonjour {first}, merci de nous avoir contactés. Nous regardons cela tout de suite.",
        (Lang::De, _) => "Hallo {first}, danke für deine Nachricht. Wir schauen uns das sofort an.",
        (Lang::Pt, _) => "Olá {first}, obrigado pelo contacto. Vamos verificar já.",
    }
}

/// A brand message that moves the case forward (often the fix).
pub fn brand_update(rng: &mut Rng, lang: Lang, topic: Topic) -> &'static str {
    match lang {
        Lang::En => {
            let list: &[&str] = match topic {
                Topic::Delivery => &[
                    "I've checked with the courier: your parcel is out for delivery today. If it hasn't arrived by 8pm let us know.",
                    "I've arranged a free replacement, it ships today with next-day delivery.",
                ],
                Topic::Billing => &[
                    "I can see the duplicate charge and I've refunded {amount}; it will show within 3-5 working days.",
                    "I've cancelled the renewal and refunded {amount}.",
                ],
                Topic::AccountAccess => &[
                    "I've reset your session. Please update the app to the latest version and log in again.",
                    "I've sent a new reset link to {email}; it's valid for 24 hours.",
                ],
                Topic::ProductQuality => &[
                    "I've set up a free replacement for your {product}; a return label is on its way by email.",
                    "Sorry about that! A replacement {product} ships today.",
                ],
                Topic::CustomerService => &[
                    "I'm sorry about the wait. I've added a note to your account and I'll handle this personally from here.",
                ],
                Topic::Outage => {
                    &["The issue is fixed now and checkout works again. Sorry for the disruption!"]
                }
                Topic::Refund => &[
                    "Your refund of {amount} was processed today; banks take 3-5 working days.",
                    "I've emailed you a new return label and flagged the refund as urgent.",
                ],
                Topic::ProductQuestion => &["It's compatible with all models since 2021."],
                Topic::Praise => &["Thanks again, we've passed this on to the team!"],
            };
            rng.pick(list).unwrap_or("")
        }
        Lang::Es => "Ya lo hemos revisado y está solucionado. ¡Gracias por tu paciencia!",
        Lang::Fr => "C'est réglé de notre côté. Merci pour votre patience !",
        Lang::De => "Wir haben das geprüft und erledigt. Danke für deine Geduld!",
        Lang::Pt => "Já verificámos e está resolvido. Obrigado pela paciência!",
    }
}

/// A brand message while the case is being worked on.
pub fn brand_holding(rng: &mut Rng, lang: Lang) -> &'static str {
    match lang {
        Lang::En => rng
            .pick(&[
                "Thanks {first}! I've passed this to the team and will update you shortly.",
                "Got it, thanks. Give me a moment to check the details.",
                "Thanks for your patience, I'm still on it.",
            ])
            .unwrap_or(""),
        Lang::Es => "¡Gracias! Lo estamos revisando y te avisamos enseguida.",
        Lang::Fr => "Merci ! Nous vérifions et revenons vers vous rapidement.",
        Lang::De => "Danke! Wir prüfen das und melden uns gleich.",
        Lang::Pt => "Obrigado! Estamos a verificar e já damos notícias.",
    }
}

pub fn brand_closing(rng: &mut Rng, lang: Lang) -> &'static str {
    match lang {
        Lang::En => rng
            .pick(&[
                "Glad we could help! Have a great day.",
                "You're welcome! Anything else, just message us.",
                "Happy to help, enjoy your {product}!",
            ])
            .unwrap_or(""),
        Lang::Es => "¡Un placer ayudarte! Que tengas un buen día.",
        Lang::Fr => "Avec plaisir ! Bonne journée.",
        Lang::De => "Gern geschehen! Einen schönen Tag noch.",
        Lang::Pt => "Sempre às ordens! Bom dia.",
    }
}

/// A customer message in the middle of a conversation.
pub fn customer_follow_up(rng: &mut Rng, lang: Lang, mood: Sentiment, in_dm: bool) -> &'static str {
    let list: &[&str] = match (lang, mood, in_dm) {
        (Lang::En, _, true) => &[
            "Hi, here is my order number: {order}",
            "DM'ing you now. Order {order}",
            "my account email is {email}",
            "Hello, it's about order {order}, see my post",
        ],
        (Lang::En, Sentiment::Negative, false) => &[
            "still waiting for an answer...",
            "that doesn't solve anything",
            "so what happens now?",
        ],
        (Lang::En, _, false) => &["ok, thanks. when will I hear back?", "sure, thanks"],
        (Lang::Es, _, _) => &[
            "te mandé un mensaje privado, pedido {order}",
            "¿alguna novedad?",
        ],
        (Lang::Fr, _, _) => &[
            "je vous ai envoyé un message privé, commande {order}",
            "des nouvelles ?",
        ],
        (Lang::De, _, _) => &[
            "habe euch eine Nachricht geschickt, Bestellung {order}",
            "gibt es Neuigkeiten?",
        ],
        (Lang::Pt, _, _) => &[
            "enviei mensagem privada, encomenda {order}",
            "alguma novidade?",
        ],
    };
    rng.pick(list).unwrap_or("")
}

/// The customer's last word after the brand's fix.
pub fn customer_reaction(rng: &mut Rng, lang: Lang, happy: bool) -> &'static str {
    let list: &[&str] = match (lang, happy) {
        (Lang::En, true) => &[
            "thanks, that worked!",
            "great, thank you so much",
            "perfect, thanks {agent}",
        ],
        (Lang::En, false) => &[
            "fine. not impressed though",
            "we'll see. third time lucky I guess",
        ],
        (Lang::Es, true) => &["¡gracias, todo bien!"],
        (Lang::Es, false) => &["vale... ya veremos"],
        (Lang::Fr, true) => &["merci, c'est bon !"],
        (Lang::Fr, false) => &["bon... on verra"],
        (Lang::De, true) => &["danke, hat geklappt!"],
        (Lang::De, false) => &["na ja, mal sehen"],
        (Lang::Pt, true) => &["obrigado, já está!"],
        (Lang::Pt, false) => &["ok... vamos ver"],
    };
    rng.pick(list).unwrap_or("")
}

/// A nudge from a customer who got no answer.
pub fn nudge(rng: &mut Rng, lang: Lang) -> &'static str {
    match lang {
        Lang::En => rng
            .pick(&[
                "hello?? anyone?",
                "still no reply. great.",
                "is anyone there?",
            ])
            .unwrap_or(""),
        Lang::Es => "¿hola? ¿alguien?",
        Lang::Fr => "allô ? quelqu'un ?",
        Lang::De => "hallo? jemand da?",
        Lang::Pt => "olá? alguém?",
    }
}

/// A message from an escalation tier's specialist.
pub fn tier_message(tier: &str) -> &'static str {
    match tier {
        "pr" => {
            "Hi {first}, I lead our social care team. I'm sorry for how this was handled; I'm taking this over personally."
        }
        "legal" => {
            "Hi {first}, your case has been passed to our legal and compliance team, who will contact you by email within 2 working days."
        }
        _ => {
            "Hi {first}, I'm from our specialist team. I've reviewed your case and I'm working on it now."
        }
    }
}

/// An optional comment on a survey answer, by satisfaction band.
pub fn survey_comment(rng: &mut Rng, lang: Lang, band: Sentiment) -> &'static str {
    let list: &[&str] = match (lang, band) {
        (Lang::En, Sentiment::Negative) => &[
            "took forever to get a real answer",
            "issue still not fixed",
            "had to explain everything three times",
            "the bot was useless",
        ],
        (Lang::En, Sentiment::Neutral) => &["ok in the end, but slow", "fine"],
        (Lang::En, Sentiment::Positive) => &[
            "quick and friendly",
            "{agent} was great",
            "fast answer, problem solved",
            "really helpful, thanks",
        ],
        (Lang::Es, Sentiment::Positive) => &["rápido y amable"],
        (Lang::Es, _) => &["demasiado lento"],
        (Lang::Fr, Sentiment::Positive) => &["rapide et efficace"],
        (Lang::Fr, _) => &["beaucoup trop lent"],
        (Lang::De, Sentiment::Positive) => &["schnell und freundlich"],
        (Lang::De, _) => &["viel zu langsam"],
        (Lang::Pt, Sentiment::Positive) => &["rápido e simpático"],
        (Lang::Pt, _) => &["demorou demasiado"],
    };
    rng.pick(list).unwrap_or("")
}

/// Unprompted feedback (app reviews, community posts). The first entries
/// are the phrases the timeline can make recur.
pub const FEEDBACK_LOGOUT: &str = "the app keeps logging me out since the last update";
pub const FEEDBACK_RETURNS: &str = "the new 14 day return window is way too short";
pub const FEEDBACK_COURIER: &str =
    "the new courier never rings the bell, parcels end up at the depot";
pub const FEEDBACK_GENERAL: &[&str] = &[
    "love the new dark mode",
    "checkout is fast and easy",
    "delivery tracking never updates",
    "customer service is impossible to reach by phone",
    "prices went up again",
    "great quality for the price",
    "the search never finds what I'm looking for",
    "the return label never arrives by email",
    "wish there was a wishlist feature",
    "app is slow on older phones",
    "support chat solved my issue quickly",
    "too many marketing emails",
    "la app va muy lenta",
    "l'application plante au paiement",
    "die App stürzt beim Bezahlen ab",
];
pub const FEEDBACK_WRAPPERS: &[&str] = &["{x}", "{x}.", "Honestly, {x}.", "{x}!!", "Review: {x}"];

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Slots<'static> {
        Slots {
            order: "#A123",
            product: "air fryer",
            days: 4,
            amount: "$12.00",
            city: "Leeds",
            brand_name: "Acme",
            agent: "Maria",
            first_name: "Ann",
            email: "ann@example.com",
            minutes: 40,
        }
    }

    #[test]
    fn render_fills_known_slots_and_keeps_others() {
        assert_eq!(
            render(
                "order {order}: {product} {days}d {amount} {unknown} {",
                &slots()
            ),
            "order #A123: air fryer 4d $12.00 {unknown} {"
        );
    }

    #[test]
    fn every_template_renders_without_leftover_known_slots() {
        let mut rng = Rng::new(1);
        for topic in Topic::ALL {
            for lang in [Lang::En, Lang::Es, Lang::Fr, Lang::De, Lang::Pt] {
                for s in [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive] {
                    for _ in 0..20 {
                        for t in [
                            opening(&mut rng, lang, topic, s),
                            first_reply(&mut rng, lang, topic, true),
                            first_reply(&mut rng, lang, topic, false),
                            brand_update(&mut rng, lang, topic),
                            customer_follow_up(&mut rng, lang, s, true),
                            survey_comment(&mut rng, lang, s),
                        ] {
                            let text = render(t, &slots());
                            assert!(!text.trim().is_empty(), "{topic:?} {lang:?} {s:?}");
                            assert!(!text.contains('{'), "{text}");
                        }
                    }
                }
            }
        }
    }
}
