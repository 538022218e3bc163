//! Contexts: create, get, update, delete.

use diesel::prelude::*;

use super::Dal;
use crate::error::{Error, Result};
use crate::models::{Context, NewContext};
use crate::schema::unified::contexts;
use crate::types::{UniversalJson, UniversalTimestamp, UniversalUuid};
use crate::with_native;

fn not_found(id: UniversalUuid) -> Error {
    Error::NotFound {
        what: "context",
        id: id.to_string(),
    }
}

impl Dal<'_> {
    /// Stores a new context document.
    ///
    /// # Errors
    ///
    /// [`Error::Query`] when the insert fails.
    pub fn create_context(&self, value: serde_json::Value) -> Result<Context> {
        let mut conn = self.db.get()?;
        let new = NewContext::new()
            .with_id(UniversalUuid::new_v4())
            .with_value(value);
        with_native!(&mut *conn, c => {
            diesel::insert_into(contexts::table)
                .values(&new)
                .returning(Context::as_returning())
                .get_result(c)
                .map_err(Error::from)
        })
    }

    /// Loads a context.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when there is none with this id.
    pub fn get_context(&self, id: UniversalUuid) -> Result<Context> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            contexts::table
                .find(id)
                .select(Context::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| not_found(id))
        })
    }

    /// Replaces a context's document.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when there is none with this id.
    pub fn update_context(&self, id: UniversalUuid, value: serde_json::Value) -> Result<Context> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        with_native!(&mut *conn, c => {
            diesel::update(contexts::table.find(id))
                .set((contexts::value.eq(UniversalJson(value)), contexts::updated_at.eq(now)))
                .returning(Context::as_returning())
                .get_result(c)
                .optional()?
                .ok_or_else(|| not_found(id))
        })
    }

    /// Deletes a context (executions that used it keep running without one).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when there is none with this id.
    pub fn delete_context(&self, id: UniversalUuid) -> Result<()> {
        let mut conn = self.db.get()?;
        let n = with_native!(&mut *conn, c => diesel::delete(contexts::table.find(id)).execute(c)?);
        if n == 0 {
            return Err(not_found(id));
        }
        Ok(())
    }
}
