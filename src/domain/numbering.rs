//! The numbering-plan rules a number must pass to enter stock in an area, judged against
//! libphonenumber's metadata (the `phonenumber` crate), and the making of random numbers
//! that pass them (demo and test stock).
//!
//! A number is accepted in an area when, in this order (cheap string checks first):
//! 1. it starts with the country's calling code, then the area code;
//! 2. it has exactly the area's `national_number_length` digits after the calling code;
//! 3. libphonenumber's metadata finds the national number valid (see [`classify`] for
//!    why the crate's parser and type detection are not used directly);
//! 4. libphonenumber places it in the area's country (a `+1 416` number is Canadian, a
//!    `+44 7911` mobile is Guernsey's, not the UK's);
//! 5. its libphonenumber type fits the DID type sold (the table on [`check_number`]).

use std::collections::HashSet;

use phonenumber::Type as NumberType;
use rand::Rng;

use super::catalog::{Area, Country};
use super::{DidType, E164};

/// Why a number may not enter stock in an area; the Display is a short reason fit for a CLI line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberRejection {
    #[error("not under country calling code +{calling_code}")]
    WrongCallingCode { calling_code: String },
    #[error("outside area code {area_code}")]
    OutsideArea { area_code: String },
    #[error("{found} digits after the calling code, the area's numbers have {expected}")]
    WrongLength { expected: usize, found: usize },
    #[error("not a valid number in the country's numbering plan")]
    InvalidNumber,
    #[error("a number of {region}, not of {country_id}")]
    NotInCountry { country_id: String, region: String },
    #[error("a {found} number, which is not sold as {did_type}")]
    WrongType {
        did_type: DidType,
        /// libphonenumber's type, in words.
        found: &'static str,
    },
}

impl NumberRejection {
    /// A stable snake_case code for counting rejections in summaries.
    pub fn reason_code(&self) -> &'static str {
        match self {
            NumberRejection::WrongCallingCode { .. } => "wrong_calling_code",
            NumberRejection::OutsideArea { .. } => "outside_area",
            NumberRejection::WrongLength { .. } => "wrong_length",
            NumberRejection::InvalidNumber => "invalid_number",
            NumberRejection::NotInCountry { .. } => "not_in_country",
            NumberRejection::WrongType { .. } => "wrong_type",
        }
    }
}

/// Checks that `e164` may be stocked in `area` (of `country`) as a `did_type` number,
/// applying the rules of the module documentation in order.
///
/// Which libphonenumber types may be sold as which DID type:
///
/// | DID type     | libphonenumber types                                                |
/// |--------------|---------------------------------------------------------------------|
/// | `TOLLFREE`   | TollFree                                                            |
/// | `MOBILE`     | Mobile, FixedLineOrMobile                                           |
/// | `GEOGRAPHIC` | FixedLine, FixedLineOrMobile                                        |
/// | `NATIONAL`   | FixedLine, FixedLineOrMobile, Voip, Uan, PersonalNumber, SharedCost |
///
/// FixedLineOrMobile is what libphonenumber says of nearly every NANP number (the plan does
/// not tell landlines from mobiles), so it fits both GEOGRAPHIC and MOBILE. Premium-rate,
/// pager, voicemail and the like are never sold.
pub fn check_number(
    country: &Country,
    area: &Area,
    did_type: DidType,
    e164: &E164,
) -> Result<(), NumberRejection> {
    let national = e164
        .as_str()
        .strip_prefix(country.calling_code.as_str())
        .ok_or_else(|| NumberRejection::WrongCallingCode {
            calling_code: country.calling_code.clone(),
        })?;
    if !national.starts_with(area.area_code.as_str()) {
        return Err(NumberRejection::OutsideArea {
            area_code: area.area_code.clone(),
        });
    }
    let expected = usize::from(area.national_number_length);
    if national.len() != expected {
        return Err(NumberRejection::WrongLength {
            expected,
            found: national.len(),
        });
    }

    // The digits after the calling code are the national significant number: an E.164
    // number carries no national prefix, so nothing is parsed away (the crate's parser
    // strips what looks like one, e.g. Lithuania's 8 from +370 800 ...).
    let calling_code: u16 = country
        .calling_code
        .parse()
        .map_err(|_| NumberRejection::InvalidNumber)?;
    // Valid means "of a type other than Unknown", in a region of the calling code.
    let Some((meta, number_type)) =
        classify::classify(calling_code, national).filter(|(_, kind)| *kind != NumberType::Unknown)
    else {
        return Err(NumberRejection::InvalidNumber);
    };
    let region = meta.id();
    if region != country.country_id {
        return Err(NumberRejection::NotInCountry {
            country_id: country.country_id.clone(),
            region: region.to_owned(),
        });
    }
    if !type_fits(did_type, number_type) {
        return Err(NumberRejection::WrongType {
            did_type,
            found: describe(number_type),
        });
    }
    Ok(())
}

