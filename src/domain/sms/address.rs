//! The numbers of a message as they arrive: `+`, `00` or neither before the digits
//! (`sms.md`), and alphanumeric senders kept as they came; and the country a
//! destination number belongs to, for its price.

use crate::domain::{CountryId, DomainError, E164};

/// A phone number given with `+`, `00` or neither.
pub fn phone_number(name: &str, text: &str) -> Result<E164, DomainError> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix('+')
        .or_else(|| trimmed.strip_prefix("00"))
        .unwrap_or(trimmed);
    E164::parse(name, digits).map_err(|_| {
        DomainError::invalid(
            name,
            text,
            "expected an E.164 number of 8 to 15 digits, with +, 00 or neither",
        )
    })
}

/// A sender as delivered on: E.164 digits without `+` when it is a number, otherwise
/// (an alphanumeric sender, a short code) as it came.
pub fn sender(text: &str) -> String {
    match phone_number("from", text) {
        Ok(e164) => e164.to_string(),
        Err(_) => text.trim().to_owned(),
    }
}

/// The country (ISO 3166-1 alpha-2) `number` belongs to by the numbering plan, if
/// libphonenumber places it; a number its plan does not place (e.g. a fictional
/// 555-01xx in the NANP) goes to the main country of its calling code.
pub fn destination_country(number: &E164) -> Option<CountryId> {
    let parsed = phonenumber::parse(None, format!("+{number}")).ok()?;
    let country = parsed.country();
    let id = match country.id() {
        Some(id) => id.as_ref().to_owned(),
        None => {
            let regions = phonenumber::metadata::DATABASE.by_code(&country.code())?;
            let main = regions
                .iter()
                .find(|m| m.is_main_country_for_code())
                .or(regions.first())?;
            main.id().to_owned()
        }
    };
    CountryId::parse("country", &id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_may_carry_plus_or_double_zero() {
        for text in [
            "+447700900123",
            "00447700900123",
            "447700900123",
            " 447700900123 ",
        ] {
            assert_eq!(phone_number("to", text).unwrap().as_str(), "447700900123");
        }
        let error = phone_number("destination", "0123").unwrap_err();
        assert_eq!(error.code(), crate::domain::ErrorCode::InvalidParameter);
        assert!(phone_number("destination", "+44 7700").is_err());
    }

    #[test]
    fn alphanumeric_senders_stay_as_they_came() {
        assert_eq!(sender("+12125550100"), "12125550100");
        assert_eq!(sender("MyBank"), "MyBank");
        assert_eq!(sender("12345"), "12345");
    }

    #[test]
    fn destinations_are_placed_in_their_country() {
        let country = |n: &str| destination_country(&E164::parse("n", n).unwrap());
        assert_eq!(country("447700900123").unwrap().as_str(), "GB");
        assert_eq!(country("12125550100").unwrap().as_str(), "US");
        assert_eq!(country("4915112345678").unwrap().as_str(), "DE");
    }
}
