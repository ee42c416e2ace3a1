//! Error policy of the domain.
//!
//! Every failure a customer can cause is a [`DomainError`]: it names the offending
//! parameter or object in a sentence fit to show the customer, and maps to exactly one
//! stable [`ErrorCode`]. Codes are part of the wire contract (`anveo-api.md` §3): new
//! codes may be added, existing ones are never renamed.

use std::fmt;

/// The stable machine codes of the API, carried at the start of
/// `<ERROR>CODE: sentence</ERROR>` and in the `X-Didhub-Error-Code` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    AuthFailed,
    SignatureInvalid,
    MalformedRequest,
    UnknownAction,
    MissingParameter,
    InvalidParameter,
    AccountNotFound,
    AreaNotFound,
    DidTypeNotOffered,
    RatePlanNotFound,
    NotEnoughStock,
    InsufficientFunds,
    DidNotFound,
    RateLimited,
    /// Storage cannot take writes now (disk full, database gone or unreachable).
    ServiceUnavailable,
    InternalError,
    CountryNotFound,
    StateNotFound,
    /// The v1 gateway's `action=sms` on a server with no SMS gateway configured.
    SmsNotConfigured,
    /// The first request with an idempotency key was cut off by a server failure before
    /// its answer was stored: whether it changed anything is unknown, so it is not run again.
    IdempotentRequestInterrupted,
    /// The idempotency key was first used with another action or other parameters.
    IdempotencyKeyReused,
    WebhookNotFound,
    /// The v1 gateway's `from` is in a country without SMS (`IS_SMS`).
    SmsNotOffered,
    /// The DID exists for the caller but is not Active (Suspended): it cannot send.
    DidNotActive,
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AuthFailed => "AUTH_FAILED",
            ErrorCode::SignatureInvalid => "SIGNATURE_INVALID",
            ErrorCode::MalformedRequest => "MALFORMED_REQUEST",
            ErrorCode::UnknownAction => "UNKNOWN_ACTION",
            ErrorCode::MissingParameter => "MISSING_PARAMETER",
            ErrorCode::InvalidParameter => "INVALID_PARAMETER",
            ErrorCode::AccountNotFound => "ACCOUNT_NOT_FOUND",
            ErrorCode::AreaNotFound => "AREA_NOT_FOUND",
            ErrorCode::DidTypeNotOffered => "DID_TYPE_NOT_OFFERED",
            ErrorCode::RatePlanNotFound => "RATE_PLAN_NOT_FOUND",
            ErrorCode::NotEnoughStock => "NOT_ENOUGH_STOCK",
            ErrorCode::InsufficientFunds => "INSUFFICIENT_FUNDS",
            ErrorCode::DidNotFound => "DID_NOT_FOUND",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::CountryNotFound => "COUNTRY_NOT_FOUND",
            ErrorCode::StateNotFound => "STATE_NOT_FOUND",
            ErrorCode::SmsNotConfigured => "SMS_NOT_CONFIGURED",
            ErrorCode::IdempotentRequestInterrupted => "IDEMPOTENT_REQUEST_INTERRUPTED",
            ErrorCode::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ErrorCode::WebhookNotFound => "WEBHOOK_NOT_FOUND",
            ErrorCode::SmsNotOffered => "SMS_NOT_OFFERED",
            ErrorCode::DidNotActive => "DID_NOT_ACTIVE",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest part of a bad value repeated in an error message.
pub const QUOTED_VALUE_CHARS: usize = 64;

/// A value made safe to repeat in a message: shortened, control characters escaped.
fn quote_value(value: &str) -> String {
    let mut quoted: String = value
        .chars()
        .take(QUOTED_VALUE_CHARS)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if value.chars().count() > QUOTED_VALUE_CHARS {
        quoted.push('…');
    }
    quoted
}

/// A failure caused by what the customer asked for. The message is shown to them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("parameter {name} is required")]
    MissingParameter { name: String },
    #[error("parameter {name} has invalid value '{value}': {reason}")]
    InvalidParameter {
        name: String,
        value: String,
        reason: String,
    },
    #[error("account {0} not found")]
    AccountNotFound(String),
    #[error("AREA_ID '{0}' not found")]
    AreaNotFound(String),
    #[error("DID_TYPE {did_type} is not offered in AREA_ID '{area_id}'")]
    DidTypeNotOffered { area_id: String, did_type: String },
    #[error("RATE_PLAN_ID '{rate_plan_id}' is not offered in AREA_ID '{area_id}'")]
    RatePlanNotFound {
        area_id: String,
        rate_plan_id: String,
    },
    #[error(
        "not enough stock in AREA_ID '{area_id}': QUANTITY {requested} requested, {available} available"
    )]
    NotEnoughStock {
        area_id: String,
        requested: u32,
        available: u64,
    },
    #[error("insufficient funds: it costs {cost}, the balance is {balance}")]
    InsufficientFunds { cost: String, balance: String },
    #[error("DID '{0}' not found")]
    DidNotFound(String),
    #[error("COUNTRY_ID '{0}' not found")]
    CountryNotFound(String),
    #[error("STATE_ID '{0}' not found")]
    StateNotFound(String),
    #[error("WEBHOOK_ID '{0}' not found")]
    WebhookNotFound(String),
    #[error("DID '{e164}' is in {country}, where SMS is not offered")]
    SmsNotOffered { e164: String, country: String },
    #[error("DID '{e164}' is {status}; only an Active DID sends SMS")]
    DidNotActive { e164: String, status: String },
}

impl DomainError {
    /// The stable code of this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::MissingParameter { .. } => ErrorCode::MissingParameter,
            DomainError::InvalidParameter { .. } => ErrorCode::InvalidParameter,
            DomainError::AccountNotFound(_) => ErrorCode::AccountNotFound,
            DomainError::AreaNotFound(_) => ErrorCode::AreaNotFound,
            DomainError::DidTypeNotOffered { .. } => ErrorCode::DidTypeNotOffered,
            DomainError::RatePlanNotFound { .. } => ErrorCode::RatePlanNotFound,
            DomainError::NotEnoughStock { .. } => ErrorCode::NotEnoughStock,
            DomainError::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
            DomainError::DidNotFound(_) => ErrorCode::DidNotFound,
            DomainError::CountryNotFound(_) => ErrorCode::CountryNotFound,
            DomainError::StateNotFound(_) => ErrorCode::StateNotFound,
            DomainError::WebhookNotFound(_) => ErrorCode::WebhookNotFound,
            DomainError::SmsNotOffered { .. } => ErrorCode::SmsNotOffered,
            DomainError::DidNotActive { .. } => ErrorCode::DidNotActive,
        }
    }

    /// Shorthand for [`DomainError::InvalidParameter`]. The value is quoted back at most
    /// [`QUOTED_VALUE_CHARS`] characters long, with control characters escaped.
    pub fn invalid(name: &str, value: &str, reason: impl Into<String>) -> Self {
        DomainError::InvalidParameter {
            name: name.to_owned(),
            value: quote_value(value),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`DomainError::MissingParameter`].
    pub fn missing(name: &str) -> Self {
        DomainError::MissingParameter {
            name: name.to_owned(),
        }
    }
}
