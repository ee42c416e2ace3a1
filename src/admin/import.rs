//! `inventory import`: numbers from a CSV file (`e164,did_type,area_id`, header
//! optional), streamed.
//!
//! Rows are read and checked (shape, catalog, numbering plan) one batch of
//! [`BATCH_ROWS`] at a time, and each batch of good rows is staged in the store, which
//! says which rows repeat an earlier line or a number already in stock. After the last
//! row every fresh staged number is added in one transaction: a file is imported all or
//! nothing (a failure part way adds nothing), and memory stays bounded whatever its
//! size. Bad rows are counted by reason; the report lists the first
//! [`LISTED_REJECTIONS`], and an [`ImportWatcher`] sees every one.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::domain::catalog::{Area, Country};
use crate::domain::numbering;
use crate::domain::{AreaId, DidType, E164};
use crate::store::{ImportId, NewNumber, StagedOutcome, StagedRow, Store};

use super::AdminError;
use super::generate::area_for_stock;

/// Rows checked and staged together.
pub const BATCH_ROWS: usize = 10_000;
/// Rejected rows listed in the report; the rest are only counted.
pub const LISTED_REJECTIONS: usize = 1_000;

/// A row that was not added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedRow {
    pub line: u64,
    /// Stable short reason, e.g. `duplicate_in_file`, `outside_area`.
    pub reason: String,
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Data rows read (the header excluded).
    pub rows: u64,
    pub added: u64,
    /// Rows rejected as `duplicate_in_file` or `already_in_stock`.
    pub duplicates: u64,
    /// Every rejected row, duplicates included.
    pub rejected_total: u64,
    /// Rejections counted by reason.
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// The first [`LISTED_REJECTIONS`] rejected rows, in line order.
    pub rejected: Vec<RejectedRow>,
}

/// Follows an import as it goes; every method has a do-nothing default.
pub trait ImportWatcher: Send {
    /// After each batch: bytes of the input read so far, and rows read.
    fn progress(&mut self, _bytes_read: u64, _rows: u64) {}
    /// Every rejected row, in line order.
    fn rejected(&mut self, _row: &RejectedRow) {}
}

/// A watcher that watches nothing.
pub struct Unwatched;

impl ImportWatcher for Unwatched {}

/// Imports a CSV: bad rows are reported, good rows are added together at the end.
pub async fn import_csv(
    store: &dyn Store,
    input: impl Read,
    watcher: &mut dyn ImportWatcher,
) -> Result<ImportReport, AdminError> {
    let import = store.begin_import().await?;
    let mut run = ImportRun {
        store,
        import,
        watcher,
        report: ImportReport::default(),
        areas: HashMap::new(),
        batch: Vec::with_capacity(BATCH_ROWS),
        batch_rejections: Vec::new(),
    };
    let outcome = match run.read_all(input).await {
        Ok(()) => {
            let started = std::time::Instant::now();
            let committed = store.commit_import(import).await;
            // The commit holds the database's write lock; operators size imports by it.
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "import committed"
            );
            committed.map_err(AdminError::from)
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(added) => {
            run.report.added = added;
            Ok(run.report)
        }
        Err(e) => {
            // Nothing was added; drop what was staged. A failure here changes nothing
            // either: staged rows live in the store's private staging area only.
            let _ = store.abandon_import(import).await;
            Err(e)
        }
    }
}

/// The catalog facts a row is checked against, by area and type.
type AreaCheck = Result<(Area, Country), String>;

struct ImportRun<'a> {
    store: &'a dyn Store,
    import: ImportId,
    watcher: &'a mut dyn ImportWatcher,
    report: ImportReport,
    areas: HashMap<(AreaId, DidType), AreaCheck>,
    batch: Vec<StagedRow>,
    batch_rejections: Vec<RejectedRow>,
}

