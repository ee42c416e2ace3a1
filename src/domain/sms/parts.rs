//! How many SMS parts a text takes (GSM 03.38 and UCS-2), and how it is coded.
//!
//! A text made only of the GSM 7-bit default alphabet and its extension table is sent
//! GSM-coded: 160 septets in one part, 153 per part when concatenated (the user data
//! header takes the rest); an extension-table character (`€ [ ] { } \ ^ ~ |` and form
//! feed) takes two septets, an escape and itself. Anything else is sent UCS-2: 70 UTF-16
//! code units in one part, 67 per part when concatenated (a character outside the
//! basic plane takes two). A message may take at most [`MAX_PARTS`].

use crate::domain::DomainError;

/// The most parts one message may take.
pub const MAX_PARTS: u32 = 10;

/// The GSM 03.38 default alphabet, in table order (without the escape at 0x1B).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: each of these takes two septets.
const GSM_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// How a message is coded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UCS-2 (UTF-16 code units).
    Ucs2,
}

impl Coding {
    pub fn as_str(self) -> &'static str {
        match self {
            Coding::Gsm7 => "gsm7",
            Coding::Ucs2 => "ucs2",
        }
    }

    pub fn parse(text: &str) -> Option<Coding> {
        match text {
            "gsm7" => Some(Coding::Gsm7),
            "ucs2" => Some(Coding::Ucs2),
            _ => None,
        }
    }
}

/// A text's coding and part count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub coding: Coding,
    /// Septets (GSM) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub count: u32,
}

/// Septets of `c` in GSM 03.38, `None` when it has none.
fn gsm_septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The coding and part count of `text` (an empty text is one part).
pub fn count_parts(text: &str) -> Parts {
    let septets: Option<usize> = text.chars().map(gsm_septets).sum();
    let (coding, units, single, each) = match septets {
        Some(septets) => (Coding::Gsm7, septets, 160, 153),
        None => (Coding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let count = if units <= single {
        1
    } else {
        units.div_ceil(each)
    };
    Parts {
        coding,
        units,
        count: u32::try_from(count).unwrap_or(u32::MAX),
    }
}

/// The parts of a message to send: a text that is not empty and takes at most
/// [`MAX_PARTS`] (INVALID_PARAMETER otherwise; MISSING_PARAMETER when empty).
pub fn message_parts(name: &str, text: &str) -> Result<Parts, DomainError> {
    if text.is_empty() {
        return Err(DomainError::missing(name));
    }
    let parts = count_parts(text);
    if parts.count > MAX_PARTS {
        return Err(DomainError::invalid(
            name,
            text,
            format!(
                "the message takes {} parts ({} {}); at most {MAX_PARTS} are sent",
                parts.count,
                parts.units,
                match parts.coding {
                    Coding::Gsm7 => "GSM septets",
                    Coding::Ucs2 => "UCS-2 characters",
                }
            ),
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Coding, usize, u32) {
        let p = count_parts(text);
        (p.coding, p.units, p.count)
    }

    #[test]
    fn gsm_text_is_160_in_one_part_and_153_per_part_after() {
        assert_eq!(parts("Hello"), (Coding::Gsm7, 5, 1));
        assert_eq!(parts(&"a".repeat(160)), (Coding::Gsm7, 160, 1));
        assert_eq!(parts(&"a".repeat(161)), (Coding::Gsm7, 161, 2));
        assert_eq!(parts(&"a".repeat(306)), (Coding::Gsm7, 306, 2));
        assert_eq!(parts(&"a".repeat(307)), (Coding::Gsm7, 307, 3));
        assert_eq!(parts(""), (Coding::Gsm7, 0, 1));
    }

    #[test]
    fn the_whole_default_alphabet_is_gsm() {
        assert_eq!(count_parts(GSM_BASIC).coding, Coding::Gsm7);
        assert_eq!(
            parts("Ça coûte 5 £ à Zürich?").0,
            Coding::Ucs2,
            "û is not GSM"
        );
        assert_eq!(parts("Ça va, 5 £ à Zürich?"), (Coding::Gsm7, 20, 1));
        assert_eq!(parts("ΔΦΓΛΩΠΨΣΘΞ"), (Coding::Gsm7, 10, 1));
    }

    #[test]
    fn extension_table_characters_count_double() {
        assert_eq!(parts("€"), (Coding::Gsm7, 2, 1));
        assert_eq!(parts("[]{}\\^~|\u{000C}"), (Coding::Gsm7, 18, 1));
        // 159 plain + one € = 161 septets: two parts.
        let text = format!("{}€", "a".repeat(159));
        assert_eq!(parts(&text), (Coding::Gsm7, 161, 2));
        let text = format!("{}€", "a".repeat(158));
        assert_eq!(parts(&text), (Coding::Gsm7, 160, 1));
    }

    #[test]
    fn anything_else_is_ucs2_70_and_67() {
        assert_eq!(parts("Привет"), (Coding::Ucs2, 6, 1));
        assert_eq!(parts(&"ж".repeat(70)), (Coding::Ucs2, 70, 1));
        assert_eq!(parts(&"ж".repeat(71)), (Coding::Ucs2, 71, 2));
        assert_eq!(parts(&"ж".repeat(134)), (Coding::Ucs2, 134, 2));
        assert_eq!(parts(&"ж".repeat(135)), (Coding::Ucs2, 135, 3));
        // One non-GSM character makes the whole text UCS-2.
        assert_eq!(
            parts(&format!("{}ж", "a".repeat(69))),
            (Coding::Ucs2, 70, 1)
        );
        // Outside the basic plane: two code units.
        assert_eq!(parts("😀"), (Coding::Ucs2, 2, 1));
    }

    #[test]
    fn a_message_is_not_empty_and_at_most_ten_parts() {
        assert_eq!(message_parts("message", "hi").unwrap().count, 1);
        assert_eq!(
            message_parts("message", &"a".repeat(1530)).unwrap().count,
            10
        );
        let error = message_parts("message", &"a".repeat(1531)).unwrap_err();
        assert_eq!(error.code(), crate::domain::ErrorCode::InvalidParameter);
        assert!(error.to_string().contains("11 parts"), "{error}");
        let error = message_parts("message", "").unwrap_err();
        assert_eq!(error.code(), crate::domain::ErrorCode::MissingParameter);
    }
}