/// Whether a number of libphonenumber's `number_type` may be sold as `did_type`; the
/// mapping is documented on [`check_number`].
fn type_fits(did_type: DidType, number_type: NumberType) -> bool {
    use NumberType::*;
    match did_type {
        DidType::TollFree => number_type == TollFree,
        DidType::Mobile => matches!(number_type, Mobile | FixedLineOrMobile),
        DidType::Geographic => matches!(number_type, FixedLine | FixedLineOrMobile),
        DidType::National => matches!(
            number_type,
            FixedLine | FixedLineOrMobile | Voip | Uan | PersonalNumber | SharedCost
        ),
    }
}

/// libphonenumber's type in words, for rejection messages.
fn describe(number_type: NumberType) -> &'static str {
    use NumberType::*;
    match number_type {
        FixedLine => "fixed-line",
        Mobile => "mobile",
        FixedLineOrMobile => "fixed-line or mobile",
        TollFree => "toll-free",
        PremiumRate => "premium-rate",
        SharedCost => "shared-cost",
        PersonalNumber => "personal",
        Voip => "VoIP",
        Pager => "pager",
        Uan => "UAN",
        Voicemail => "voicemail",
        _ => "special-purpose",
    }
}

/// A random number of the area (calling code + area code + random digits to the national
/// length), not yet checked.
///
/// `None` when the area cannot hold E.164 numbers at all (an area code longer than the
/// national length, non-digits, or a total outside 8 to 15 digits): a misconfigured area
/// is the operator's to fix, not a reason to panic.
pub fn random_candidate(country: &Country, area: &Area, rng: &mut impl Rng) -> Option<E164> {
    let national_length = usize::from(area.national_number_length);
    let random_digits = national_length.checked_sub(area.area_code.len())?;
    let mut digits = String::with_capacity(country.calling_code.len() + national_length);
    digits.push_str(&country.calling_code);
    digits.push_str(&area.area_code);
    for _ in 0..random_digits {
        digits.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    E164::parse("E164", &digits).ok()
}

/// Up to `count` distinct numbers, in ascending order, that pass [`check_number`] and are
/// not in `exclude`.
///
/// Gives up after `count * 50 + 1000` candidates and returns what it found, so an area
/// that is nearly full (or has few valid numbers) costs bounded time.
pub fn generate_numbers(
    country: &Country,
    area: &Area,
    did_type: DidType,
    count: usize,
    exclude: &HashSet<E164>,
    rng: &mut impl Rng,
) -> Vec<E164> {
    let max_attempts = count.saturating_mul(50).saturating_add(1000);
    let mut found = HashSet::with_capacity(count);
    for _ in 0..max_attempts {
        if found.len() == count {
            break;
        }
        let Some(candidate) = random_candidate(country, area, rng) else {
            break;
        };
        if exclude.contains(&candidate) || found.contains(&candidate) {
            continue;
        }
        if check_number(country, area, did_type, &candidate).is_ok() {
            found.insert(candidate);
        }
    }
    let mut numbers: Vec<E164> = found.into_iter().collect();
    numbers.sort();
    numbers
}

mod classify;
#[cfg(test)]
mod tests;
