//! libphonenumber's region and type of a number, computed on the national significant
//! number *with* its leading zeros.
//!
//! Why this exists: `phonenumber` 0.3.10 validates with the leading zeros
//! (`is_valid`) but picks the region and the type without them
//! (`PhoneNumber::metadata`, `PhoneNumber::number_type`), so every valid number whose
//! national number starts with `0` (Italy's `06`, Côte d'Ivoire's `01`, ...) comes out
//! as type `Unknown`. This is the crate's own algorithm (`validator::source_for` and
//! `validator::number_type`, which are private) fed the digits libphonenumber means.

use phonenumber::Type;
use phonenumber::metadata::{DATABASE, Metadata};

/// The region's metadata and the number's type, or `None` when no region of the
/// calling code claims the number.
pub(super) fn classify(calling_code: u16, national: &str) -> Option<(&'static Metadata, Type)> {
    let regions = DATABASE.by_code(&calling_code)?;
    if let [only] = regions.as_slice() {
        return Some((only, number_type(only, national)));
    }
    for meta in regions {
        match meta.leading_digits() {
            Some(pattern) => {
                if pattern.find(national).is_some_and(|m| m.start() == 0) {
                    return Some((meta, number_type(meta, national)));
                }
            }
            None => {
                let kind = number_type(meta, national);
                if kind != Type::Unknown {
                    return Some((meta, kind));
                }
            }
        }
    }
    None
}

/// The type of a national number in one region: the first descriptor that matches,
/// in libphonenumber's order.
fn number_type(meta: &Metadata, national: &str) -> Type {
    let descriptors = meta.descriptors();
    if !descriptors.general().is_match(national) {
        return Type::Unknown;
    }
    let matches = |kind: Type| descriptors.get(kind).is_some_and(|d| d.is_match(national));
    for kind in [
        Type::PremiumRate,
        Type::TollFree,
        Type::SharedCost,
        Type::Voip,
        Type::PersonalNumber,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ] {
        if matches(kind) {
            return kind;
        }
    }
    if matches(Type::FixedLine) {
        let same_patterns = match (descriptors.fixed_line(), descriptors.mobile()) {
            (Some(fixed), Some(mobile)) => {
                fixed.national_number().as_str() == mobile.national_number().as_str()
            }
            _ => false,
        };
        return if same_patterns || matches(Type::Mobile) {
            Type::FixedLineOrMobile
        } else {
            Type::FixedLine
        };
    }
    if matches(Type::Mobile) {
        return Type::Mobile;
    }
    Type::Unknown
}
