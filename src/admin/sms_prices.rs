//! `sms prices import|export`: the SMS price list as CSV, `country_id,price` (header
//! optional), the price per part with at most two decimals. An import is all or
//! nothing: any bad line fails it, naming every bad line, and changes nothing. A
//! country without a row costs the setting `sms_default_price`.

use std::collections::HashSet;
use std::io::{Read, Write};

use crate::domain::sms::SmsPrice;
use crate::domain::{CountryId, Money};
use crate::store::Store;

use super::AdminError;

const HEADER: [&str; 2] = ["country_id", "price"];

/// Reads, checks and imports an SMS price list; how many countries it priced.
pub async fn import_sms_prices_csv(
    store: &dyn Store,
    input: impl Read,
) -> Result<usize, AdminError> {
    let mut reader = super::operator_csv(input);
    let mut record = csv::StringRecord::new();
    let mut prices = Vec::new();
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if line == 1 && record.get(0) == Some(HEADER[0]) {
                    continue;
                }
                match check_row(&record) {
                    Ok(price) if !seen.insert(price.country_id.clone()) => errors.push(format!(
                        "line {line}: country {} is priced twice",
                        price.country_id
                    )),
                    Ok(price) => prices.push(price),
                    Err(why) => errors.push(format!("line {line}: {why}")),
                }
            }
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(AdminError::Invalid(format!(
            "the SMS price list was not imported:\n{}",
            errors.join("\n")
        )));
    }
    if prices.is_empty() {
        return Err(AdminError::Invalid("the file holds no price".into()));
    }
    let mut unknown = Vec::new();
    for price in &prices {
        if store.country(&price.country_id).await?.is_none() {
            unknown.push(price.country_id.as_str());
        }
    }
    if !unknown.is_empty() {
        return Err(AdminError::Invalid(format!(
            "the SMS price list was not imported: countries not in the catalog: {}",
            unknown.join(", ")
        )));
    }
    Ok(store.import_sms_prices(prices).await?)
}

fn check_row(record: &csv::StringRecord) -> Result<SmsPrice, String> {
    if record.len() != 2 {
        return Err(format!(
            "expected 2 fields (country_id,price), found {}",
            record.len()
        ));
    }
    let country = CountryId::parse("country_id", &record[0]).map_err(|e| e.to_string())?;
    let price = Money::parse_decimal(&record[1])?;
    if price.minor() < 0 {
        return Err(format!("price '{}' is negative", &record[1]));
    }
    Ok(SmsPrice {
        country_id: country.as_str().to_owned(),
        price,
    })
}

/// Writes the price list as CSV with its header.
pub fn write_sms_prices_csv(prices: &[SmsPrice], out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for price in prices {
        writer.write_record([price.country_id.as_str(), &price.price.to_string()])?;
    }
    writer.flush()?;
    Ok(())
}
