//! Where a message came from and which way it went.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every source Earshot hears. `email`, `chat` and `phone` are non-social
/// channels kept so that blended metrics (e.g. blended FCR) can be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    X,
    Facebook,
    Instagram,
    Tiktok,
    Linkedin,
    Email,
    Chat,
    Phone,
    Review,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::X,
        Channel::Facebook,
        Channel::Instagram,
        Channel::Tiktok,
        Channel::Linkedin,
        Channel::Email,
        Channel::Chat,
        Channel::Phone,
        Channel::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::X => "x",
            Channel::Facebook => "facebook",
            Channel::Instagram => "instagram",
            Channel::Tiktok => "tiktok",
            Channel::Linkedin => "linkedin",
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Phone => "phone",
            Channel::Review => "review",
        }
    }

    /// Social channels are public networks and review sites; the rest are
    /// the traditional channels that only count towards blended figures.
    pub fn is_social(self) -> bool {
        !matches!(self, Channel::Email | Channel::Chat | Channel::Phone)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{value}' (expected one of: {expected})")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl FromStr for Channel {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == lower)
            .or(match lower.as_str() {
                "twitter" => Some(Channel::X),
                _ => None,
            })
            .ok_or_else(|| UnknownVariant {
                kind: "channel",
                value: s.to_string(),
                expected: "x, facebook, instagram, tiktok, linkedin, email, chat, phone, review",
            })
    }
}

/// Public posts and comments versus private/direct messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

impl FromStr for Visibility {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Visibility::Public),
            "private" => Ok(Visibility::Private),
            _ => Err(UnknownVariant {
                kind: "visibility",
                value: s.to_string(),
                expected: "public, private",
            }),
        }
    }
}

/// Inbound: from a customer. Outbound: from the brand (an agent or a bot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            _ => Err(UnknownVariant {
                kind: "direction",
                value: s.to_string(),
                expected: "inbound, outbound",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_round_trips_and_rejects_unknown() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        }
        assert_eq!("Twitter".parse::<Channel>(), Ok(Channel::X));
        let err = "myspace".parse::<Channel>().unwrap_err();
        assert!(err.to_string().contains("myspace"));
    }

    #[test]
    fn social_channels() {
        assert!(Channel::X.is_social());
        assert!(Channel::Review.is_social());
        assert!(!Channel::Email.is_social());
        assert!(!Channel::Phone.is_social());
    }
}
