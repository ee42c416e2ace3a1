//! `serve --demo`: on an empty database, the bundled world catalog, a few thousand valid
//! numbers in its [`DEMO_AREAS`] (not the whole world: the demo must start quickly), and
//! a demo main account with credit and one sub-account.

use crate::bundled::{DEMO_AREAS, bundled_catalog};
use crate::domain::{AreaId, DidType, Money, Routing};
use crate::store::Store;

use super::AdminError;
use super::accounts::{AccountSpec, CreatedAccount, create_account};
use super::generate::generate_stock;

/// Numbers generated per area and type.
pub const DEMO_NUMBERS_PER_AREA: usize = 300;
pub const DEMO_EMAIL: &str = "demo@didhub.example";
pub const DEMO_SUB_EMAIL: &str = "demo-sub@didhub.example";
pub const DEMO_SECURE_PHRASE: &str = "demo secure phrase";
/// Opening credit of the demo main account: 1,000.00.
pub const DEMO_CREDIT: Money = Money(100_000);

/// What the demo created.
#[derive(Debug, Clone)]
pub struct DemoSeed {
    pub main: CreatedAccount,
    pub sub: CreatedAccount,
    pub numbers: u64,
}

/// Whether the database holds nothing yet (no catalog, numbers or accounts).
pub async fn is_empty(store: &dyn Store) -> Result<bool, AdminError> {
    let counts = store.counts().await?;
    let empty_inventory =
        counts.accounts == 0 && counts.numbers_available == 0 && counts.numbers_assigned == 0;
    Ok(empty_inventory && store.areas().await?.is_empty())
}

/// Seeds the demo; `None`, changing nothing, when the database is not empty.
pub async fn seed_demo(store: &dyn Store) -> Result<Option<DemoSeed>, AdminError> {
    if !is_empty(store).await? {
        return Ok(None);
    }
    store.load_catalog(bundled_catalog()).await?;
    let mut numbers = 0u64;
    for area_id in DEMO_AREAS {
        let area_id = AreaId::parse("area_id", area_id)?;
        let area = store.area(&area_id).await?.ok_or_else(|| {
            AdminError::Invalid(format!("demo area {area_id} is not in the catalog"))
        })?;
        for did_type in &area.did_types {
            let did_type = DidType::parse("did_type", did_type)?;
            let added =
                generate_stock(store, &area_id, did_type, DEMO_NUMBERS_PER_AREA, None).await?;
            numbers += added.len() as u64;
        }
    }
    let routing = Routing {
        call_forward_type: "SIP_URI".into(),
        call_forward_to: "$[E164]$@pbx.didhub.example".into(),
        ..Routing::default()
    };
    let main = create_account(
        store,
        AccountSpec {
            email: DEMO_EMAIL.into(),
            secure_phrase: Some(DEMO_SECURE_PHRASE.into()),
            credit: DEMO_CREDIT,
            default_routing: routing.clone(),
            ..AccountSpec::default()
        },
    )
    .await?;
    let sub = create_account(
        store,
        AccountSpec {
            email: DEMO_SUB_EMAIL.into(),
            parent: Some(main.account.account_number.clone()),
            default_routing: routing,
            ..AccountSpec::default()
        },
    )
    .await?;
    Ok(Some(DemoSeed { main, sub, numbers }))
}
