//! The domain: newtypes that can only hold valid values (each with a `parse`), the
//! records the store hands back, and the rules that do not need a database.
//!
//! Nothing here knows about XML, HTTP or SQL.

pub mod account;
pub mod billing;
pub mod catalog;
pub mod clock;
pub mod credentials;
pub mod delivery;
pub mod did;
pub mod did_attributes;
pub mod did_requests;
pub mod e164;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod money;
pub mod numbering;
pub mod order;
pub mod pricing;
pub mod routing;
pub mod routing_lookup;
pub mod sms;
pub mod webhooks;

pub use account::{AccountNumber, Caller};
pub use catalog::{AreaId, CountryId, RatePlanId};
pub use clock::{Clock, SystemClock, Timestamp, utc_date_time};
pub use did::{CallForwardType, Channels, Did, DidStatus, DidType, Routing};
pub use e164::E164;
pub use error::{DomainError, ErrorCode};
pub use money::Money;