impl ImportRun<'_> {
    async fn read_all(&mut self, input: impl Read) -> Result<(), AdminError> {
        let mut reader = super::operator_csv(input);
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => self.check_row(&record).await?,
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                    return Err(AdminError::Invalid(format!("cannot read the file: {e}")));
                }
                Err(e) => {
                    self.report.rows += 1;
                    self.reject(line, "malformed_line", e.to_string());
                }
            }
            if self.batch.len() + self.batch_rejections.len() >= BATCH_ROWS {
                self.flush(reader.position().byte()).await?;
            }
        }
        self.flush(reader.position().byte()).await
    }

    async fn check_row(&mut self, record: &csv::StringRecord) -> Result<(), AdminError> {
        let line = record.position().map_or(0, |p| p.line());
        let is_header = line == 1
            && record
                .get(0)
                .is_some_and(|f| f.eq_ignore_ascii_case("e164"));
        if is_header {
            return Ok(());
        }
        self.report.rows += 1;
        if record.len() != 3 {
            let detail = format!(
                "expected 3 columns e164,did_type,area_id, found {}",
                record.len()
            );
            self.reject(line, "malformed_line", detail);
            return Ok(());
        }
        let parsed = E164::parse("e164", &record[0]).and_then(|e164| {
            let did_type = DidType::parse("did_type", &record[1])?;
            let area_id = AreaId::parse("area_id", &record[2])?;
            Ok((e164, did_type, area_id))
        });
        let (e164, did_type, area_id) = match parsed {
            Ok(p) => p,
            Err(e) => {
                self.reject(line, "malformed_value", e.to_string());
                return Ok(());
            }
        };
        let key = (area_id.clone(), did_type);
        if !self.areas.contains_key(&key) {
            let found = area_for_stock(self.store, &area_id, did_type).await;
            let found = match found {
                Err(AdminError::Store(e)) => return Err(e.into()),
                other => other.map_err(|e| e.to_string()),
            };
            self.areas.insert(key.clone(), found);
        }
        let checked = match &self.areas[&key] {
            Ok((area, country)) => numbering::check_number(country, area, did_type, &e164)
                .map_err(|why| (why.reason_code(), format!("{e164}: {why}"))),
            Err(why) => Err(("area_not_sold", why.clone())),
        };
        match checked {
            Ok(()) => self.batch.push(StagedRow {
                line,
                number: NewNumber {
                    e164,
                    area_id,
                    did_type,
                    rate_plan_id: None,
                },
            }),
            Err((reason, detail)) => self.reject(line, reason, detail),
        }
        Ok(())
    }

    /// Stages the batch's good rows, then reports the batch's rejections in line order.
    async fn flush(&mut self, bytes_read: u64) -> Result<(), AdminError> {
        let rows = std::mem::take(&mut self.batch);
        if !rows.is_empty() {
            let outcomes = self.store.stage_rows(self.import, rows.clone()).await?;
            for (row, outcome) in rows.iter().zip(outcomes) {
                let e164 = &row.number.e164;
                match outcome {
                    StagedOutcome::Fresh => {}
                    StagedOutcome::DuplicateInFile { first_line } => {
                        let detail = format!("{e164} already appears on line {first_line}");
                        self.reject(row.line, "duplicate_in_file", detail);
                    }
                    StagedOutcome::AlreadyInStock => {
                        let detail = format!("{e164} is already in stock");
                        self.reject(row.line, "already_in_stock", detail);
                    }
                }
            }
        }
        let mut rejections = std::mem::take(&mut self.batch_rejections);
        rejections.sort_by_key(|r| r.line);
        for row in rejections {
            self.watcher.rejected(&row);
            if self.report.rejected.len() < LISTED_REJECTIONS {
                self.report.rejected.push(row);
            }
        }
        self.watcher.progress(bytes_read, self.report.rows);
        Ok(())
    }

    fn reject(&mut self, line: u64, reason: &str, detail: String) {
        *self
            .report
            .rejected_by_reason
            .entry(reason.to_owned())
            .or_default() += 1;
        self.report.rejected_total += 1;
        if matches!(reason, "duplicate_in_file" | "already_in_stock") {
            self.report.duplicates += 1;
        }
        self.batch_rejections.push(RejectedRow {
            line,
            reason: reason.to_owned(),
            detail,
        });
    }
}
