//! What the page keeps across reloads, in IndexedDB: every comparison (its spec, jobs and
//! reports) and every finished playground run, each a JSON record under its id. The database's
//! version is the stores' layout; each record carries its own schema version
//! (`comparison::SCHEMA`) so a later page can read or skip old ones.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

const DATABASE: &str = "seesaw";
const VERSION: u32 = 1;

/// The object stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Comparisons (`comparison::Comparison` as JSON).
    Comparisons,
    /// Finished playground runs (`{"schema": 1, "id": …, "report": RunReport}`).
    Runs,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Comparisons => "comparisons",
            Store::Runs => "runs",
        }
    }
}

fn describe(error: JsValue) -> String {
    if let Some(exception) = error.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    if let Some(target) = super::js::get(&error, &["target", "error"])
        && let Some(exception) = target.dyn_ref::<web_sys::DomException>()
    {
        return format!("{}: {}", exception.name(), exception.message());
    }
    error
        .as_string()
        .unwrap_or_else(|| "storage error".to_string())
}

/// Waits for a request; its result.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await.map_err(describe)?;
    request.result().map_err(describe)
}

/// Waits for a transaction to commit (a full disk or quota aborts it here).
async fn committed(transaction: &IdbTransaction) -> Result<(), String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(|error| {
        transaction
            .error()
            .map(|e| format!("{}: {}", e.name(), e.message()))
            .unwrap_or_else(|| describe(error))
    })
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(describe)?
        .ok_or("this browser has no IndexedDB")?;
    let request = factory.open_with_u32(DATABASE, VERSION).map_err(describe)?;
    let upgrade = {
        let request = request.clone();
        Closure::<dyn FnMut()>::new(move || {
            let Ok(result) = request.result() else {
                return;
            };
            let database: IdbDatabase = result.unchecked_into();
            let names = database.object_store_names();
            for store in [Store::Comparisons, Store::Runs] {
                if !names.contains(store.name()) {
                    let _ = database.create_object_store(store.name());
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let database = done(&request).await?;
    drop(upgrade);
    Ok(database.unchecked_into())
}

fn transaction(
    database: &IdbDatabase,
    store: Store,
    mode: IdbTransactionMode,
) -> Result<(IdbTransaction, web_sys::IdbObjectStore), String> {
    let transaction = database
        .transaction_with_str_and_mode(store.name(), mode)
        .map_err(describe)?;
    let objects = transaction.object_store(store.name()).map_err(describe)?;
    Ok((transaction, objects))
}

/// Stores `json` under `id` (replacing what was there).
///
/// # Errors
/// No IndexedDB (a private window may have none), a full quota, a failed write.
pub async fn put(store: Store, id: &str, json: &str) -> Result<(), String> {
    let database = open().await?;
    let (transaction, objects) = transaction(&database, store, IdbTransactionMode::Readwrite)?;
    objects
        .put_with_key(&JsValue::from_str(json), &JsValue::from_str(id))
        .map_err(describe)?;
    committed(&transaction).await
}

/// Every record of `store`, as JSON text.
///
/// # Errors
/// No IndexedDB, a failed read.
pub async fn all(store: Store) -> Result<Vec<String>, String> {
    let database = open().await?;
    let (_, objects) = transaction(&database, store, IdbTransactionMode::Readonly)?;
    let request = objects.get_all().map_err(describe)?;
    let values: js_sys::Array = done(&request).await?.unchecked_into();
    Ok(values
        .iter()
        .filter_map(|value| value.as_string())
        .collect())
}

/// Deletes the record `id`.
///
/// # Errors
/// No IndexedDB, a failed write.
pub async fn delete(store: Store, id: &str) -> Result<(), String> {
    let database = open().await?;
    let (transaction, objects) = transaction(&database, store, IdbTransactionMode::Readwrite)?;
    objects.delete(&JsValue::from_str(id)).map_err(describe)?;
    committed(&transaction).await
}
